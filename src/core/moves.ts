// The controller's record of its own moves: the last grow and the last shrink, the holds
// since the last move (the convergence guard's count), the last failed grow (the back-off,
// doubled while grows keep failing at one size) and the thrash penalty's multiplier. The controller writes it once a tick, at commit;
// stages read it from their context.
import { GUARD_HOLDS } from './stages/guard.js';
import { thrashPenalty } from './stages/thrash.js';

export interface Move {
  atMs: number;
  from: number;
  to: number;
  /** the daemon was told (adaptive mode), not only recommended to (observe) */
  acting: boolean;
}

export interface Moves {
  grow: Move | null;
  shrink: Move | null;
  /** ticks in a row without a move since the last one */
  holds: number;
  /** when the daemon last failed to apply a grow */
  failedGrowMs: number | null;
  /** the size the daemon stayed at then, and the back-off's multiplier (doubles while grows keep failing there) */
  failedGrowAt: number | null;
  failedGrowScale: number;
  /** the thrash penalty: the shrink cooldown's multiplier (1, 2 or 4) and when it last changed */
  shrinkScale: number;
  shrinkScaleSinceMs: number | null;
}

export function initMoves(): Moves {
  return { grow: null, shrink: null, holds: GUARD_HOLDS, failedGrowMs: null, failedGrowAt: null, failedGrowScale: 1, shrinkScale: 1, shrinkScaleSinceMs: null };
}

/**
 * A grow failed again at the size the daemon stayed at last time: its limit is there (a daemon's
 * own maximum, below the pool's hard max), and each retry doubles the back-off, up to this.
 */
export const FAILED_GROW_MAX_SCALE = 32;

/** The record after the daemon failed to apply a grow and stayed at `size`. */
export function recordFailedGrow(m: Moves, size: number, nowMs: number): Moves {
  const again = m.failedGrowMs !== null && m.failedGrowAt === size;
  return { ...m, failedGrowMs: nowMs, failedGrowAt: size, failedGrowScale: again ? Math.min(FAILED_GROW_MAX_SCALE, m.failedGrowScale * 2) : 1 };
}

/** Until when grows back off after the last grow the daemon did not apply (null: none failed). */
export function failedGrowUntilMs(m: Moves, failedGrowBackoffMs: number): number | null {
  return m.failedGrowMs === null ? null : m.failedGrowMs + failedGrowBackoffMs * m.failedGrowScale;
}

/** The record after the daemon applied a grow: the back-off starts over at one. */
export function recordAppliedGrow(m: Moves): Moves {
  return m.failedGrowAt === null && m.failedGrowScale === 1 ? m : { ...m, failedGrowAt: null, failedGrowScale: 1 };
}

/** The direction of the last move: 1 after a grow, -1 after a shrink, 0 before any. */
export function lastDirection(m: Moves): 1 | -1 | 0 {
  if (m.grow === null && m.shrink === null) return 0;
  if (m.shrink === null) return 1;
  if (m.grow === null) return -1;
  return m.grow.atMs > m.shrink.atMs ? 1 : -1;
}

/** The shrink cooldown with the thrash penalty applied. */
export function scaledShrinkCooldownMs(m: Moves, shrinkCooldownMs: number): number {
  return shrinkCooldownMs * m.shrinkScale;
}

/** The record after this tick's decision from `from` to `to`. */
export function recordMove(m: Moves, from: number, to: number, nowMs: number, acting: boolean, shrinkCooldownMs: number): Moves {
  const moved: 1 | -1 | 0 = to > from ? 1 : to < from ? -1 : 0;
  const penalty = thrashPenalty(
    { scale: m.shrinkScale, sinceMs: m.shrinkScaleSinceMs },
    moved,
    nowMs,
    { lastShrinkMs: m.shrink?.atMs ?? null, lastGrowMs: m.grow?.atMs ?? null },
    shrinkCooldownMs,
  );
  const move: Move = { atMs: nowMs, from, to, acting };
  return {
    grow: moved > 0 ? move : m.grow,
    shrink: moved < 0 ? move : m.shrink,
    holds: moved === 0 ? m.holds + 1 : 0,
    failedGrowMs: m.failedGrowMs,
    failedGrowAt: m.failedGrowAt,
    failedGrowScale: m.failedGrowScale,
    shrinkScale: penalty.scale,
    shrinkScaleSinceMs: penalty.sinceMs,
  };
}
