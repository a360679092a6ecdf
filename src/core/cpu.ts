// The pool's CPU figures for one tick: how many CPUs' worth its threads used, and how many
// threads' worth were runnable but waiting for a CPU (run delay). A worker counted busy may
// be computing or blocked; only these figures tell which. They come from the first source
// available (docs/design.md, "CPU is measured, not inferred"): the samples' own cumulative
// `cpuSeconds` and `runDelaySeconds`, else a reading the sidecar took itself from /proc at
// the tick (`process`), else none. Figures are smoothed over CPU_SMOOTHING_MS, so one
// tick's Poisson burst does not decide a guard.
import { rateOf } from './counters.js';
import type { CounterBase } from './counters.js';
import { ewma } from './math.js';
import type { CpuReading, CpuSignals, CpuSource, Sample } from './types.js';

/** Time constant of the smoothed CPU figures: a few ticks, well inside a grow cooldown. */
export const CPU_SMOOTHING_MS = 3000;

export interface CpuState {
  source: CpuSource;
  cpu: CounterBase | null;
  delay: CounterBase | null;
  throttled: CounterBase | null;
  pressure: CounterBase | null;
  /** smoothed CPUs used, threads waiting, busy workers, throttled and pressure shares */
  cpus: number | null;
  waiting: number | null;
  busy: number | null;
  throttledShare: number | null;
  pressureShare: number | null;
  /** ticks in a row that had a CPU figure (the classification wants a few) */
  ticks: number;
  /** threads a worker serves requests on, from the last sample (1 unless a source says more) */
  threadsPerWorker: number;
}

export function initCpuState(): CpuState {
  return { source: 'none', cpu: null, delay: null, throttled: null, pressure: null, cpus: null, waiting: null, busy: null, throttledShare: null, pressureShare: null, ticks: 0, threadsPerWorker: 1 };
}

export const NO_CPU: CpuSignals = { source: 'none', cpus: null, waiting: null, runDelay: null, runnablePerBusy: null, threadsPerWorker: 1, throttled: null, pressure: null, tick: null };

/** The source this tick's figures come from: the samples' counters first, then the sidecar's own reading. */
export function cpuSourceOf(samples: readonly Sample[], reading: CpuReading | null): CpuSource {
  const last = samples[samples.length - 1];
  if (last?.cpuSeconds !== undefined) return 'sample';
  return reading !== null ? 'process' : 'none';
}

/** Below this many busy workers' threads (this tick's, or smoothed), the pool is idle: nothing of it waits for a CPU. */
export const IDLE_BUSY = 1e-3;

/**
 * Updates the CPU figures from this tick's samples (in time order) or the sidecar's reading.
 * `busy` is the tick's mean busy workers (null without a sample). A source whose workers each
 * serve requests on several threads says how many (`workerThreads`): the figures per busy
 * worker are then per busy thread, and a busy worker counts that many threads.
 */
export function updateCpu(
  prev: CpuState,
  samples: readonly Sample[],
  reading: CpuReading | null,
  busy: number | null,
): { state: CpuState; signals: CpuSignals } {
  // A tick without a sample is a gap, not a change of source: the samples' counters are
  // cumulative, and the next sample is rated against the last one (a reading the sidecar may
  // take meanwhile would re-base every counter twice).
  if (samples.length === 0 && prev.source === 'sample') return { state: prev, signals: { ...NO_CPU, source: 'sample' } };
  const source = cpuSourceOf(samples, reading);
  // A change of source re-bases every counter: two sources never share a base.
  const base = source === prev.source ? prev : { ...initCpuState(), source };
  if (source === 'none') return { state: base, signals: NO_CPU };

  const points: readonly { ts: number; cpu?: number; delay?: number | null; throttled?: number; pressure?: number }[] =
    source === 'sample'
      ? samples.map((s) => ({ ts: s.ts, cpu: s.cpuSeconds, delay: s.runDelaySeconds }))
      : [{ ts: (reading as CpuReading).ts, cpu: (reading as CpuReading).cpuSeconds, delay: (reading as CpuReading).runDelaySeconds, throttled: (reading as CpuReading).throttledSeconds, pressure: (reading as CpuReading).pressureSeconds }];
  const cpu = rateOf(base.cpu, points, (p) => p.cpu);
  const delay = rateOf(base.delay, points, (p) => p.delay ?? undefined);
  const throttled = rateOf(base.throttled, points, (p) => p.throttled);
  const pressure = rateOf(base.pressure, points, (p) => p.pressure);

  const last = samples[samples.length - 1];
  const threadsPerWorker = source === 'sample' && last?.workerThreads !== undefined ? Math.max(1, last.workerThreads) : 1;
  const next: CpuState = { ...base, cpu: cpu.base, delay: delay.base, throttled: throttled.base, pressure: pressure.base, threadsPerWorker };
  if (cpu.perSecond === null || busy === null) {
    // No busy figure (a tick without a sample): the ticks with figures go on after the gap.
    next.ticks = busy === null ? base.ticks : 0;
    return { state: next, signals: { ...NO_CPU, source } };
  }
  const dt = cpu.spanMs;
  next.cpus = ewma(base.cpus, cpu.perSecond, dt, CPU_SMOOTHING_MS);
  next.busy = ewma(base.busy, busy, dt, CPU_SMOOTHING_MS);
  next.waiting = delay.perSecond === null ? null : ewma(base.waiting, delay.perSecond, delay.spanMs, CPU_SMOOTHING_MS);
  next.throttledShare = throttled.perSecond === null ? null : ewma(base.throttledShare, throttled.perSecond, throttled.spanMs, CPU_SMOOTHING_MS);
  next.pressureShare = pressure.perSecond === null ? null : ewma(base.pressureShare, pressure.perSecond, pressure.spanMs, CPU_SMOOTHING_MS);
  next.ticks = base.ticks + 1;
  const idleTick = busy * threadsPerWorker < IDLE_BUSY;
  const tick = { cpus: cpu.perSecond, waiting: delay.perSecond, runDelay: runDelayOf(delay.perSecond, busy * threadsPerWorker, idleTick) };
  return { state: next, signals: cpuSignals(next, idleTick, tick) };
}

/** The share of busy threads' time spent waiting for a CPU: none when (almost) nothing is busy, null without a run-delay figure. */
function runDelayOf(waiting: number | null, busyThreads: number, idle: boolean): number | null {
  if (waiting === null) return null;
  return idle ? 0 : Math.min(1, waiting / busyThreads);
}

/** `idleTick`: (almost) nothing was busy in this tick, unsmoothed; `tick`: this tick's own figures. */
function cpuSignals(s: CpuState, idleTick: boolean, tick: CpuSignals['tick']): CpuSignals {
  const busy = (s.busy ?? 0) * s.threadsPerWorker;
  const runnable = (s.cpus ?? 0) + (s.waiting ?? 0);
  // Both figures decay together once the load is gone, so their ratio would stay at the last
  // load's for tens of seconds: a pool with (almost) nothing busy in this tick has nothing
  // waiting for a CPU, and no busy worker whose share of CPU could be told.
  const idle = busy < IDLE_BUSY || idleTick;
  const runDelay = runDelayOf(s.waiting, busy, idle);
  return {
    source: s.source,
    cpus: s.cpus,
    waiting: s.waiting,
    runDelay,
    runnablePerBusy: idle ? null : Math.min(1, runnable / busy),
    threadsPerWorker: s.threadsPerWorker,
    throttled: s.throttledShare,
    pressure: s.pressureShare,
    tick,
  };
}
