// The .NET thread pool's hill climbing, ported from HillClimbing.Update in dotnet/runtime's
// src/libraries/System.Private.CoreLib/src/System/Threading/PortableThreadPool.HillClimbing.cs,
// plus the gate thread's starvation rule (PortableThreadPool.GateThread.cs).
//
// The size carries a square wave (period 4 samples); the throughput's response at the
// wave's frequency (Goertzel, over up to 8 waves of history) divided by the size's own
// component says which way throughput rises. The move is that ratio's real part, scaled
// by confidence (signal over noise, against a target of 3.0), raised to the gain exponent
// 2.0, at most 4 workers a second and 20 a sample. One tick is one sample once .NET's
// sample interval (a random 10-200 ms, drawn here from a seeded PRNG) has passed, so at
// the default 1 s period every tick is a sample; a sample too short to be accurate
// ((workers - 1) / completions >= 15 %) is accumulated into the next, as .NET does. The CPU
// utilization .NET reads from the machine is the pool's measured CPU here (or, without one,
// an idle share that tells blocked workers from computing ones; else unknown, taken as low),
// and no sample is taken while more workers process work than the goal. The gate thread's
// starvation rule raises the goal to one more than the workers processing work, and only when
// they are at least the goal (GateThread.cs), so a pool with idle workers is never starved.
import { PEER_STAGES, lastQueueDepth, noStepLimit } from './peer.js';
import { ZERO, abs, div, scale, sub, waveComponent } from './goertzel.js';
import type { Complex } from './goertzel.js';
import { clamp, mulberry32Step } from '../math.js';
import { eraseLaw } from './law.js';
import type { Law, LawContext } from './law.js';

/** PortableThreadPool.HillClimbing.cs, CreateHillClimber's defaults. */
export const HILL = {
  wavePeriod: 4,
  maxWaveMagnitude: 20,
  waveMagnitudeMultiplier: 1.0,
  waveHistorySize: 8,
  /** "Bias": the throughput ratio the wave is centred on */
  targetThroughputRatio: 0.15,
  targetSignalToNoiseRatio: 3.0,
  maxChangePerSecond: 4,
  maxChangePerSample: 20,
  sampleIntervalLowMs: 10,
  sampleIntervalHighMs: 200,
  errorSmoothingFactor: 0.01,
  gainExponent: 2.0,
  maxSampleError: 0.15,
} as const;
/** PortableThreadPool.cs: CpuUtilizationHigh = 95 (a grow is refused above it), CpuUtilizationLow = 80. */
export const CPU_UTILIZATION_HIGH = 0.95;
export const CPU_UTILIZATION_LOW = 0.8;
/** PortableThreadPool.GateThread.cs: GateActivitiesPeriodMs = 500, DequeueDelayThresholdMs = 2 x 500. */
export const GATE_ACTIVITIES_PERIOD_MS = 500;
export const DEQUEUE_DELAY_THRESHOLD_MS = 1000;
/** The PRNG's seed when config sets none (any fixed value: runs must repeat). */
export const HILL_SEED = 0x5eed;

const SAMPLES = HILL.wavePeriod * HILL.waveHistorySize;

export interface HillState {
  controlSetting: number;
  totalSamples: number;
  lastThreadCount: number;
  averageThroughputNoise: number;
  secondsSinceChange: number;
  completionsSinceChange: number;
  accumulatedSeconds: number;
  accumulatedCompletions: number;
  /** ring buffers of SAMPLES throughputs and sizes, indexed by totalSamples */
  samples: number[];
  threadCounts: number[];
  currentSampleMs: number;
  /** the interval the last Update asked for, and the time and completions since it */
  nextSampleMs: number;
  pendingSeconds: number;
  pendingCompletions: number;
  /** mulberry32 state */
  rng: number;
  /** starvation: how long work has waited without a completion */
  noProgressMs: number;
}

