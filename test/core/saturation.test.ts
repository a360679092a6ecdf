import test from 'ava';
import { initSaturation, observe, startProbe, stepBackSize, PROBE_TICKS, SATURATION_MIN_GAIN } from '../../src/core/saturation.js';
import type { SaturationState } from '../../src/core/saturation.js';

const HIGH = 0.85;
const RETRY = 120_000;

/** Readings of `tput` at `size`, one a tick from `fromMs`. */
function readings(s: SaturationState, size: number, tputs: number[], u = 1, cls: 'cpu-bound' | 'io-bound' = 'cpu-bound', fromMs = 0): SaturationState {
  return tputs.reduce((acc, tput, i) => observe(acc, size, tput, u, HIGH, cls, fromMs + i * 1000, RETRY), s);
}

test('when a grow raises throughput by less than 2 % and utilization stays over the band, then the pool is saturated at the old size', (t) => {
  let s = readings(initSaturation(), 16, [1000, 1000, 1000]);
  s = startProbe(s, 16, 20);
  s = readings(s, 20, [1019, 1019], 1, 'cpu-bound', 5000);
  t.deepEqual(s.saturated, { ceiling: 16, classification: 'cpu-bound', sinceMs: 6000 });
  t.false(s.lastGrowPaidOff);
});

test('when a grow raises throughput by 2 % or more, then it paid off', (t) => {
  t.is(SATURATION_MIN_GAIN, 0.02);
  let s = readings(initSaturation(), 16, [1000]);
  s = startProbe(s, 16, 20);
  s = readings(s, 20, [1020, 1020]);
  t.is(s.saturated, null);
  t.true(s.lastGrowPaidOff);
});

test('when a flat grow brought utilization into the band, then it is not saturation (there was no backlog to serve)', (t) => {
  let s = readings(initSaturation(), 16, [1000]);
  s = startProbe(s, 16, 20);
  s = readings(s, 20, [1000, 1000], 0.8);
  t.is(s.saturated, null);
});

test('when fewer than the probe ticks arrived at the new size, then the grow is not judged yet', (t) => {
  let s = readings(initSaturation(), 16, [1000]);
  s = startProbe(s, 16, 20);
  s = readings(s, 20, Array(PROBE_TICKS - 1).fill(1000));
  t.not(s.probe, null);
  t.is(s.saturated, null);
  s = readings(s, 17, [1000]);
  t.is(s.probe, null, 'the daemon went elsewhere: the probe is dropped');
});

test('when there is no throughput before a grow, then no probe starts', (t) => {
  t.is(startProbe(initSaturation(), 16, 20).probe, null);
});

test('when the classification changes or the retry time passes, then the saturation is forgotten', (t) => {
  const saturated: SaturationState = { ...initSaturation(), saturated: { ceiling: 16, classification: 'cpu-bound', sinceMs: 0 } };
  t.not(observe(saturated, 16, 1000, 1, HIGH, 'cpu-bound', RETRY - 1, RETRY).saturated, null);
  t.is(observe(saturated, 16, 1000, 1, HIGH, 'cpu-bound', RETRY, RETRY).saturated, null);
  t.is(observe(saturated, 16, 1000, 1, HIGH, 'io-bound', 1000, RETRY).saturated, null);
  t.not(observe(saturated, 16, 1000, 1, HIGH, 'unknown', 1000, RETRY).saturated, null, 'unknown is no change');
});

test('when a CPU-bound pool steps back, then it goes to the workers that can compute at once, never below min', (t) => {
  const sat = { ceiling: 20, classification: 'cpu-bound' as const, sinceMs: 0 };
  t.is(stepBackSize(sat, 8, 0, 4), 8);
  t.is(stepBackSize(sat, 8, 0.5, 4), 16);
  t.is(stepBackSize(sat, 8, 0.9, 4), 20, 'never above the ceiling');
  t.is(stepBackSize(sat, 2, 0, 4), 4);
  t.is(stepBackSize({ ...sat, classification: 'balanced' }, 8, 0, 4), 20, 'other classes step back to the ceiling');
});
