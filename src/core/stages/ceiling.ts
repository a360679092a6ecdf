// The throughput ceiling (docs/design.md, "The throughput ceiling"): a limit that is not the
// CPUs (a disk that serves a few requests at once, a lock, a downstream service). Each grow is
// a probe, judged on the readings of the visit to the new size against those of the visit it
// left: a grow that did not raise throughput while the CPUs were free, with the pool still
// over the band and the busy time per task risen with the size, only added workers that queue
// for something else. The pool then steps back to the size it grew from, the ceiling, and
// probes down one step at a time while throughput holds, stopping at the knee (the smallest
// size that kept it); a step that loses throughput goes back up.
//
// A change of load is not a ceiling: a load that falls lowers throughput without raising the
// busy time per task (and lets utilization drop), a load that rises raises throughput, and
// each step is judged against the readings just before it. A ceiling is retried after
// CEILING_RETRY_COOLDOWNS shrink cooldowns, the wait doubling while retries confirm it.
// The stage acts only when the CPUs are known free (a CPU figure, or an idle that tells
// blocked workers from computing ones); without that evidence the CPU guard's probes decide.
import { cpuSaturated } from '../cpu-rules.js';
import { mean } from '../math.js';
import { PROBE_MIN_GAIN, PROBE_NOISE_SIGMAS, PROBE_SCALING_SHARE, throughputGain } from '../probe.js';
import { CEILING_RETRY_COOLDOWNS, CEILING_RETRY_MAX_SCALE } from './cpu-guard.js';
import { defineStage } from './stage.js';
import type { Proposal, StageContext } from './stage.js';

export const CEILING = {
  /** readings at a size before its visit is judged (the first tick of a visit straddles the resize and is not read) */
  judgeTicks: 4,
  /** readings at a step down before it is judged: shrinking is not urgent, and throughput is noisy */
  descentTicks: 10,
  /** readings kept of a visit */
  keepTicks: 10,
  /** a grow that raised throughput by less than this share (or its noise) was flat ... */
  flatGain: PROBE_MIN_GAIN,
  /** ... and by less than this share of the size's rise, while the busy time per task rose by at least this share of it */
  busyPerTaskRise: PROBE_SCALING_SHARE,
  /** standard errors of Poisson completions a gain or a rise must exceed to count */
  noiseSigmas: PROBE_NOISE_SIGMAS,
  /** a step down that lost less than this share of throughput held it */
  heldLoss: 0.02,
  /** how long the busy time per task of an uncontended visit is remembered */
  uncontendedMs: 600_000,
} as const;

/**
 * One tick's reading, linked to the one before it in the same stay. A reading is never changed
 * and later states share it, so a tick adds one small object instead of copying the stay's
 * readings (this runs once per pool per tick).
 */
export interface Reading {
  throughput: number;
  busyPerTask: number;
  utilization: number;
  /** 1 when work waited for a worker (the queue was full or grew, or tasks were refused) */
  backlogged: 0 | 1;
  prev: Reading | null;
  /** readings in the chain up to this one */
  depth: number;
}

/** The readings of one stay at one reported size. */
export interface Visit {
  size: number;
  /** the newest reading (its chain holds the last keepTicks readings at least) */
  last: Reading | null;
  /** readings in the stay */
  readings: number;
  /** ticks at the size, the first (unread) one included */
  ticks: number;
  judged: boolean;
}

type Field = 'throughput' | 'busyPerTask' | 'utilization' | 'backlogged';

/** The last keepTicks readings of a stay, newest first. */
export function recent(v: Visit): Reading[] {
  const out: Reading[] = [];
  for (let r = v.last; r !== null && out.length < CEILING.keepTicks; r = r.prev) out.push(r);
  return out;
}

/** The mean of one field over the stay's last keepTicks readings. */
export function meanOf(v: Visit, field: Field): number {
  return mean(recent(v).map((r) => r[field]));
}

/** The stay with one more reading; a chain twice keepTicks long is cut back to its last keepTicks. */
function append(v: Visit, throughput: number, busyPerTask: number, utilization: number, waited: 0 | 1): Visit {
  let last: Reading | null = v.last;
  if (last !== null && last.depth >= 2 * CEILING.keepTicks) {
    let cut: Reading | null = null;
    let depth = 0;
    for (const r of recent(v).reverse()) {
      depth += 1;
      cut = { throughput: r.throughput, busyPerTask: r.busyPerTask, utilization: r.utilization, backlogged: r.backlogged, prev: cut, depth };
    }
    last = cut;
  }
  const depth = (last === null ? 0 : last.depth) + 1;
  const reading: Reading = { throughput, busyPerTask, utilization, backlogged: waited, prev: last, depth };
  return { size: v.size, last: reading, readings: v.readings + 1, ticks: v.ticks + 1, judged: v.judged };
}