export const hillLaw: Law<HillState> = {
  name: 'hill',
  stages: PEER_STAGES,
  maxStep: noStepLimit,
  init(_size, params) {
    const draw = nextInt(params.hillSeed ?? HILL_SEED, HILL.sampleIntervalLowMs, HILL.sampleIntervalHighMs + 1);
    return {
      controlSetting: 0,
      totalSamples: 0,
      lastThreadCount: 0,
      averageThroughputNoise: 0,
      secondsSinceChange: 0,
      completionsSinceChange: 0,
      accumulatedSeconds: 0,
      accumulatedCompletions: 0,
      samples: new Array<number>(SAMPLES).fill(0),
      threadCounts: new Array<number>(SAMPLES).fill(0),
      currentSampleMs: draw.value,
      nextSampleMs: draw.value,
      pendingSeconds: 0,
      pendingCompletions: 0,
      rng: draw.state,
      noProgressMs: 0,
    };
  },
  step(state, ctx) {
    const { size } = ctx;
    const throughput = ctx.signals.throughput;
    if (throughput === null) return { state, proposal: { size, reason: 'no-data' } };
    const seconds = ctx.dtMs / 1000;
    const completions = throughput * seconds;
    const cpu = cpuUtilization(ctx);

    // The workers processing work (.NET's NumProcessingWork): the busy share of those reported.
    const processing = ctx.utilization * (ctx.signals.size ?? size);

    // The gate thread: work waiting and nothing dequeued for longer than the delay sets the goal
    // to one more than the workers processing work, if they are at least the goal and under the max.
    const noProgressMs = workWaiting(ctx) && completions === 0 ? state.noProgressMs + ctx.dtMs : 0;
    const delayMs = cpu < CPU_UTILIZATION_LOW ? GATE_ACTIVITIES_PERIOD_MS : size * DEQUEUE_DELAY_THRESHOLD_MS;
    const numProcessing = Math.round(processing);
    if (noProgressMs > delayMs && numProcessing < ctx.bounds.max && numProcessing >= size) {
      const forced = forceChange({ ...state, pendingSeconds: state.pendingSeconds + seconds }, numProcessing + 1);
      return { state: { ...forced, noProgressMs: 0 }, proposal: { size: numProcessing + 1, reason: 'law' } };
    }

    const pendingSeconds = state.pendingSeconds + seconds;
    const pendingCompletions = state.pendingCompletions + completions;
    // PortableThreadPool.AdjustMaxWorkersActive: no hill climbing while more threads process
    // work than the goal (a lowered goal whose threads are still busy); the sample goes on.
    if (pendingSeconds * 1000 < state.nextSampleMs || processing > size) {
      return { state: { ...state, pendingSeconds, pendingCompletions, noProgressMs }, proposal: { size, reason: 'law' } };
    }
    const r = update({ ...state, noProgressMs, pendingSeconds: 0, pendingCompletions: 0 }, ctx, pendingSeconds, pendingCompletions, cpu);
    return { state: r.state, proposal: { size: r.size, reason: 'law' } };
  },
};

