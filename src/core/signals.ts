// Signals of one pool for one tick, from the samples that arrived during the period
// (docs/design.md, "Signals"): utilization, queue stall, the idle EWMA, throughput, demand,
// busy time per task, the CPU figures and the classification.
import { rateOf } from './counters.js';
import type { CounterBase } from './counters.js';
import { classifyCpu } from './cpu-rules.js';
import { initCpuState, updateCpu } from './cpu.js';
import type { CpuState } from './cpu.js';
import { ewmaAlpha } from './math.js';
import type { Classification, CpuReading, Sample, Signals } from './types.js';

/** Classification thresholds. A pool is cpu-bound when its queue is often full while its
 * workers hardly wait; io-bound when its queue is rarely full and its workers mostly wait. */
export const CLASSIFY = {
  stallHigh: 0.2,
  idleLow: 0.2,
  idleHigh: 0.5,
  /** fresh ticks in a row before a class is given (fewer: `unknown`) */
  minTicks: 3,
} as const;

export interface SignalState {
  /** EWMA of the idle fraction and the sample time it was last updated at */
  idleEwma: number | null;
  idleTs: number | null;
  /** the last `completed` and `refused` readings, the bases of the next rates */
  counter: CounterBase | null;
  refused: CounterBase | null;
  /** the queue depth of the newest sample that reported one, and its time (the base of the queue's growth) */
  queue: { depth: number; ts: number } | null;
  /** the hand-off queue as the newest sample that reported its depth saw it (shown in the pool's state) */
  lastQueue: QueueReading | null;
  /** fresh ticks in a row (for the classification's "enough data") */
  freshTicks: number;
  lastSize: number | null;
  /** the newest sample's time: the next sample covers the time since (null: no sample yet) */
  lastTs: number | null;
  /** whether the newest sample reported its idle share */
  idleReported: boolean;
  /** EWMA of how far the reported idle exceeds 1 - busy/size (null: no idle reported yet) */
  idleExcess: number | null;
  cpu: CpuState;
}

export function initSignalState(): SignalState {
  return { idleEwma: null, idleTs: null, counter: null, refused: null, queue: null, lastQueue: null, freshTicks: 0, lastSize: null, lastTs: null, idleReported: false, idleExcess: null, cpu: initCpuState() };
}

/** A hand-off queue's depth, and its capacity when the daemon reports one. */
export interface QueueReading {
  depth: number;
  capacity: number | null;
}

/** The newest of these samples' queue readings, or `prev` when none reports a depth. */
export function lastQueueOf(prev: QueueReading | null, ordered: readonly Sample[]): QueueReading | null {
  const last = ordered.findLast((s) => s.queueDepth !== undefined);
  return last?.queueDepth === undefined ? prev : { depth: last.queueDepth, capacity: last.queueCapacity ?? null };
}

/**
 * The state for a new reader of the daemon's threads (a reload makes one): its first reading
 * counts each thread's CPU since it started, so a `process` source starts its counters again,
 * as at a change of source; a `sample` source's counters are the daemon's and go on.
 */
export function withNewCpuReader(state: SignalState): SignalState {
  return state.cpu.source === 'process' ? { ...state, cpu: initCpuState() } : state;
}

export interface SignalOptions {
  idleEwmaSeconds: number;
  n: number;
  cpu?: CpuReading | null;
}

/**
 * The queue's growth per second since the base, from the newest sample that reports a depth.
 * Without a base yet (the pool's first depths), the oldest depth of these samples is the base:
 * two samples in the first tick already tell a growth, like two readings of a counter.
 */
export function queueGrowth(
  base: SignalState['queue'],
  ordered: readonly Sample[],
): { perSecond: number | null; base: SignalState['queue'] } {
  const depths = ordered.flatMap((s) => (s.queueDepth === undefined ? [] : [{ depth: s.queueDepth, ts: s.ts }]));
  const newest = depths.at(-1);
  if (newest === undefined) return { perSecond: null, base };
  const from = base ?? depths[0] ?? newest;
  if (newest.ts <= from.ts) return { perSecond: null, base: base ?? newest };
  return { perSecond: ((newest.depth - from.depth) * 1000) / (newest.ts - from.ts), base: newest };
}

