// dotnet/runtime has no unit test of the thread pool's hill climbing (its ThreadPoolTests.cs
// only drives a real pool): these cases port the documented computation of
// src/libraries/System.Private.CoreLib/src/System/Threading/PortableThreadPool.HillClimbing.cs
// (commit 04326b6dd1bc9da50400d5545a712a785745a869) as exact numbers, plus the caller's rule in
// PortableThreadPool.cs (commit 046456bb3dde8dfd90c3064f31c1add210a04764) and GateThread.cs
// (below). Each case quotes the statement it ports; "L305" is a line of the file named, at
// the commit given.
import test from 'ava';
import { forceChange, hillLaw, update } from '../../../src/core/laws/hill.js';
import type { HillState } from '../../../src/core/laws/hill.js';
import { waveComponent } from '../../../src/core/laws/goertzel.js';
import { ctx } from './ctx.js';
import { DEFAULTS } from '../helpers.js';

const close = (a: number, b: number, eps = 1e-9): boolean => Math.abs(a - b) < eps;

test('GetWaveComponent L444-L465: `new Complex(q1 - q2 * cos, q2 * Math.Sin(w)) / numSamples` on cos(pi i / 2) over 8 samples is (0, -0.5)', (t) => {
  // q runs 1, 0, -2, 0, 3, 0, -4, 0: q1 = 0, q2 = -4, cos(pi / 2) ~ 0, sin = 1.
  const c = waveComponent([1, 0, -1, 0, 1, 0, -1, 0], 4);
  t.true(close(c.re, 0) && close(c.im, -0.5), JSON.stringify(c));
});

interface Run {
  sizes: number[];
  state: HillState;
}

/**
 * Update(currentThreadCount, sampleDurationSeconds, numCompletions) called `samples` times from
 * a fresh climber at `start` threads, each call at the count the previous one returned; the
 * throughput of a call is `rate(threads now, threads of the previous call)` per second.
 */
function climb(
  start: number,
  samples: number,
  rate: (threads: number, previous: number) => number,
  opts: { seconds?: (i: number) => number; cpu?: number; min?: number; max?: number } = {},
): Run {
  let state = hillLaw.init(start, DEFAULTS);
  let size = start;
  let previous = start;
  const sizes: number[] = [];
  for (let i = 1; i <= samples; i++) {
    const seconds = opts.seconds?.(i) ?? 0.5;
    const r = update(state, ctx(size, 0.5, { bounds: { min: opts.min ?? 1, max: opts.max ?? 1000 } }), seconds, rate(size, previous) * seconds, opts.cpu ?? 0.5);
    previous = size;
    state = r.state;
    size = r.size;
    sizes.push(size);
  }
  return { sizes, state };
}

const inPhase = (threads: number) => 100 * threads;

test('Update L130-L353, warm-up: `sampleCount > _wavePeriod` (L219) fails for 8 samples, so no move, and the wave of magnitude 1 is `(_totalSamples / (_wavePeriod / 2)) % 2` (L353)', (t) => {
  // ForceChange from _lastThreadCount 0 sets the control setting to 10;
  // `newThreadWaveMagnitude = Math.Max(newThreadWaveMagnitude, 1)` while the noise average is 0.
  const run = climb(10, 8, inPhase);
  t.deepEqual(run.sizes, [10, 11, 11, 10, 10, 11, 11, 10]);
  t.is(run.state.controlSetting, 10);
});

test('Update L275, L305-L319, climbing move: throughput in phase with the wave gives ratio 1 - 0.15 (Bias), move = 0.85^2 x MaxChangePerSecond 4 x 0.5 s = 1.445', (t) => {
  // `ratio = (throughputWaveComponent - (_targetThroughputRatio * threadWaveComponent)) / threadWaveComponent`,
  // `move = Math.Pow(Math.Abs(move), _gainExponent) * (move >= 0.0 ? 1 : -1) * gain` with gain = 4 x 0.5.
  const run = climb(10, 9, inPhase);
  t.true(close(run.state.controlSetting, 10 + 1.445), String(run.state.controlSetting));
  t.is(run.sizes[8], 11, '(int)(11.445 + 1 x ((9 / 2) % 2 = 0))');
});

test('Update L325, CPU: `if (move > 0.0 && threadPoolInstance._cpuUtilization > CpuUtilizationHigh) move = 0.0` (95, PortableThreadPool.cs L30): 96 % refuses, 95 % does not', (t) => {
  const hot = climb(10, 9, inPhase, { cpu: 0.96 });
  t.is(hot.state.controlSetting, 10);
  t.is(hot.sizes[8], 10);
  t.true(close(climb(10, 9, inPhase, { cpu: 0.95 }).state.controlSetting, 11.445));
  const down = climb(10, 9, (threads) => 100 * (21 - threads), { cpu: 0.99 });
  t.is(down.state.controlSetting, 8, 'a move down is never refused');
});

test('Update L319, `move = Math.Min(move, _maxChangePerSample)`: a 10 s sample would move 0.7225 x 40 = 28.9, it moves 20', (t) => {
  const run = climb(10, 9, inPhase, { seconds: (i) => (i === 9 ? 10 : 0.5) });
  t.true(close(run.state.controlSetting, 30), String(run.state.controlSetting));
  t.is(run.sizes[8], 30);
});