export interface CeilingState {
  current: Visit | null;
  previous: Visit | null;
  /** the size growth stops at, or null */
  ceiling: number | null;
  /** probing down from the ceiling while throughput holds */
  descending: boolean;
  /** the smallest size known to keep throughput (the ceiling while no step down is being judged) */
  heldAt: number | null;
  /** a step down lost throughput: go back up to the ceiling */
  restore: boolean;
  /** when the ceiling was learned or last confirmed (its retry counts from here) */
  sinceMs: number;
  /** the retry wait's multiplier */
  retryScale: number;
  /** the ceiling before its retry (a retry that finds it again doubles the wait) */
  lastCeiling: number | null;
  /** the size the last judged grow started from, when it was flat (one flat grow is not yet a ceiling) */
  flatFrom: number | null;
  /** the smallest busy time per task of a recent visit that was not over the band (tasks not queueing for the limit) */
  uncontended: { busyPerTask: number; atMs: number } | null;
}

export function initCeiling(): CeilingState {
  return { current: null, previous: null, ceiling: null, heldAt: null, descending: false, restore: false, sinceMs: 0, retryScale: 1, lastCeiling: null, flatFrom: null, uncontended: null };
}

/** The CPUs are known free: a CPU figure that does not show them saturated, or an informative idle. */
function cpusKnownFree(ctx: StageContext): boolean {
  const { cpu, idleInformative } = ctx.signals;
  if (cpu.cpus !== null) return !cpuSaturated(cpu, ctx.spec.n);
  return cpu.source === 'none' && idleInformative;
}

/** The state with `current` replaced: one object literal of the state's fixed shape (a spread costs a slow copy each tick). */
function withCurrent(s: CeilingState, current: Visit): CeilingState {
  return {
    current, previous: s.previous, ceiling: s.ceiling, heldAt: s.heldAt, descending: s.descending, restore: s.restore, sinceMs: s.sinceMs,
    retryScale: s.retryScale, lastCeiling: s.lastCeiling, flatFrom: s.flatFrom, uncontended: s.uncontended,
  };
}

/** This tick's reading added to the visit at the reported size (a new visit when the size changed). */
export function observe(s: CeilingState, ctx: StageContext): CeilingState {
  const size = ctx.reported;
  if (size === null) return s;
  const { throughput, busyPerTask, utilization } = ctx.signals;
  const cur = s.current;
  if (cur === null || cur.size !== size) {
    const current: Visit = { size, last: null, readings: 0, ticks: 1, judged: false };
    const restore = s.restore && s.ceiling !== null && size < s.ceiling;
    return { ...s, previous: cur, current, restore, uncontended: uncontended(s, cur, ctx) };
  }
  if (throughput === null || busyPerTask === null || utilization === null) {
    return withCurrent(s, { size: cur.size, last: cur.last, readings: cur.readings, ticks: cur.ticks + 1, judged: cur.judged });
  }
  return withCurrent(s, append(cur, throughput, busyPerTask, utilization, backlogged(ctx) ? 1 : 0));
}

/** The uncontended busy time per task after a visit ends: the smaller, unless the one kept is old. */
function uncontended(s: CeilingState, v: Visit | null, ctx: StageContext): CeilingState['uncontended'] {
  const kept = s.uncontended !== null && ctx.nowMs - s.uncontended.atMs < CEILING.uncontendedMs ? s.uncontended : null;
  if (v === null || v.readings < CEILING.judgeTicks || meanOf(v, 'utilization') > ctx.spec.params.band.high) return kept;
  const busyPerTask = meanOf(v, 'busyPerTask');
  return kept !== null && kept.busyPerTask <= busyPerTask ? kept : { busyPerTask, atMs: ctx.nowMs };
}

/**
 * The knee by Little's law: the size whose workers, busy the uncontended time per task,
 * serve `throughput` at the band's top. Null without an uncontended visit.
 */
export function kneeEstimate(s: CeilingState, throughput: number, high: number): number | null {
  if (s.uncontended === null) return null;
  return Math.max(1, Math.ceil((throughput * s.uncontended.busyPerTask) / high - 1e-9));
}

