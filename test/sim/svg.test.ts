import test from 'ava';
import { runScenario } from '../../src/sim/run.js';
import { getScenario } from '../../src/sim/scenarios.js';
import { escapeXml, renderChart } from '../../src/sim/svg.js';

/** A small well-formedness check: every tag closes in order, attributes are quoted. */
function wellFormed(xml: string): boolean {
  const body = xml.replace(/^<\?xml[^>]*\?>/, '');
  const stack: string[] = [];
  for (const m of body.matchAll(/<(\/?)([a-zA-Z]+)((?:\s+[a-zA-Z:-]+="[^"<]*")*)\s*(\/?)>/g)) {
    const [, close, name, , self] = m as unknown as [string, string, string, string, string];
    if (self === '/') continue;
    if (close === '/') {
      if (stack.pop() !== name) return false;
    } else stack.push(name);
  }
  const stripped = body.replace(/<[^>]*>/g, '');
  return stack.length === 0 && !/[<>]/.test(stripped) && !/&(?!(lt|gt|amp|apos|quot);)/.test(stripped);
}

test('when a run is drawn, then the SVG is well-formed and has the band, size, target and utilization', (t) => {
  const run = runScenario(getScenario('step')!, { kind: 'law', law: 'pi' }, { seed: 1, minutes: 2 });
  const svg = renderChart(run.ticks, { title: 'step: pi <seed 1> & co', band: run.band, maxSize: 32 });
  t.true(svg.startsWith('<?xml'));
  t.true(wellFormed(svg));
  for (const id of ['band', 'size', 'target', 'utilization']) t.true(svg.includes(`id="${id}"`), id);
  t.true(svg.includes('step: pi &lt;seed 1&gt; &amp; co'));
  t.false(wellFormed('<svg><g></svg>'));
});

test('when text has XML characters, then they are escaped', (t) => {
  t.is(escapeXml(`a<b>&'"`), 'a&lt;b&gt;&amp;&apos;&quot;');
});
