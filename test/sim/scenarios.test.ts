import test from 'ava';
import { mulberry32 } from '../../src/sim/random.js';
import { SCENARIOS, getScenario, scenarioNames } from '../../src/sim/scenarios.js';

test('when the benchmark lists its scenarios, then all nine are there, 30 min or more, defined on 8 cores', (t) => {
  t.deepEqual(scenarioNames(), ['io-bound', 'cpu-bound', 'mixed', 'bursty', 'step', 'diurnal', 'disk-bound', 'heavy-tail', 'ramp']);
  for (const s of SCENARIOS) {
    t.true(s.minutes >= 30, s.name);
    t.is(s.n, 8, s.name);
  }
  t.is(getScenario('nope'), undefined);
});

test('when a scenario lays out its load, then the segments start at 0, in order, and repeat with the seed', (t) => {
  for (const s of SCENARIOS) {
    const a = s.segments(30 * 60_000, mulberry32(1));
    t.is(a[0]?.startMs, 0, s.name);
    for (let i = 1; i < a.length; i += 1) t.true((a[i]?.startMs ?? 0) > (a[i - 1]?.startMs ?? 0), s.name);
    t.deepEqual(s.segments(30 * 60_000, mulberry32(1)), a, s.name);
  }
});

test('when step runs, then the load is x4 from minute 10 to minute 20', (t) => {
  const step = getScenario('step')!;
  const segs = step.segments(30 * 60_000, mulberry32(1));
  t.deepEqual(segs.map((s) => s.ratePerSecond), [60, 240, 60]);
  t.deepEqual(step.stepsMs, [600_000, 1_200_000]);
});

test('when disk-bound runs, then its disk has 4 slots and the load goes under, over and around its 200 tasks/s', (t) => {
  const disk = getScenario('disk-bound')!;
  t.is(disk.deviceSlots, 4);
  const segs = disk.segments(30 * 60_000, mulberry32(1));
  t.deepEqual(segs.slice(0, 2).map((s) => s.ratePerSecond), [150, 220]);
  t.deepEqual([...new Set(segs.slice(2).map((s) => s.ratePerSecond))].sort(), [160, 240]);
});

test('when ramp runs, then the load doubles from 100 to 200 tasks/s over minutes 5 to 25', (t) => {
  const segs = getScenario('ramp')!.segments(30 * 60_000, mulberry32(1));
  const at = (ms: number): number => [...segs].reverse().find((s) => s.startMs <= ms)?.ratePerSecond ?? NaN;
  t.is(at(0), 100);
  t.is(at(5 * 60_000), 100);
  t.true(Math.abs(at(15 * 60_000) - 100 * Math.SQRT2) < 0.1);
  t.is(at(26 * 60_000), 200);
});