/** Work waited for a worker this tick: the queue was full for part of it or grew, or tasks were refused. */
function backlogged(ctx: StageContext): boolean {
  const { queueStall, demand, throughput, queueGrowth } = ctx.signals;
  return (queueStall ?? 0) > 0 || (demand !== null && throughput !== null && demand > throughput) || (queueGrowth ?? 0) > 0;
}

/** Most of the visit's readings had a backlog. */
function loaded(v: Visit): boolean {
  return v.readings > 0 && meanOf(v, 'backlogged') >= 0.5;
}

/** The gain in throughput from `prev` to `cur` over their last keepTicks readings, and its noise (probe.ts). */
function gainOf(prev: Visit, cur: Visit, periodMs: number): { gain: number; noise: number } {
  const seconds = (v: Visit): number => (Math.min(v.readings, CEILING.keepTicks) * periodMs) / 1000;
  return throughputGain(meanOf(prev, 'throughput'), seconds(prev), meanOf(cur, 'throughput'), seconds(cur));
}

/**
 * Whether the grow from `prev` to `cur` was flat: throughput rose by less than half the
 * size's rise and not beyond its noise, the busy time per task rose by at least half the
 * size's rise (and beyond the noise), and the pool stayed over the band: the added workers
 * only queued for something other than the CPUs.
 */
export function flatGrow(prev: Visit, cur: Visit, high: number, periodMs: number): boolean {
  if (prev.readings === 0) return false;
  const { gain, noise: sigma } = gainOf(prev, cur, periodMs);
  const sizeRise = cur.size / prev.size - 1;
  const rise = meanOf(cur, 'busyPerTask') / meanOf(prev, 'busyPerTask') - 1;
  const flat = gain < Math.max(CEILING.flatGain, CEILING.noiseSigmas * sigma) && gain < CEILING.busyPerTaskRise * sizeRise;
  return flat && rise >= Math.max(CEILING.busyPerTaskRise * sizeRise, CEILING.noiseSigmas * sigma) && meanOf(cur, 'utilization') > high;
}

/** Whether the grow raised throughput beyond doubt: by flatGain and beyond the noise. */
function paid(prev: Visit, cur: Visit, periodMs: number): boolean {
  const { gain, noise: sigma } = gainOf(prev, cur, periodMs);
  return gain >= Math.max(CEILING.flatGain, CEILING.noiseSigmas * sigma);
}

/** The state after judging the current visit, once it has enough readings. */
export function judge(s: CeilingState, ctx: StageContext): CeilingState {
  const cur = s.current;
  const prev = s.previous;
  if (cur === null || cur.judged) return s;
  // A step down: the pool at a ceiling below the size known to keep throughput, come from above.
  const descent = prev !== null && cur.size < prev.size && s.descending && s.ceiling === cur.size && s.heldAt !== null && cur.size < s.heldAt;
  if (cur.readings < (descent ? CEILING.descentTicks : CEILING.judgeTicks)) return s;
  const judged: CeilingState = { ...s, current: { ...cur, judged: true } };
  if (prev === null || prev.readings < 2) return judged;
  const { band, periodMs } = ctx.spec.params;
  const { nowMs } = ctx;
  if (cur.size > prev.size) {
    if (s.ceiling === null && cpusKnownFree(ctx) && flatGrow(prev, cur, band.high, periodMs)) {
      const confirmed = s.lastCeiling !== null && prev.size <= s.lastCeiling;
      // One flat grow may be a slower service time (I/O latency that rose as the pool grew);
      // two in a row, or one that finds a known ceiling again, are the pool's own limit. So is
      // a flat grow to the pool's max while work waited at both sizes: no second grow can
      // come, and the step back is the test (a step that loses throughput goes back up).
      const atMaxLoaded = cur.size >= ctx.bounds.max && loaded(prev) && loaded(cur);
      if (!confirmed && !atMaxLoaded && s.flatFrom === null) return { ...judged, flatFrom: prev.size };
      const from = Math.min(prev.size, s.flatFrom ?? prev.size);
      const retryScale = confirmed ? Math.min(CEILING_RETRY_MAX_SCALE, s.retryScale * 2) : 1;
      // Back to where the flat grows started, or, when an uncontended visit tells the knee, towards it (at most halving the pool).
      const knee = kneeEstimate(s, meanOf(prev, 'throughput'), band.high);
      const ceiling = knee === null ? from : Math.min(from, Math.max(knee, Math.ceil(from / 2)));
      // A ceiling below `from` is a step down, judged like any other against the larger size.
      return { ...judged, ceiling, heldAt: from, descending: true, restore: false, sinceMs: nowMs, retryScale, lastCeiling: ceiling, flatFrom: null };
    }
    // A grow that paid clears a flat one before it; one that cannot be told from noise leaves it.
    if (!paid(prev, cur, periodMs)) return judged;
    return { ...judged, flatFrom: null, ...passedCeiling(s, prev, cur) };
  }
  // Not a grow: a flat grow before it no longer counts towards a ceiling.
  const after: CeilingState = s.flatFrom === null ? judged : { ...judged, flatFrom: null };
  if (!descent) return after;
  // Throughput held only says the smaller pool serves what the larger one did when the load
  // exceeded what both served: without a backlog in most readings of both, the verdict is "stop here".
  const held = loaded(cur) && loaded(prev) && meanOf(cur, 'throughput') >= meanOf(prev, 'throughput') * (1 - CEILING.heldLoss);
  if (!held) return { ...after, ceiling: s.heldAt, lastCeiling: s.heldAt, descending: false, restore: true };
  // A lower ceiling is new knowledge, retried after the base wait.
  return { ...after, ceiling: cur.size, heldAt: cur.size, lastCeiling: cur.size, sinceMs: nowMs, retryScale: 1, descending: meanOf(cur, 'utilization') > band.high };
}

