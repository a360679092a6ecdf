import test from 'ava';
import {
  cpusCovered,
  cpusFree,
  initSaturation,
  learnCovered,
  observe,
  retryStep,
  startProbe,
  stepBackSize,
  PROBE_TICKS,
  SATURATION_CLASS_TICKS,
  SATURATION_MIN_GAIN,
  SATURATION_RETRY_MAX_SCALE,
} from '../../src/core/saturation.js';
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


const sat16 = (over: Partial<SaturationState> = {}): SaturationState => ({
  ...initSaturation(),
  saturated: { ceiling: 16, classification: 'cpu-bound', sinceMs: 0 },
  ...over,
});

test('when the class changes to or from balanced, then it must last 10 ticks in a row before the ceiling is forgotten', (t) => {
  t.is(SATURATION_CLASS_TICKS, 10);
  let s = sat16();
  for (let i = 1; i < SATURATION_CLASS_TICKS; i++) s = observe(s, 16, 1000, 1, HIGH, 'balanced', i * 1000, RETRY);
  t.not(s.saturated, null, 'nine ticks of balanced');
  t.is(observe(s, 16, 1000, 1, HIGH, 'balanced', 10_000, RETRY).saturated, null, 'the tenth');
  // a tick back in the saturated class starts the count again; unknown neither counts nor resets
  const back = observe(s, 16, 1000, 1, HIGH, 'cpu-bound', 10_000, RETRY);
  t.is(back.classChangeTicks, 0);
  t.is(observe(s, 16, 1000, 1, HIGH, 'unknown', 10_000, RETRY).classChangeTicks, SATURATION_CLASS_TICKS - 1);
  const io = sat16({ saturated: { ceiling: 16, classification: 'balanced', sinceMs: 0 } });
  t.not(observe(io, 16, 1000, 1, HIGH, 'io-bound', 1000, RETRY).saturated, null, 'balanced -> io-bound waits too');
});

test('when a retry finds the same ceiling again, then the wait before the next retry doubles, up to 8x', (t) => {
  t.is(SATURATION_RETRY_MAX_SCALE, 8);
  const flatRetry = (s: SaturationState): SaturationState => {
    let r = readings({ ...s, saturated: null }, 16, [1000]);
    r = startProbe(r, 16, 18);
    return readings(r, 18, [1000, 1000]);
  };
  let s: SaturationState = { ...initSaturation(), lastCeiling: 16 };
  const scales: number[] = [];
  for (let i = 0; i < 4; i++) {
    s = flatRetry(s);
    scales.push(s.retryScale);
  }
  t.deepEqual(scales, [2, 4, 8, 8]);
  // the wait is the retry time times the scale
  const waiting = sat16({ retryScale: 4 });
  t.not(observe(waiting, 16, 1000, 1, HIGH, 'cpu-bound', 4 * RETRY - 1, RETRY).saturated, null);
  t.is(observe(waiting, 16, 1000, 1, HIGH, 'cpu-bound', 4 * RETRY, RETRY).saturated, null);
  // a first ceiling (none learned before) does not double
  t.is(flatRetry(initSaturation()).retryScale, 1);
});

test('when a grow pays off, then the retry scale and the last ceiling are cleared', (t) => {
  let s: SaturationState = { ...initSaturation(), lastCeiling: 16, retryScale: 4 };
  s = readings(s, 16, [1000]);
  s = startProbe(s, 16, 18);
  s = readings(s, 18, [1100, 1100]);
  t.true(s.lastGrowPaidOff);
  t.is(s.retryScale, 1);
  t.is(s.lastCeiling, null);
});

test('when the threads leave CPUs free (size x (1 - idle) < 0.9 n), then a flat grow teaches nothing', (t) => {
  t.false(cpusFree(16, 0.5, 8), '16 x 0.5 = 8 >= 7.2');
  t.true(cpusFree(16, 0.6, 8), '16 x 0.4 = 6.4 < 7.2');
  t.false(cpusFree(null, 0.9, 8));
  let s = readings(initSaturation(), 16, [1000]);
  s = startProbe(s, 16, 20);
  const judged = (free: boolean): SaturationState =>
    [1000, 1000].reduce((acc, tput, i) => observe(acc, 20, tput, 1, HIGH, 'cpu-bound', 5000 + i * 1000, RETRY, free), s);
  t.is(judged(true).saturated, null);
  t.false(judged(true).lastGrowPaidOff);
  t.not(judged(false).saturated, null);
});

test('when a CPU-bound pool steps back, then n / (1 - idle) rounds to the nearest worker', (t) => {
  const sat = { ceiling: 20, classification: 'cpu-bound' as const, sinceMs: 0 };
  t.is(stepBackSize(sat, 8, 0.3, 4), 11, '8 / 0.7 = 11.4: 11, not 12');
  t.is(stepBackSize(sat, 8, 0.25, 4), 11, '8 / 0.75 = 10.7: 11');
  t.is(stepBackSize(sat, 8, 0.02, 4), 8, 'a trace of idle adds no thread');
});

test('when the threads cover every CPU (size x (1 - idle) >= n) over the band, then the ceiling is the size, learned without a probe', (t) => {
  t.true(cpusCovered(16, 0.5, 8));
  t.false(cpusCovered(16, 0.51, 8));
  const learned = learnCovered(initSaturation(), 16, 0.05, 8, 1, HIGH, 'cpu-bound', 7000);
  t.deepEqual(learned.saturated, { ceiling: 16, classification: 'cpu-bound', sinceMs: 7000 });
  t.is(learned.lastCeiling, 16);
  t.is(learnCovered(initSaturation(), 16, 0.05, 8, HIGH, HIGH, 'cpu-bound', 0).saturated, null, 'in band: nothing to stop');
  t.is(learnCovered(initSaturation(), 16, 0.9, 8, 1, HIGH, 'io-bound', 0).saturated, null, 'CPUs left: only a probe can tell');
  const already = sat16();
  t.is(learnCovered(already, 20, 0, 8, 1, HIGH, 'cpu-bound', 5000), already, 'a learned ceiling is kept');
});

test('when a learned ceiling is retried, then the probe is one worker', (t) => {
  const retrying: SaturationState = { ...initSaturation(), lastCeiling: 8 };
  t.is(retryStep(10, 8, retrying), 9);
  t.is(retryStep(12, 9, retrying), 10, 'above the last ceiling too');
  t.is(retryStep(10, 6, retrying), 10, 'below it: the law decides');
  t.is(retryStep(10, 8, initSaturation()), 10, 'no ceiling learned');
  t.is(retryStep(7, 8, retrying), 7, 'a shrink is not touched');
});
