// The saturation guard: learn the throughput ceiling instead of growing into
// oversubscription. Each grow is a probe: throughput before it (at the old size) is compared
// with throughput after it (once the daemon reports the new size). A grow that did not raise
// throughput by SATURATION_MIN_GAIN while utilization stayed over the band means the pool is
// CPU-bound, not short of workers: growth stops at the old size until the classification
// changes or SATURATION_RETRY_COOLDOWNS shrink cooldowns pass, and the pool may step back.
// A change to the opposite class (cpu-bound <-> io-bound) counts at once; a change to or from
// `balanced` must last SATURATION_CLASS_TICKS ticks, because a CPU-bound pool at its ceiling
// refuses just enough work to sit near the stall threshold and flickers into `balanced`.
import { mean } from 'simple-statistics';
import type { Classification } from './types.js';

/** SPEC §3: a grow that raised throughput by less than 2 % did not pay off. */
export const SATURATION_MIN_GAIN = 0.02;
/** Ticks at the new size averaged before a grow is judged. */
export const PROBE_TICKS = 2;
/** Throughput readings at the current size kept as the "before" of the next grow. */
export const BEFORE_TICKS = 5;
/** A learned ceiling is tried again after this many shrink cooldowns. */
export const SATURATION_RETRY_COOLDOWNS = 4;
/** Each retry that finds the same ceiling again doubles the wait before the next, up to this. */
export const SATURATION_RETRY_MAX_SCALE = 8;
/** Ticks in a row a change involving `balanced` must last before the saturation is forgotten. */
export const SATURATION_CLASS_TICKS = 10;

export interface Probe {
  from: number;
  to: number;
  before: number;
  after: number[];
}

export interface Saturation {
  /** the size growth stops at */
  ceiling: number;
  classification: Classification;
  sinceMs: number;
}

export interface SaturationState {
  /** throughput readings while the pool reported `size` */
  atSize: { size: number; values: number[] } | null;
  probe: Probe | null;
  /** whether the last judged grow raised throughput (the backlog fast path needs it) */
  lastGrowPaidOff: boolean;
  saturated: Saturation | null;
  /** ticks in a row with a known class other than the saturated one */
  classChangeTicks: number;
  /** the retry wait's multiplier: doubles when a retry confirms the ceiling, 1 after a grow that paid off */
  retryScale: number;
  /** the ceiling learned last (kept after the retry time, to tell a confirmed ceiling) */
  lastCeiling: number | null;
}

export function initSaturation(): SaturationState {
  return { atSize: null, probe: null, lastGrowPaidOff: false, saturated: null, classChangeTicks: 0, retryScale: 1, lastCeiling: null };
}

function opposite(a: Classification, b: Classification): boolean {
  return (a === 'cpu-bound' && b === 'io-bound') || (a === 'io-bound' && b === 'cpu-bound');
}

/**
 * Records this tick's throughput at the reported size and judges a pending probe.
 * `cpusFree`: the pool's threads leave CPUs idle (see cpusFree()), so a flat grow cannot mean
 * CPU saturation; it is a load that changed during the probe, and nothing is learned from it.
 */
export function observe(
  s: SaturationState,
  reportedSize: number | null,
  throughput: number | null,
  utilization: number | null,
  bandHigh: number,
  classification: Classification,
  nowMs: number,
  retryAfterMs: number,
  cpusFree = false,
): SaturationState {
  let { probe, lastGrowPaidOff, saturated, classChangeTicks, retryScale, lastCeiling } = s;
  if (saturated !== null) {
    const differs = classification !== 'unknown' && classification !== saturated.classification;
    classChangeTicks = differs ? classChangeTicks + 1 : classification === 'unknown' ? classChangeTicks : 0;
    const changed = differs && (opposite(classification, saturated.classification) || classChangeTicks >= SATURATION_CLASS_TICKS);
    if (changed) retryScale = 1;
    if (changed || nowMs - saturated.sinceMs >= retryAfterMs * retryScale) saturated = null;
  }
  if (saturated === null) classChangeTicks = 0;
  if (reportedSize === null || throughput === null) {
    // Nothing measured: the same object when nothing else moved either (a tick per pool
    // per period; each copy the state keeps is one more for the garbage collector).
    if (saturated === s.saturated && classChangeTicks === s.classChangeTicks && retryScale === s.retryScale) return s;
    return { atSize: s.atSize, probe, lastGrowPaidOff, saturated, classChangeTicks, retryScale, lastCeiling };
  }

  const atSize =
    s.atSize !== null && s.atSize.size === reportedSize
      ? { size: reportedSize, values: keepLast(s.atSize.values, throughput, BEFORE_TICKS) }
      : { size: reportedSize, values: [throughput] };

  if (probe !== null && reportedSize === probe.to) {
    const after = keepLast(probe.after, throughput, Number.POSITIVE_INFINITY);
    if (after.length < PROBE_TICKS) {
      probe = { ...probe, after };
    } else {
      const gain = probe.before > 0 ? mean(after) / probe.before - 1 : Number.POSITIVE_INFINITY;
      lastGrowPaidOff = gain >= SATURATION_MIN_GAIN;
      if (lastGrowPaidOff) {
        retryScale = 1;
        lastCeiling = null;
      }
      if (!lastGrowPaidOff && !cpusFree && utilization !== null && utilization > bandHigh) {
        saturated = { ceiling: probe.from, classification, sinceMs: nowMs };
        // A retry that hits the same ceiling again: the ceiling holds, so try less often.
        if (lastCeiling !== null && probe.from <= lastCeiling) retryScale = Math.min(SATURATION_RETRY_MAX_SCALE, retryScale * 2);
        lastCeiling = probe.from;
      }
      probe = null;
    }
  } else if (probe !== null && reportedSize !== probe.from) {
    probe = null; // the daemon went somewhere else: this grow cannot be judged
  }
  return { atSize, probe, lastGrowPaidOff, saturated, classChangeTicks, retryScale, lastCeiling };
}