/** HillClimbing.Update(currentThreadCount, sampleDurationSeconds, numCompletions). */
export function update(
  prev: HillState,
  ctx: LawContext,
  sampleSeconds: number,
  sampleCompletions: number,
  cpu: number,
): { state: HillState; size: number } {
  const current = ctx.size;
  const { min, max } = ctx.bounds;
  let s = current !== prev.lastThreadCount ? forceChange(prev, current) : prev;
  s = { ...s, secondsSinceChange: s.secondsSinceChange + sampleSeconds, completionsSinceChange: s.completionsSinceChange + sampleCompletions };
  const duration = sampleSeconds + s.accumulatedSeconds;
  const completions = sampleCompletions + s.accumulatedCompletions;
  // Too few completions for the count to be accurate: gather more (.NET asks again in 10 ms).
  if (s.totalSamples > 0 && (current - 1) / completions >= HILL.maxSampleError) {
    return { state: { ...s, accumulatedSeconds: duration, accumulatedCompletions: completions, nextSampleMs: 10 }, size: current };
  }
  s = { ...s, accumulatedSeconds: 0, accumulatedCompletions: 0 };

  const index = s.totalSamples % SAMPLES;
  const samples = [...s.samples];
  const threadCounts = [...s.threadCounts];
  samples[index] = completions / duration;
  threadCounts[index] = current;
  const total = s.totalSamples + 1;
  s = { ...s, samples, threadCounts, totalSamples: total };

  let ratio: Complex = ZERO;
  let confidence = 0;
  const sampleCount = Math.floor(Math.min(total - 1, SAMPLES) / HILL.wavePeriod) * HILL.wavePeriod;
  if (sampleCount > HILL.wavePeriod) {
    const recent = (ring: number[]): number[] =>
      Array.from({ length: sampleCount }, (_, i) => ring[(total - sampleCount + i) % SAMPLES] as number);
    const tp = recent(samples);
    const th = recent(threadCounts);
    const averageThroughput = tp.reduce((a, b) => a + b, 0) / sampleCount;
    const averageThreadCount = th.reduce((a, b) => a + b, 0) / sampleCount;
    if (averageThroughput > 0 && averageThreadCount > 0) {
      // The two adjacent Fourier bands measure the noise near the wave's frequency.
      const adjacent1 = sampleCount / (sampleCount / HILL.wavePeriod + 1);
      const adjacent2 = sampleCount / (sampleCount / HILL.wavePeriod - 1);
      const throughputWave = scale(waveComponent(tp, HILL.wavePeriod), 1 / averageThroughput);
      let errorEstimate = abs(waveComponent(tp, adjacent1)) / averageThroughput;
      if (adjacent2 <= sampleCount) errorEstimate = Math.max(errorEstimate, abs(waveComponent(tp, adjacent2)) / averageThroughput);
      const threadWave = scale(waveComponent(th, HILL.wavePeriod), 1 / averageThreadCount);
      const noise =
        s.averageThroughputNoise === 0
          ? errorEstimate
          : HILL.errorSmoothingFactor * errorEstimate + (1 - HILL.errorSmoothingFactor) * s.averageThroughputNoise;
      s = { ...s, averageThroughputNoise: noise };
      if (abs(threadWave) > 0) ratio = div(sub(throughputWave, scale(threadWave, HILL.targetThroughputRatio)), threadWave);
      const noiseForConfidence = Math.max(noise, errorEstimate);
      confidence = noiseForConfidence > 0 ? abs(threadWave) / noiseForConfidence / HILL.targetSignalToNoiseRatio : 1;
    }
  }

  // In phase: climb; opposite phase: descend; 90 degrees: no move.
  let move = clamp(ratio.re, -1, 1) * clamp(confidence, 0, 1);
  const gain = HILL.maxChangePerSecond * duration;
  move = Math.pow(Math.abs(move), HILL.gainExponent) * (move >= 0 ? 1 : -1) * gain;
  move = Math.min(move, HILL.maxChangePerSample);
  if (move > 0 && cpu > CPU_UTILIZATION_HIGH) move = 0;
  let control = s.controlSetting + move;

  let magnitude = Math.trunc(
    0.5 + control * s.averageThroughputNoise * HILL.targetSignalToNoiseRatio * HILL.waveMagnitudeMultiplier * 2,
  );
  magnitude = Math.max(1, Math.min(magnitude, HILL.maxWaveMagnitude));
  control = Math.max(min, Math.min(max - magnitude, control));
  const high = Math.floor(total / (HILL.wavePeriod / 2)) % 2;
  const next = clamp(Math.trunc(control + magnitude * high), min, max);
  s = { ...s, controlSetting: control };
  if (next !== current) s = changeThreadCount(s, next);

  // At the floor and hurting throughput: stay there longer before trying higher again.
  const nextSampleMs =
    ratio.re < 0 && next === min ? Math.trunc(0.5 + s.currentSampleMs * 10 * Math.min(-ratio.re, 1)) : s.currentSampleMs;
  return { state: { ...s, nextSampleMs }, size: next };
}

/** HillClimbing.ForceChange: someone else set the size; the control setting follows it. */
export function forceChange(s: HillState, size: number): HillState {
  if (s.lastThreadCount === size) return s;
  return changeThreadCount({ ...s, controlSetting: s.controlSetting + size - s.lastThreadCount }, size);
}

function changeThreadCount(s: HillState, size: number): HillState {
  const draw = nextInt(s.rng, HILL.sampleIntervalLowMs, HILL.sampleIntervalHighMs + 1);
  return { ...s, lastThreadCount: size, currentSampleMs: draw.value, rng: draw.state, secondsSinceChange: 0, completionsSinceChange: 0 };
}

/**
 * The host's CPU utilization, which .NET reads from the OS: the workers not idle (on a CPU
 * or waiting for one) over the CPUs. An estimate from the idle EWMA; 0 when unknown.
 */
export function cpuUtilization(ctx: LawContext): number {
  if (ctx.n <= 0) return 0;
  // .NET reads the machine's CPU: the measured figure first.
  const { cpus } = ctx.signals.cpu;
  if (cpus !== null) return Math.min(1, cpus / ctx.n);
  // Else only an idle share that tells blocked workers from computing ones says anything.
  const idle = ctx.signals.workerIdle;
  if (idle === null || !ctx.signals.idleInformative) return 0;
  const workers = ctx.signals.size ?? ctx.size;
  return Math.min(1, ((1 - idle) * workers) / ctx.n);
}

/** .NET's numRequestedWorkers > 0: the queue holds work (its depth, else a stall). */
function workWaiting(ctx: LawContext): boolean {
  const depth = lastQueueDepth(ctx);
  if (depth !== null) return depth > 0;
  return (ctx.signals.queueStall ?? 0) > 0;
}

/** mulberry32: an integer in [lo, hiExclusive) and the next state, as Random.Next(lo, hi). */
export function nextInt(seed: number, lo: number, hiExclusive: number): { value: number; state: number } {
  const { unit, state } = mulberry32Step(seed);
  return { value: lo + Math.floor(unit * (hiExclusive - lo)), state };
}

export const hill = eraseLaw(hillLaw);