/** A grow that paid while work waited in both visits: a ceiling it passed moved. */
function passedCeiling(s: CeilingState, prev: Visit, cur: Visit): Partial<CeilingState> {
  return loaded(prev) && loaded(cur) && s.lastCeiling !== null && cur.size > s.lastCeiling ? { lastCeiling: null, retryScale: 1 } : {};
}

/** A ceiling is tried again after its retry wait: it is dropped, and the next grow probes it. */
function expire(s: CeilingState, ctx: StageContext): CeilingState {
  if (s.ceiling === null || s.restore) return s;
  const waitMs = ctx.spec.params.shrinkCooldownMs * CEILING_RETRY_COOLDOWNS * s.retryScale;
  return ctx.nowMs - s.sinceMs >= waitMs ? { ...s, ceiling: null, heldAt: null, descending: false } : s;
}

/**
 * The size a step down from the ceiling goes to: an eighth of the pool less (at least one
 * worker: a step below the knee costs throughput until it is judged), or halfway to the knee
 * Little's law estimates when that is further.
 */
export function descentTarget(size: number, knee: number | null): number {
  const small = size - Math.max(1, Math.ceil(size / 8));
  if (knee === null || knee >= small) return Math.max(1, small);
  return size - Math.ceil((size - knee) / 2);
}

/**
 * The next step down, when the pool sits at a ceiling known to keep throughput and stays over
 * the band with the CPUs free: the ceiling moves down (the pool follows when the cooldowns let
 * it), never below the knee Little's law gives (a step there only loses throughput).
 */
export function descend(s: CeilingState, p: Proposal, ctx: StageContext): CeilingState {
  const cur = s.current;
  const { base } = ctx;
  if (s.ceiling === null || !s.descending || s.heldAt !== s.ceiling || base !== s.ceiling || p.size < base) return s;
  if (cur === null || cur.size !== base || !cur.judged || meanOf(cur, 'utilization') <= ctx.spec.params.band.high || !cpusKnownFree(ctx)) return s;
  const knee = kneeEstimate(s, meanOf(cur, 'throughput'), ctx.spec.params.band.high);
  if (knee !== null && knee >= base) return s;
  return { ...s, ceiling: descentTarget(base, knee) };
}

/** The proposal within the ceiling. */
export function limit(p: Proposal, ctx: StageContext, s: CeilingState): Proposal {
  const { base, maxStep } = ctx;
  if (s.ceiling === null) {
    // A retry: from the old ceiling, a grow is one law's step (not a demand jump), so its probe is judged small.
    if (s.lastCeiling !== null && base >= s.lastCeiling && p.size > base + maxStep) return { size: base + maxStep, reason: p.reason };
    return p;
  }
  const { ceiling } = s;
  // A step down lost throughput: back up to the ceiling at once.
  if (s.restore && base < ceiling && p.size < ceiling) return { size: ceiling, reason: 'ceiling' };
  // No further than the ceiling: a grow stops there, and a pool above it steps back to it.
  return p.size > ceiling ? { size: ceiling, reason: 'ceiling' } : p;
}

export const ceilingStage = defineStage<CeilingState>({
  name: 'ceiling',
  init: initCeiling,
  apply(p, ctx, state) {
    const next = descend(expire(judge(observe(state, ctx), ctx), ctx), p, ctx);
    return { proposal: limit(p, ctx, next), state: next };
  },
});