test('Update L305, opposite phase: ratio (-1 - 0.15) is clamped to -1 by `Math.Min(1.0, Math.Max(-1.0, ratio.Real))`: move -2', (t) => {
  // Throughput 100 x (21 - threads): 1000 at 11 threads, 1100 at 10.
  const run = climb(10, 9, (threads) => 100 * (21 - threads));
  t.true(close(run.state.controlSetting, 8), String(run.state.controlSetting));
  t.is(run.sizes[8], 8);
});

test('Update L275, L305, 90 degrees out of phase: the real part is only the bias, -0.15, so the move is -(0.15^2) x 2 = -0.045', (t) => {
  // One sample late at a period of 4 samples is a quarter period: 90 degrees.
  const run = climb(10, 9, (_threads, previous) => 100 * previous);
  t.true(close(run.state.controlSetting, 10 - 0.045, 1e-6), String(run.state.controlSetting));
  t.is(run.sizes[8], 9, '(int)9.955');
});

test('Update L387-L388, at minThreads and hurting throughput: `newSampleInterval = (int)(0.5 + _currentSampleMs * (10.0 * Math.Min(-ratio.Real, 1.0)))`', (t) => {
  const run = climb(10, 9, (threads) => 100 * (21 - threads), { min: 10 });
  t.is(run.sizes[8], 10);
  t.is(run.state.nextSampleMs, run.state.currentSampleMs * 10);
  const up = climb(10, 9, inPhase, { min: 10 });
  t.is(up.state.nextSampleMs, up.state.currentSampleMs, 'a positive ratio keeps the interval');
});

test('Update L172-L178, accuracy: `(currentThreadCount - 1.0) / numCompletions >= _maxSampleError` (15 %) accumulates the sample and asks again in 10 ms', (t) => {
  const first = update(hillLaw.init(16, DEFAULTS), ctx(16, 0.5, { bounds: { min: 1, max: 100 } }), 0.5, 1000, 0.5).state;
  const c = ctx(16, 0.5, { bounds: { min: 1, max: 100 } });
  const short = update(first, c, 0.5, 100, 0.5);
  t.like(short.state, { totalSamples: 1, accumulatedSeconds: 0.5, accumulatedCompletions: 100, nextSampleMs: 10 }, '15 / 100 = 0.15');
  const enough = update(short.state, c, 0.01, 1, 0.5);
  t.like(enough.state, { totalSamples: 2, accumulatedSeconds: 0, accumulatedCompletions: 0 }, '15 / 101 < 0.15');
  t.true(close(enough.state.samples[1] as number, 101 / 0.51), 'the throughput of the two together');
});

test('ForceChange L435-L439: `_currentControlSetting += newThreadCount - _lastThreadCount`', (t) => {
  const s: HillState = { ...hillLaw.init(10, DEFAULTS), controlSetting: 10.5, lastThreadCount: 10 };
  t.like(forceChange(s, 14), { controlSetting: 14.5, lastThreadCount: 14 });
  t.is(forceChange(s, 10), s, 'no change, no effect');
});

// PortableThreadPool.cs, ShouldAdjustMaxWorkersActive (L443, the check at L470) and
// AdjustMaxWorkersActive (L377, the check at L391):
// `if (counts.NumProcessingWork > counts.NumThreadsGoal) return false;` (the sample goes on).
test('PortableThreadPool.cs L391, L470: when 12 of a goal of 10 process work, no sample; when 10, a sample', (t) => {
  const due = { ...hillLaw.init(10, DEFAULTS), nextSampleMs: 10 };
  const at = (reported: number) => {
    const base = ctx(10, 1, { dtMs: 1000 });
    return hillLaw.step(due, { ...base, signals: { ...base.signals, size: reported, throughput: 500 } });
  };
  t.like(at(12).state, { totalSamples: 0, pendingSeconds: 1, pendingCompletions: 500 });
  t.is(at(12).proposal.size, 10);
  t.like(at(10).state, { totalSamples: 1, pendingSeconds: 0 });
});

// PortableThreadPool.GateThread.cs (commit 03a2886e6c6e5706ecacc3d168c9311e440d53a7), starvation:
// L129-L131 `while (counts.NumProcessingWork < threadPoolInstance._maxThreads && counts.NumProcessingWork >= counts.NumThreadsGoal)`
// then L139 `newNumThreadsGoal = (short)(counts.NumProcessingWork + 1)`; SufficientDelaySinceLastDequeue
// (L187-L201): `delay > minimumDelay` (L200), 500 ms while the CPU is under CpuUtilizationLow (L191-L194).
test('GateThread L110-L165 starvation: when work waits 501 ms without a dequeue, the goal becomes NumProcessingWork + 1, only if they are at least the goal', (t) => {
  const starving = (u: number, reported: number, size = 16) => {
    const base = ctx(size, u, { dtMs: 501, bounds: { min: 1, max: 32 } });
    return {
      ...base,
      signals: { ...base.signals, size: reported, throughput: 0, workerIdle: 0.9 },
      samples: [{ ts: 0, size: reported, busy: Math.round(u * reported), queueDepth: 5 }],
    };
  };
  const s0 = hillLaw.init(16, DEFAULTS);
  t.is(hillLaw.step(s0, starving(1, 16)).proposal.size, 17, '16 processing of a goal of 16');
  t.is(hillLaw.step(s0, starving(0.5, 16)).proposal.size, 16, '8 processing of 16: no new worker');
  t.is(hillLaw.step(s0, starving(1, 18)).proposal.size, 19, '18 still processing of a lowered goal of 16: 18 + 1');
  t.is(hillLaw.step(s0, starving(1, 32, 32)).state.noProgressMs, 501, 'at the max: no starvation (the wait goes on)');
});
