// Signals of one pool for one tick, from the samples that arrived during the period
// (SPEC §3): utilization, queue stall, the idle EWMA, throughput and the classification.
import type { Classification, Sample, Signals } from './types.js';

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
  /** the last `completed` reading, the base of the next throughput */
  counter: { ts: number; completed: number } | null;
  /** fresh ticks in a row (for the classification's "enough data") */
  freshTicks: number;
  lastSize: number | null;
  /** whether the newest sample reported its idle share */
  idleReported: boolean;
}

export function initSignalState(): SignalState {
  return { idleEwma: null, idleTs: null, counter: null, freshTicks: 0, lastSize: null, idleReported: false };
}

/**
 * Computes the signals of one tick. `samples` are those received during the period, in
 * any order; `idleEwmaSeconds` is the time constant of the idle average, applied with the
 * real time between samples (alpha = 1 - e^(-dt/tau)), so a late or early tick weighs right.
 */
export function computeSignals(
  state: SignalState,
  samples: readonly Sample[],
  idleEwmaSeconds: number,
): { state: SignalState; signals: Signals } {
  if (samples.length === 0) {
    return {
      state: { ...state, freshTicks: 0 },
      signals: {
        utilization: null,
        queueStall: null,
        workerIdle: state.idleEwma,
        idleReported: state.idleReported,
        throughput: null,
        classification: 'unknown',
        size: state.lastSize,
        fresh: false,
      },
    };
  }
  // One sample a period is the common case: no copy, no sort.
  const ordered = samples.length === 1 ? samples : [...samples].sort((a, b) => a.ts - b.ts);
  const last = ordered[ordered.length - 1] as Sample;

  let busy = 0;
  let size = 0;
  for (const s of ordered) {
    busy += s.busy;
    size += s.size;
  }
  const utilization = size > 0 ? busy / size : 0;

  const idle = updateIdle(state, ordered, idleEwmaSeconds);
  const tput = updateThroughput(state.counter, ordered);
  const queueStall = stallOf(ordered);
  const freshTicks = state.freshTicks + 1;
  const idleReported = last.idle !== undefined;
  const next: SignalState = {
    idleEwma: idle.ewma,
    idleTs: idle.ts,
    counter: tput.counter,
    freshTicks,
    lastSize: last.size,
    idleReported,
  };
  return {
    state: next,
    signals: {
      utilization,
      queueStall,
      workerIdle: idle.ewma,
      idleReported,
      throughput: tput.perSecond,
      classification: classify(queueStall, idleReported ? idle.ewma : null, freshTicks),
      size: last.size,
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

function updateIdle(
  state: SignalState,
  samples: readonly Sample[],
  tauSeconds: number,
): { ewma: number | null; ts: number | null } {
  let ewma = state.idleEwma;
  let ts = state.idleTs;
  for (const s of samples) {
    // Without a reported idle share, the share of workers not busy stands in for it.
    const value = s.idle ?? (s.size > 0 ? 1 - s.busy / s.size : 1);
    if (ewma === null || ts === null) {
      ewma = value;
      ts = s.ts;
      continue;
    }
    const dtMs = s.ts - ts;
    if (dtMs <= 0) continue;
    const alpha = tauSeconds > 0 ? 1 - Math.exp(-dtMs / (tauSeconds * 1000)) : 1;
    ewma += alpha * (value - ewma);
    ts = s.ts;
  }
  return { ewma, ts };
}

/**
 * Completions per second from the cumulative counter. A decrease is a daemon restart: the
 * counter is re-based and this tick has no throughput (never a negative or spurious one).
 */
function updateThroughput(
  counter: SignalState['counter'],
  samples: readonly Sample[],
): { counter: SignalState['counter']; perSecond: number | null } {
  let base = counter;
  let count = 0;
  let spanMs = 0;
  let reset = false;
  for (const s of samples) {
    if (s.completed === undefined) continue;
    if (base === null || s.completed < base.completed) {
      reset = base !== null;
      base = { ts: s.ts, completed: s.completed };
      continue;
    }
    if (s.ts <= base.ts) continue;
    count += s.completed - base.completed;
    spanMs += s.ts - base.ts;
    base = { ts: s.ts, completed: s.completed };
  }
  const perSecond = !reset && spanMs > 0 ? (count * 1000) / spanMs : null;
  return { counter: base, perSecond };
}
