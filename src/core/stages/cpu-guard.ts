// The CPU guard (docs/design.md, "The CPU guard"): when more threads cannot help because the
// CPUs are the limit, the pool does not grow, and it steps back to the size the CPUs serve.
// Reason `saturated`.
// - With a CPU figure (source `sample` or `process`), the measurement decides each tick (a
//   grow waits while the source's figure is not in yet):
//   the pool's threads wait for a CPU, use nearly all n, or the cgroup is throttled
//   (cpuSaturated); the step back goes to cpuServedSize. A reported idle is never read. The
//   CPUs stay the limit for a grow cooldown after the last tick they were (a dip in the
//   pool's CPU while its workers stall on something else is not room for more of them).
// - Without one (source `none`), throughput probes decide: a grow that did not raise
//   throughput while utilization stayed over the band, with no sign of free CPUs, sets a
//   ceiling at the old size, forgotten when the class changes or after
//   CEILING_RETRY_COOLDOWNS shrink cooldowns (doubling while retries confirm it). A reported
//   idle that says more than busy/size may show the CPUs covered (learned without a probe)
//   or free (a flat grow teaches nothing). An idle that says nothing more never does, and
//   then a ceiling is never learned below the static size, and a grow above it must beat
//   the noise of Poisson completions: the old `ncpu * 2` stays the floor of what is trusted.
import { cpuSaturated, cpuSaturatedNow, cpuServedSize } from '../cpu-rules.js';
import { PROBE_MIN_GAIN, PROBE_NOISE_SIGMAS } from '../probe.js';
import type { Judged } from '../probe.js';
import type { Classification } from '../types.js';
import { defineStage } from './stage.js';
import type { Proposal, StageContext } from './stage.js';

/** A learned ceiling is tried again after this many shrink cooldowns. */
export const CEILING_RETRY_COOLDOWNS = 4;
/** Each retry that finds the same ceiling again doubles the wait before the next, up to this. */
export const CEILING_RETRY_MAX_SCALE = 8;
/** Ticks in a row a change involving `balanced` must last before the ceiling is forgotten. */
export const CEILING_CLASS_TICKS = 10;
/** Fewer threads than this share of the CPUs computing on average: the CPUs are not saturated. */
export const CPU_BUSY_SHARE = 0.9;

export interface Saturation {
  /** the size growth stops at */
  ceiling: number;
  classification: Classification;
  sinceMs: number;
}

export interface CpuGuardState {
  saturated: Saturation | null;
  /** ticks in a row with a known class other than the saturated one */
  classChangeTicks: number;
  /** the retry wait's multiplier: doubles when a retry confirms the ceiling, 1 after a grow that paid off */
  retryScale: number;
  /** the ceiling learned last (kept after the retry time, to tell a confirmed ceiling) */
  lastCeiling: number | null;
  /** the last tick the measured CPUs were the limit (cpuSaturated), epoch ms */
  cpuLimitAtMs: number | null;
}

export function initCpuGuard(): CpuGuardState {
  return { saturated: null, classChangeTicks: 0, retryScale: 1, lastCeiling: null, cpuLimitAtMs: null };
}

function opposite(a: Classification, b: Classification): boolean {
  return (a === 'cpu-bound' && b === 'io-bound') || (a === 'io-bound' && b === 'cpu-bound');
}

/** The pool's threads compute size x (1 - idle) of the time: below CPU_BUSY_SHARE of n leaves CPUs free. */
export function cpusFree(size: number | null, workerIdle: number | null, n: number): boolean {
  if (size === null || workerIdle === null) return false;
  return size * (1 - workerIdle) < CPU_BUSY_SHARE * n;
}

/** The threads alone keep every CPU busy (size x (1 - idle) >= n): a grow has no CPU to use. */
export function cpusCovered(size: number | null, workerIdle: number | null, n: number): boolean {
  if (size === null || workerIdle === null) return false;
  return size * (1 - workerIdle) >= n;
}

