// The figures of one run (the benchmark's columns): throughput, refusals, queue wait, latency,
// size and thread time, resizes and reversals, time in band, and recovery after load steps.
import { mean, quantile } from 'simple-statistics';
import type { RunResult, TickRow } from './run.js';

/** A reversal within this long of the previous move counts as thrashing. */
export const QUICK_REVERSAL_MS = 30_000;
/** A quick reversal is excused when the offered load rose by at least this share between the two moves. */
export const DEMAND_RISE = 0.25;
/** The offered load around a move: the mean over this many ticks up to it (one tick is Poisson noise). */
const OFFERED_TICKS = 5;

/** Back in band: the first tick that starts this many in-band ticks in a row. */
export const SETTLED_TICKS = 3;

export interface Figures {
  scenario: string;
  contender: string;
  throughputPerSecond: number;
  completed: number;
  refused: number;
  waitP50Ms: number;
  waitP99Ms: number;
  /** arrival to completion, p99, ms */
  latencyP99Ms: number;
  meanSize: number;
  /** CPU time of the pool's threads, and their time runnable but waiting for a core, s */
  cpuSeconds: number;
  runDelaySeconds: number;
  threadSeconds: number;
  resizes: number;
  reversals: number;
  quickReversals: number;
  /** quick reversals without a rise of the offered load by DEMAND_RISE between the two moves */
  unexcusedReversals: number;
  inBandShare: number;
  /** seconds from each load step back into the band; null: never within the run */
  recoverySeconds: (number | null)[];
}

export function inBand(u: number | null, band: { low: number; high: number }): boolean {
  return u !== null && u >= band.low && u <= band.high;
}

export function figuresOf(run: RunResult): Figures {
  const seconds = run.durationMs / 1000;
  const [p50, p99] = run.waits.length > 0 ? quantile(run.waits, [0.5, 0.99]) : [0, 0];
  const latencyP99 = run.latencies.length > 0 ? quantile(run.latencies, 0.99) : 0;
  const moves = movesOf(run.ticks);
  let reversals = 0;
  let quickReversals = 0;
  let unexcusedReversals = 0;
  for (let i = 1; i < moves.length; i += 1) {
    const prev = moves[i - 1] as Move;
    const cur = moves[i] as Move;
    if (cur.dir !== prev.dir) {
      reversals += 1;
      if (cur.t - prev.t < QUICK_REVERSAL_MS) {
        quickReversals += 1;
        if (offeredAt(run.ticks, cur.index) < (1 + DEMAND_RISE) * offeredAt(run.ticks, prev.index)) unexcusedReversals += 1;
      }
    }
  }
  const measured = run.ticks.filter((r) => r.utilization !== null);
  const banded = measured.filter((r) => inBand(r.utilization, run.band)).length;
  return {
    scenario: run.scenario,
    contender: run.contender,
    throughputPerSecond: run.completed / seconds,
    completed: run.completed,
    refused: run.refused,
    waitP50Ms: p50 ?? 0,
    waitP99Ms: p99 ?? 0,
    latencyP99Ms: latencyP99,
    meanSize: run.sizeTotalMs / run.durationMs,
    cpuSeconds: run.cpuMs / 1000,
    runDelaySeconds: run.runDelayMs / 1000,
    threadSeconds: run.liveTotalMs / 1000,
    resizes: moves.length,
    reversals,
    quickReversals,
    unexcusedReversals,
    inBandShare: measured.length > 0 ? banded / measured.length : 0,
    recoverySeconds: run.stepsMs.map((s) => recoveryAfter(run.ticks, s, run.band)),
  };
}

interface Move {
  t: number;
  dir: 1 | -1;
  /** the tick's index */
  index: number;
}

/** Every change of target, with its direction. */
export function movesOf(ticks: readonly TickRow[]): Move[] {
  const out: Move[] = [];
  let prev: number | null = null;
  for (const [index, r] of ticks.entries()) {
    if (prev !== null && r.target !== prev) out.push({ t: r.t, dir: r.target > prev ? 1 : -1, index });
    prev = r.target;
  }
  return out;
}

function offeredAt(ticks: readonly TickRow[], index: number): number {
  const window = ticks.slice(Math.max(0, index - OFFERED_TICKS + 1), index + 1);
  return window.length > 0 ? mean(window.map((r) => r.offered ?? 0)) : 0;
}

/**
 * Seconds from a load step to the first tick after it that starts SETTLED_TICKS in-band
 * ticks in a row (measured at the tick's end, so a pool that never left the band scores one
 * period); null when that never happens.
 */
export function recoveryAfter(ticks: readonly TickRow[], stepMs: number, band: { low: number; high: number }): number | null {
  let start = ticks.findIndex((r) => r.t > stepMs);
  if (start < 0) return null;
  for (let i = start; i + SETTLED_TICKS <= ticks.length; i += 1) {
    let ok = true;
    for (let k = 0; k < SETTLED_TICKS && ok; k += 1) ok = inBand((ticks[i + k] as TickRow).utilization, band);
    if (ok) return ((ticks[i] as TickRow).t - stepMs) / 1000;
    start = i;
  }
  return null;
}
