// The stages that normalise a law's proposal, in their fixed order (after Kubernetes' HPA,
// which computes a raw proposal and then applies bounds, rate limits and stabilization in
// documented steps): stabilization -> guard -> cooldown -> step -> bounds. Each stage is a
// pure function of (proposal, context) that can be tested alone; the first stage that
// changes the proposal names the reason.
import { clamp } from './bounds.js';
import type { Bounds, Reason } from './types.js';

export interface Proposal {
  size: number;
  reason: Reason;
}

/** Consecutive holds after a move before the opposite move is allowed (SPEC §2). */
export const GUARD_HOLDS = 3;
/** The thrash penalty's cap on the shrink cooldown's multiplier (SPEC §3). */
export const THRASH_MAX_SCALE = 4;

function hold(size: number, reason: Reason): Proposal {
  return { size, reason };
}

/**
 * Shrink stabilization: a shrink goes only down to the largest size proposed during the
 * shrink cooldown window, so the pool never drops below what a recent burst needed.
 */
export function stabilize(p: Proposal, size: number, recentMax: number | null): Proposal {
  if (p.size >= size || recentMax === null || recentMax <= p.size) return p;
  if (recentMax >= size) return hold(size, 'stabilized');
  return { size: recentMax, reason: 'stabilized' };
}

/**
 * Convergence guard: after a move in one direction, the opposite move waits until the pool
 * has held for GUARD_HOLDS ticks in a row.
 */
export function guard(
  p: Proposal,
  size: number,
  lastMove: 1 | -1 | 0,
  holdsSinceMove: number,
): Proposal {
  const direction = Math.sign(p.size - size);
  if (direction === 0 || lastMove === 0 || direction === lastMove) return p;
  return holdsSinceMove >= GUARD_HOLDS ? p : hold(size, 'guard');
}

export interface CooldownGate {
  growReady: boolean;
  shrinkReady: boolean;
  /** a grow may skip the grow cooldown (backlog fast path), up to this size */
  fastGrowUpTo: number | null;
  /** grows are barred for a while after a grow the daemon did not apply */
  growBackedOff: boolean;
}

/** Grow and shrink cooldowns, the backlog fast path and the failed-grow back-off. */
export function cooldown(p: Proposal, size: number, gate: CooldownGate): Proposal {
  if (p.size > size) {
    if (gate.growBackedOff) return hold(size, 'failed-grow');
    if (gate.growReady) return p;
    if (gate.fastGrowUpTo !== null && gate.fastGrowUpTo > size) {
      return { size: Math.min(p.size, gate.fastGrowUpTo), reason: 'backlog' };
    }
    return hold(size, 'cooldown');
  }
  if (p.size < size && !gate.shrinkReady) return hold(size, 'cooldown');
  return p;
}

/** At most `maxStep` workers per decision; the law's reason stands. */
export function limitStep(p: Proposal, size: number, maxStep: number): Proposal {
  if (p.size > size + maxStep) return { size: size + maxStep, reason: p.reason };
  if (p.size < size - maxStep) return { size: size - maxStep, reason: p.reason };
  return p;
}

/** Hard bounds: a proposal outside [min, max] is clipped, and says so. */
export function bound(p: Proposal, bounds: Bounds): Proposal {
  const size = clamp(p.size, bounds.min, bounds.max);
  return size === p.size ? p : { size, reason: 'bound' };
}

/** The thrash penalty: the shrink cooldown's multiplier, and when it last changed. */
export interface ThrashPenalty {
  scale: number;
  sinceMs: number | null;
}

/** The last moves (before this tick's) the penalty is judged on. */
export interface MoveTimes {
  lastShrinkMs: number | null;
  lastGrowMs: number | null;
}

/**
 * The thrash penalty (SPEC §3). A grow within one (scaled) shrink cooldown of a shrink
 * doubles the multiplier, at most THRASH_MAX_SCALE. A quiet shrink cooldown halves it: a
 * whole scaled cooldown since the last shrink (and since the last change) with no grow after
 * that shrink. Quiet counts from a shrink only, and the penalty comes off one step at a
 * time, so a pool whose bursts recur keeps its longer window across the gaps between them
 * (after a burst there is no shrink until the window lets one through); only shrinks that
 * stick earn the base cooldown back.
 */
export function thrashPenalty(
  p: ThrashPenalty,
  moved: 1 | -1 | 0,
  nowMs: number,
  times: MoveTimes,
  shrinkCooldownMs: number,
): ThrashPenalty {
  const { lastShrinkMs, lastGrowMs } = times;
  const scaledMs = shrinkCooldownMs * p.scale;
  if (moved > 0 && lastShrinkMs !== null && nowMs - lastShrinkMs < scaledMs) {
    return { scale: Math.min(THRASH_MAX_SCALE, p.scale * 2), sinceMs: nowMs };
  }
  if (p.scale <= 1 || moved > 0 || lastShrinkMs === null) return p;
  const grewSince = lastGrowMs !== null && lastGrowMs >= lastShrinkMs;
  if (!grewSince && nowMs - Math.max(lastShrinkMs, p.sinceMs ?? lastShrinkMs) >= scaledMs) {
    return { scale: p.scale / 2, sinceMs: nowMs };
  }
  return p;
}
