// Each grow is a probe (docs/design.md, "Throughput probes"): throughput before it (at the old
// size) is compared with throughput after it, once the daemon reports the new size. The
// controller keeps this record every tick; the CPU guard learns a ceiling from a flat grow
// when it has no CPU figure, and the backlog fast path needs the last grow to have paid off.
import { mean } from './math.js';
import type { Moves } from './moves.js';

/** A grow that raised throughput by less than 2 % did not pay off. */
export const PROBE_MIN_GAIN = 0.02;
/** Standard errors of Poisson completions a gain must exceed to tell from noise. */
export const PROBE_NOISE_SIGMAS = 2;
/** A grow scaled when it raised throughput by at least this share of the size's rise. */
export const PROBE_SCALING_SHARE = 0.5;
/** Ticks at the new size averaged before a grow is judged. */
export const PROBE_TICKS = 2;
/** Throughput readings at the current size kept as the "before" of the next grow. */
export const BEFORE_TICKS = 5;

export interface Probe {
  from: number;
  to: number;
  /** mean throughput at `from` and the seconds it was measured over */
  before: number;
  beforeSeconds: number;
  after: readonly number[];
}

/** A judged grow: its sizes, its gain, and the gain's standard error if completions are Poisson. */
export interface Judged {
  from: number;
  to: number;
  gain: number;
  noise: number;
}

export interface ProbeState {
  /** throughput readings while the pool reported `size` */
  atSize: { size: number; values: readonly number[] } | null;
  probe: Probe | null;
  /** whether the last judged grow raised throughput by PROBE_MIN_GAIN and beyond twice its noise */
  lastGrowPaidOff: boolean;
  /**
   * whether the last judged grow raised throughput by at least half the size's rise and beyond
   * twice its noise: the workers were the limit, so the next grow's worth is measured, not guessed
   */
  lastGrowScaled: boolean;
  /** the grow judged this tick, if any */
  judged: Judged | null;
  /** the grow (its time) the last probe was started for */
  grewAtMs: number | null;
}

export function initProbe(): ProbeState {
  return { atSize: null, probe: null, lastGrowPaidOff: false, lastGrowScaled: false, judged: null, grewAtMs: null };
}

/**
 * This tick's record: a probe starts for a grow the daemon was told since the last tick
 * (none without a "before"), the throughput at the reported size is kept, and a probe with
 * PROBE_TICKS readings at its new size is judged. A report at a third size drops the probe.
 */
export function updateProbe(s: ProbeState, moves: Moves, reported: number | null, throughput: number | null, periodMs: number): ProbeState {
  let { probe, lastGrowPaidOff, lastGrowScaled, grewAtMs } = s;
  const grow = moves.grow;
  if (grow !== null && grow.acting && grow.atMs !== grewAtMs) {
    grewAtMs = grow.atMs;
    lastGrowPaidOff = false;
    lastGrowScaled = false;
    const values = s.atSize !== null && s.atSize.size === grow.from ? s.atSize.values : [];
    probe = values.length === 0 ? null : { from: grow.from, to: grow.to, before: mean(values), beforeSeconds: (values.length * periodMs) / 1000, after: [] };
  }
  if (reported === null || throughput === null) {
    if (probe === s.probe && grewAtMs === s.grewAtMs && s.judged === null) return s;
    return { atSize: s.atSize, probe, lastGrowPaidOff, lastGrowScaled, judged: null, grewAtMs };
  }
  const atSize =
    s.atSize !== null && s.atSize.size === reported
      ? { size: reported, values: keepLast(s.atSize.values, throughput, BEFORE_TICKS) }
      : { size: reported, values: [throughput] };
  let judged: Judged | null = null;
  if (probe !== null && reported === probe.to) {
    const after = probe.after.concat(throughput);
    if (after.length < PROBE_TICKS) {
      probe = { ...probe, after };
    } else {
      judged = judge(probe, after, periodMs);
      lastGrowPaidOff = judged.gain >= Math.max(PROBE_MIN_GAIN, PROBE_NOISE_SIGMAS * judged.noise);
      lastGrowScaled = judged.gain >= Math.max(PROBE_NOISE_SIGMAS * judged.noise, PROBE_SCALING_SHARE * (judged.to / judged.from - 1));
      probe = null;
    }
  } else if (probe !== null && reported !== probe.from) {
    probe = null; // the daemon went somewhere else: this grow cannot be judged
  }
  return { atSize, probe, lastGrowPaidOff, lastGrowScaled, judged, grewAtMs };
}

function judge(probe: Probe, after: readonly number[], periodMs: number): Judged {
  const { gain, noise } = throughputGain(probe.before, probe.beforeSeconds, mean(after), (after.length * periodMs) / 1000);
  return { from: probe.from, to: probe.to, gain, noise };
}

/**
 * The gain from a throughput measured over `beforeSeconds` to one measured over `afterSeconds`,
 * and its noise: the completions in each window as Poisson counts give the relative standard
 * error of the ratio. Throughput probes and the ceiling stage judge their moves with it.
 */
export function throughputGain(before: number, beforeSeconds: number, after: number, afterSeconds: number): { gain: number; noise: number } {
  const gain = before > 0 ? after / before - 1 : Number.POSITIVE_INFINITY;
  const beforeCount = before * beforeSeconds;
  const afterCount = after * afterSeconds;
  return { gain, noise: beforeCount > 0 && afterCount > 0 ? Math.sqrt(1 / beforeCount + 1 / afterCount) : Number.POSITIVE_INFINITY };
}

/** `values` and then `value`, the last `max` of them, in one new array of the exact length. */
function keepLast(values: readonly number[], value: number, max: number): readonly number[] {
  if (values.length < max) return values.concat(value);
  const next = values.slice(values.length - max + 1);
  next.push(value);
  return next;
}
