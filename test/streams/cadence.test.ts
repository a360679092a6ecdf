// The slow-samples warning: once per pool when samples keep arriving slower than the period
// allows, again only after they arrived within the period for a while. In virtual time.
import test from 'ava';
import { initCadence, onArrival } from '../../src/streams/cadence.js';
import { createEngine } from '../../src/streams/index.js';
import type { Logger } from '../../src/streams/index.js';
import { pool, virtualClock } from './helpers.js';

function arrivals(times: number[], periodMs = 1000): string[] {
  const c = initCadence();
  return times.map((ms) => {
    const e = onArrival(c, ms, periodMs);
    return e === null ? '-' : e.kind;
  });
}

test('when samples arrive once per period, then nothing is said', (t) => {
  t.deepEqual(arrivals([0, 1000, 2100, 2900, 4000]), ['-', '-', '-', '-', '-']);
});

test('when three gaps in a row are over 1.5 periods, then it is slow, said once; three gaps within the period recover it', (t) => {
  t.deepEqual(arrivals([0, 5000, 10_000, 15_000, 20_000, 25_000, 26_000, 27_000, 28_000, 33_000, 38_000, 43_000]), [
    '-', '-', '-', 'slow', '-', '-', '-', '-', 'recovered', '-', '-', 'slow',
  ]);
});

test('when one long gap (an outage) is followed by samples every period, then it is not slow', (t) => {
  t.deepEqual(arrivals([0, 1000, 60_000, 61_000, 62_000]), ['-', '-', '-', '-', '-']);
});

test('when a daemon posts every 5 s to a 1 s loop, then the engine warns once for that pool, naming the gap and the period', (t) => {
  const clock = virtualClock();
  const warnings: { obj: object; msg: string }[] = [];
  const none = (): undefined => undefined;
  // (The samples carry no CPU figure: that advice is another warning, left out here.)
  const logger: Logger = { error: none, warn: (obj, msg) => void (/slower than its period/.test(msg) && warnings.push({ obj, msg })), info: none, debug: none };
  const engine = createEngine({ config: { pools: [pool('transfer'), pool('buffer', 'buffer')], cpus: 8, enabled: true }, scheduler: clock.scheduler, logger });
  for (let ms = 500; ms <= 60_000; ms += 5000) clock.at(ms, () => engine.ingest('transfer', [{ ts: clock.scheduler.now(), size: 16, busy: 8 }]));
  for (let ms = 500; ms <= 60_000; ms += 1000) clock.at(ms, () => engine.ingest('buffer', [{ ts: clock.scheduler.now(), size: 16, busy: 8 }]));
  clock.advanceTo(60_000);
  t.is(warnings.length, 1);
  t.like(warnings[0]?.obj, { pool: 'transfer', gapMs: 5000, periodMs: 1000 });
  t.regex(warnings[0]?.msg ?? '', /pool transfer: samples arrive every 5000 ms .* slower than its period of 1000 ms/);
  engine.stop();
});
