import test from 'ava';
import { bandLaw } from '../../../src/core/laws/band.js';
import { ctx } from './ctx.js';

const cases: [number, number, string][] = [
  [0.851, 17, 'above-band'],
  [1, 17, 'above-band'],
  [0.85, 16, 'in-band'],
  [0.6, 16, 'in-band'],
  [0.599, 15, 'below-band'],
  [0, 15, 'below-band'],
];
for (const [u, size, reason] of cases) {
  test(`when utilization is ${u}, then band proposes ${size} (${reason})`, (t) => {
    t.deepEqual(bandLaw.step(null, ctx(16, u)).proposal, { size, reason });
  });
}

test('when asked its step, then band moves one worker at a time and uses the reference stages only', (t) => {
  t.is(bandLaw.maxStep(40, ctx(40, 1).params), 1);
  t.deepEqual(bandLaw.stages.map((stage) => stage.name), ['guard', 'backoff', 'cooldown', 'step', 'bounds']);
});
