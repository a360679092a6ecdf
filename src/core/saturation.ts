// The saturation guard: learn the throughput ceiling instead of growing into
// oversubscription. Each grow is a probe: throughput before it (at the old size) is compared
// with throughput after it (once the daemon reports the new size). A grow that did not raise
// throughput by SATURATION_MIN_GAIN while utilization stayed over the band means the pool is
// CPU-bound, not short of workers: growth stops at the old size until the classification
// changes or SATURATION_RETRY_COOLDOWNS shrink cooldowns pass, and the pool may step back.
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
}

export function initSaturation(): SaturationState {
  return { atSize: null, probe: null, lastGrowPaidOff: false, saturated: null };
}

/** Records this tick's throughput at the reported size and judges a pending probe. */
export function observe(
  s: SaturationState,
  reportedSize: number | null,
  throughput: number | null,
  utilization: number | null,
  bandHigh: number,
  classification: Classification,
  nowMs: number,
  retryAfterMs: number,
): SaturationState {
  let { atSize, probe, lastGrowPaidOff, saturated } = s;
  if (saturated !== null) {
    const changed = classification !== 'unknown' && classification !== saturated.classification;
    if (changed || nowMs - saturated.sinceMs >= retryAfterMs) saturated = null;
  }
  if (reportedSize === null || throughput === null) return { atSize, probe, lastGrowPaidOff, saturated };

  atSize =
    atSize !== null && atSize.size === reportedSize
      ? { size: reportedSize, values: [...atSize.values, throughput].slice(-BEFORE_TICKS) }
      : { size: reportedSize, values: [throughput] };

  if (probe !== null && reportedSize === probe.to) {
    const after = [...probe.after, throughput];
    if (after.length < PROBE_TICKS) {
      probe = { ...probe, after };
    } else {
      const gain = probe.before > 0 ? mean(after) / probe.before - 1 : Number.POSITIVE_INFINITY;
      lastGrowPaidOff = gain >= SATURATION_MIN_GAIN;
      if (!lastGrowPaidOff && utilization !== null && utilization > bandHigh) {
        saturated = { ceiling: probe.from, classification, sinceMs: nowMs };
      }
      probe = null;
    }
  } else if (probe !== null && reportedSize !== probe.from) {
    probe = null; // the daemon went somewhere else: this grow cannot be judged
  }
  return { atSize, probe, lastGrowPaidOff, saturated };
}

/** Starts a probe when the pool grows from `from` to `to` (none without a "before"). */
export function startProbe(s: SaturationState, from: number, to: number): SaturationState {
  const before = s.atSize !== null && s.atSize.size === from && s.atSize.values.length > 0 ? mean(s.atSize.values) : null;
  return { ...s, probe: before === null ? null : { from, to, before, after: [] }, lastGrowPaidOff: false };
}

/**
 * The size a saturated pool steps back to: its ceiling, and for a CPU-bound pool no more
 * workers than can be on a CPU at once (n / the share of time a worker computes).
 */
export function stepBackSize(
  sat: Saturation,
  n: number,
  workerIdle: number | null,
  min: number,
): number {
  if (sat.classification !== 'cpu-bound' || workerIdle === null) return Math.max(min, sat.ceiling);
  const cpuShare = Math.max(0.05, 1 - workerIdle);
  return Math.max(min, Math.min(sat.ceiling, Math.ceil(n / cpuShare)));
}