/**
 * The size a saturated pool steps back to without a CPU figure: its ceiling, and for a
 * CPU-bound pool with an informative idle no more workers than can compute at once
 * (n / the share of time a worker computes), to the nearest worker.
 */
export function stepBackSize(sat: Saturation, n: number, workerIdle: number | null, min: number): number {
  if (sat.classification !== 'cpu-bound' || workerIdle === null) return Math.max(min, sat.ceiling);
  const cpuShare = Math.max(0.05, 1 - workerIdle);
  return Math.max(min, Math.min(sat.ceiling, Math.round(n / cpuShare)));
}

/** The state after this tick's evidence, without a CPU figure. */
export function learn(s: CpuGuardState, ctx: StageContext, idle: number | null): CpuGuardState {
  const { signals, nowMs, spec } = ctx;
  const classification = signals.classification;
  const retryAfterMs = spec.params.shrinkCooldownMs * CEILING_RETRY_COOLDOWNS;
  let { saturated, classChangeTicks, retryScale, lastCeiling } = s;
  if (saturated !== null) {
    // A step back since the ceiling was learned: the retry counts from it (a retry never reverses one).
    const shrink = ctx.moves.shrink;
    if (shrink !== null && shrink.acting && shrink.atMs > saturated.sinceMs) saturated = { ...saturated, sinceMs: shrink.atMs };
    const differs = classification !== 'unknown' && classification !== saturated.classification;
    classChangeTicks = differs ? classChangeTicks + 1 : classification === 'unknown' ? classChangeTicks : 0;
    const changed = differs && (opposite(classification, saturated.classification) || classChangeTicks >= CEILING_CLASS_TICKS);
    if (changed) retryScale = 1;
    if (changed || nowMs - saturated.sinceMs >= retryAfterMs * retryScale) saturated = null;
  }
  if (saturated === null) classChangeTicks = 0;
  const judged = ctx.probe.judged;
  const u = signals.utilization ?? 0;
  const overBand = u > spec.params.band.high;
  if (judged !== null) {
    if (paidOff(judged, idle !== null || signals.cpu.cpus !== null)) {
      retryScale = 1;
      lastCeiling = null;
    } else if (overBand && !cpusFree(ctx.reported, idle, spec.n) && (idle !== null || judged.from >= ctx.staticSize)) {
      saturated = { ceiling: judged.from, classification, sinceMs: nowMs };
      // A retry that hits the same ceiling again: the ceiling holds, so try less often.
      if (lastCeiling !== null && judged.from <= lastCeiling) retryScale = Math.min(CEILING_RETRY_MAX_SCALE, retryScale * 2);
      lastCeiling = judged.from;
    }
  }
  if (saturated === null && overBand && cpusCovered(ctx.reported, idle, spec.n)) {
    const size = ctx.reported as number;
    saturated = { ceiling: size, classification, sinceMs: nowMs };
    lastCeiling = size;
  }
  if (saturated === s.saturated && classChangeTicks === s.classChangeTicks && retryScale === s.retryScale && lastCeiling === s.lastCeiling) return s;
  return { saturated, classChangeTicks, retryScale, lastCeiling, cpuLimitAtMs: s.cpuLimitAtMs };
}

/** Whether a judged grow paid off: 2 %, and without any CPU evidence also beyond the noise. */
function paidOff(j: Judged, evidence: boolean): boolean {
  return j.gain >= PROBE_MIN_GAIN && (evidence || j.gain >= PROBE_NOISE_SIGMAS * j.noise);
}

/**
 * A retry of a learned ceiling probes with one worker: at or above the last ceiling (and no
 * grow having paid off since), a grow is one worker.
 */
export function retryStep(proposed: number, size: number, s: CpuGuardState): number {
  if (s.saturated !== null || s.lastCeiling === null || size < s.lastCeiling || proposed <= size) return proposed;
  return Math.min(proposed, size + 1);
}