/**
 * The period's utilization (busy over size) and mean busy workers. Each sample weighs the time
 * it covers, since the sample before it (the last tick's newest, for the first): a sample's
 * busy is the mean over that span, or a reading held over it. Samples of one instant (a batch
 * posted without `ts` takes its arrival time) share that instant's span. A pool's first reading
 * covers no time (a reading taken when a source attaches says what ran at that instant, not over
 * the period the next one integrates); samples that cover no time at all weigh alike.
 */
export function periodBusy(lastTs: number | null, ordered: readonly Sample[]): { utilization: number; busy: number } {
  const spans: number[] = [];
  let prev = lastTs;
  for (let i = 0; i < ordered.length; ) {
    const ts = (ordered[i] as Sample).ts;
    let j = i;
    while (j < ordered.length && (ordered[j] as Sample).ts === ts) j += 1;
    const span = prev === null ? 0 : Math.max(0, ts - prev);
    for (let k = i; k < j; k += 1) spans.push(span / (j - i));
    prev = Math.max(prev ?? ts, ts);
    i = j;
  }
  const timed = spans.some((w) => w > 0);
  let busySum = 0;
  let size = 0;
  let weight = 0;
  ordered.forEach((s, i) => {
    const w = timed ? (spans[i] ?? 0) : 1;
    busySum += w * s.busy;
    size += w * s.size;
    weight += w;
  });
  return { utilization: size > 0 ? busySum / size : 0, busy: busySum / weight };
}

/**
 * A reported idle says more than busy/size when, on average, it exceeds 1 - busy/size by at
 * least this: the daemon counts a worker blocked in I/O as idle. A daemon that sends
 * idle = 1 - busy/size counts it busy, and its idle cannot tell computing workers from
 * blocked ones; nor can a low idle from a daemon that never showed blocked time.
 */
export const IDLE_INFORMATIVE_MARGIN = 0.05;

/**
 * Computes the signals of one tick. `samples` are those received during the period, in
 * any order; `idleEwmaSeconds` is the time constant of the idle average, applied with the
 * real time between samples (alpha = 1 - e^(-dt/tau)), so a late or early tick weighs right.
 * `cpu` is the sidecar's own CPU reading of the pool's threads at the tick, if it takes one;
 * `n` the CPUs the daemon may use.
 */