/**
 * `values` and then `value`, the last `max` of them, in one new array of the exact length
 * (`values` is kept). A slice and a push would leave a grown, mostly empty backing store.
 */
function keepLast(values: readonly number[], value: number, max: number): number[] {
  const from = values.length + 1 - max;
  if (from <= 0) return values.concat(value);
  const next = values.slice(from - 1); // `max` entries: shifted down by one, `value` last
  for (let i = 1; i < next.length; i += 1) next[i - 1] = next[i] as number;
  next[next.length - 1] = value;
  return next;
}

/** Fewer threads than this share of the CPUs computing on average: the CPUs are not saturated. */
export const CPU_BUSY_SHARE = 0.9;

/**
 * Whether the pool leaves CPUs free: its threads compute (are runnable) size * (1 - idle) of
 * the time, and that is below CPU_BUSY_SHARE of `n`. Idle counts waiting and blocked time only,
 * so a preempted thread counts as computing.
 */
export function cpusFree(size: number | null, workerIdle: number | null, n: number): boolean {
  if (size === null || workerIdle === null) return false;
  return size * (1 - workerIdle) < CPU_BUSY_SHARE * n;
}

/**
 * Whether the pool's threads alone keep every CPU busy: size * (1 - idle) >= n. A grow then
 * cannot raise throughput (there is no CPU left for another thread to use), so the ceiling is
 * the current size, learned without a probe; the .NET thread pool refuses a hill-climbing
 * increase above 95 % CPU for the same reason.
 */
export function cpusCovered(size: number | null, workerIdle: number | null, n: number): boolean {
  if (size === null || workerIdle === null) return false;
  return size * (1 - workerIdle) >= n;
}

/** Learns the ceiling at `size` without a probe when the pool is over the band with every CPU covered. */
export function learnCovered(
  s: SaturationState,
  size: number | null,
  workerIdle: number | null,
  n: number,
  utilization: number,
  bandHigh: number,
  classification: Classification,
  nowMs: number,
): SaturationState {
  if (s.saturated !== null || size === null || utilization <= bandHigh || !cpusCovered(size, workerIdle, n)) return s;
  return { ...s, saturated: { ceiling: size, classification, sinceMs: nowMs }, lastCeiling: size };
}

/**
 * A retry of a learned ceiling probes with one worker: at or above the last ceiling (and no
 * grow having paid off since), a grow is one worker, enough to see a 2 % gain at the sizes
 * where a ceiling is learned, and the cheapest probe when the ceiling holds.
 */
export function retryStep(proposed: number, size: number, s: SaturationState): number {
  if (s.saturated !== null || s.lastCeiling === null || size < s.lastCeiling || proposed <= size) return proposed;
  return Math.min(proposed, size + 1);
}

/** Starts a probe when the pool grows from `from` to `to` (none without a "before"). */
export function startProbe(s: SaturationState, from: number, to: number): SaturationState {
  const before = s.atSize !== null && s.atSize.size === from && s.atSize.values.length > 0 ? mean(s.atSize.values) : null;
  return { ...s, probe: before === null ? null : { from, to, before, after: [] }, lastGrowPaidOff: false };
}

/**
 * The size a saturated pool steps back to: its ceiling, and for a CPU-bound pool no more
 * workers than can be on a CPU at once (n / the share of time a worker computes), to the
 * nearest worker: rounding up would add a thread for any trace of idle left in the EWMA.
 */
export function stepBackSize(
  sat: Saturation,
  n: number,
  workerIdle: number | null,
  min: number,
): number {
  if (sat.classification !== 'cpu-bound' || workerIdle === null) return Math.max(min, sat.ceiling);
  const cpuShare = Math.max(0.05, 1 - workerIdle);
  return Math.max(min, Math.min(sat.ceiling, Math.round(n / cpuShare)));
}