/**
 * With a CPU figure (`limit`: the smoothed figures say the CPUs are the limit; `limitAtMs`: the
 * last tick they did): hold a grow and step back while they are the limit; hold a grow for a grow
 * cooldown after the last tick they were, and while this tick's own figures say they are (the
 * smoothed ones take a few ticks to catch up with a load that came: a pool idle until then would
 * grow into full CPUs meanwhile). One tick's figures hold a grow; only the smoothed ones step
 * back. Workers of a saturated pool that stall on something else for a few seconds (clients whose
 * requests come late after a full backlog's retransmits, a downstream hiccup) leave CPUs idle with
 * no run delay, which reads as room for more workers; grown then, they compete for the CPUs as
 * soon as the stall ends, and a daemon that retires only idle workers (uWSGI) keeps them while its
 * load keeps them busy. A load that really turned I/O-bound is grown a grow cooldown later.
 */
function measured(p: Proposal, ctx: StageContext, limit: boolean, limitAtMs: number | null): Proposal {
  const { cpu } = ctx.signals;
  const n = ctx.spec.n;
  if (!limit) {
    const recent = limitAtMs !== null && ctx.nowMs - limitAtMs < ctx.spec.params.growCooldownMs;
    return (recent || cpuSaturatedNow(cpu, n)) && p.size > ctx.base ? { size: ctx.base, reason: 'saturated' } : p;
  }
  const served = cpuServedSize(cpu, n);
  if (served !== null && served < ctx.base && p.size >= served) return { size: Math.max(ctx.bounds.min, served), reason: 'saturated' };
  if (p.size > ctx.base) return { size: ctx.base, reason: 'saturated' };
  return p;
}

export const cpuGuardStage = defineStage<CpuGuardState>({
  name: 'cpu',
  init: initCpuGuard,
  apply(p, ctx, state) {
    // A CPU source whose figure is not in yet (its first reading, a restart): a grow waits a tick for it.
    if (ctx.signals.cpu.source !== 'none' && ctx.signals.cpu.cpus === null) {
      return { proposal: p.size > ctx.base ? { size: ctx.base, reason: 'no-data' } : p, state };
    }
    if (ctx.signals.cpu.cpus !== null) {
      const limit = cpuSaturated(ctx.signals.cpu, ctx.spec.n);
      const limitAtMs = limit ? ctx.nowMs : state.cpuLimitAtMs;
      // Measurement replaces what probes learned: nothing of it is kept.
      const next = state.saturated === null && state.lastCeiling === null && state.cpuLimitAtMs === limitAtMs ? state : { ...initCpuGuard(), cpuLimitAtMs: limitAtMs };
      return { proposal: measured(p, ctx, limit, limitAtMs), state: next };
    }
    const idle = ctx.signals.idleInformative ? ctx.signals.workerIdle : null;
    const next = learn(state, ctx, idle);
    // No CPU evidence at all: a grow at or above the static size is a probe, and a probe needs
    // a throughput at the size it leaves (a "before"), else it can never be judged. (A daemon
    // that reports no `completed` cannot be probed: its grows are the law's alone.)
    const atSize = ctx.probe.atSize;
    if (idle === null && ctx.signals.completedReported && p.size > ctx.base && ctx.base >= ctx.staticSize && (atSize === null || atSize.size !== ctx.base)) {
      return { proposal: { size: ctx.base, reason: 'no-data' }, state: next };
    }
    if (next.saturated !== null && p.size > ctx.base) {
      const back = stepBackSize(next.saturated, ctx.spec.n, idle, ctx.bounds.min);
      return { proposal: { size: Math.min(ctx.base, back), reason: 'saturated' }, state: next };
    }
    const size = retryStep(p.size, ctx.base, next);
    return { proposal: size === p.size ? p : { size, reason: p.reason }, state: next };
  },
});