export function computeSignals(
  state: SignalState,
  samples: readonly Sample[],
  opts: SignalOptions,
): { state: SignalState; signals: Signals } {
  const { idleEwmaSeconds, n } = opts;
  const cpu = opts.cpu ?? null;
  if (samples.length === 0) {
    const cpuOut = updateCpu(state.cpu, samples, cpu, null);
    return {
      state: { ...state, freshTicks: 0, cpu: cpuOut.state },
      signals: {
        utilization: null,
        queueStall: null,
        workerIdle: state.idleEwma,
        idleReported: state.idleReported,
        idleInformative: (state.idleExcess ?? 0) >= IDLE_INFORMATIVE_MARGIN,
        throughput: null,
        completedReported: state.counter !== null,
        demand: null,
        queueGrowth: null,
        busy: null,
        busyPerTask: null,
        cpu: cpuOut.signals,
        classification: 'unknown',
        size: state.lastSize,
        starting: 0,
        fresh: false,
      },
    };
  }
  // One sample a period is the common case: no copy, no sort.
  const ordered = samples.length === 1 ? samples : [...samples].sort((a, b) => a.ts - b.ts);
  const last = ordered[ordered.length - 1] as Sample;

  const { utilization, busy } = periodBusy(state.lastTs, ordered);

  const idle = updateIdle(state, ordered, idleEwmaSeconds);
  const tput = rateOf(state.counter, ordered, (s) => s.completed);
  const refused = rateOf(state.refused, ordered, (s) => s.refused);
  const queue = queueGrowth(state.queue, ordered);
  const demand = tput.perSecond !== null && refused.perSecond !== null ? tput.perSecond + refused.perSecond : null;
  const cpuOut = updateCpu(state.cpu, ordered, cpu, busy);
  const queueStall = stallOf(ordered);
  const freshTicks = state.freshTicks + 1;
  const idleReported = last.idle !== undefined;
  const next: SignalState = {
    idleEwma: idle.ewma,
    idleTs: idle.ts,
    counter: tput.base,
    refused: refused.base,
    queue: queue.base,
    lastQueue: lastQueueOf(state.lastQueue, ordered),
    freshTicks,
    lastSize: last.size,
    lastTs: Math.max(last.ts, state.lastTs ?? last.ts),
    idleReported,
    idleExcess: idle.excess,
    cpu: cpuOut.state,
  };
  const idleInformative = idleReported && (idle.excess ?? 0) >= IDLE_INFORMATIVE_MARGIN;
  return {
    state: next,
    signals: {
      utilization,
      queueStall,
      workerIdle: idle.ewma,
      idleReported,
      idleInformative,
      throughput: tput.perSecond,
      completedReported: last.completed !== undefined,
      demand,
      queueGrowth: queue.perSecond,
      busy,
      busyPerTask: tput.perSecond !== null && tput.perSecond > 0 ? busy / tput.perSecond : null,
      cpu: cpuOut.signals,
      classification:
        cpuOut.signals.cpus !== null
          ? classifyCpu(cpuOut.signals, cpuOut.state.ticks, n)
          : classify(queueStall, idleInformative ? idle.ewma : null, freshTicks),
      size: last.size,
      starting: last.starting ?? 0,
      fresh: true,
    },
  };
}

export function classify(
  queueStall: number | null,
  workerIdle: number | null,
  freshTicks: number,
): Classification {
  if (queueStall === null || workerIdle === null || freshTicks < CLASSIFY.minTicks) return 'unknown';
  if (queueStall >= CLASSIFY.stallHigh && workerIdle <= CLASSIFY.idleLow) return 'cpu-bound';
  if (queueStall < CLASSIFY.stallHigh && workerIdle >= CLASSIFY.idleHigh) return 'io-bound';
  return 'balanced';
}

/** Mean reported stall; without one, the share of samples whose queue was at capacity. */
function stallOf(samples: readonly Sample[]): number | null {
  let reported = 0;
  let reports = 0;
  let full = 0;
  let withQueue = 0;
  for (const s of samples) {
    if (s.queueStall !== undefined) {
      reported += s.queueStall;
      reports += 1;
    } else if (s.queueDepth !== undefined && s.queueCapacity !== undefined && s.queueCapacity > 0) {
      withQueue += 1;
      if (s.queueDepth >= s.queueCapacity) full += 1;
    }
  }
  if (reports > 0) return reported / reports;
  if (withQueue > 0) return full / withQueue;
  return null;
}

/** The idle EWMA, and the EWMA of how far a reported idle exceeds 1 - busy/size. */
function updateIdle(
  state: SignalState,
  samples: readonly Sample[],
  tauSeconds: number,
): { ewma: number | null; ts: number | null; excess: number | null } {
  let ewma = state.idleEwma;
  let excess = state.idleExcess;
  let ts = state.idleTs;
  for (const s of samples) {
    // Without a reported idle share, the share of workers not busy stands in for it.
    const notBusy = s.size > 0 ? 1 - s.busy / s.size : 1;
    const value = s.idle ?? notBusy;
    const over = s.idle === undefined ? null : s.idle - notBusy;
    if (ewma === null || ts === null) {
      ewma = value;
      excess = over ?? excess;
      ts = s.ts;
      continue;
    }
    const dtMs = s.ts - ts;
    if (dtMs <= 0) continue;
    const alpha = ewmaAlpha(dtMs, tauSeconds * 1000);
    ewma += alpha * (value - ewma);
    if (over !== null) excess = excess === null ? over : excess + alpha * (over - excess);
    ts = s.ts;
  }
  return { ewma, ts, excess };
}
