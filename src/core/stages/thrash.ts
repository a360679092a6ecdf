// The thrash penalty (docs/design.md): a grow within one (scaled) shrink cooldown of a shrink
// doubles the next shrink cooldown, at most THRASH_MAX_SCALE times; a quiet scaled cooldown
// takes one step of it off. The rule updates the controller's move record at each commit;
// the stage holds a shrink until the scaled cooldown is over.
import { scaledShrinkCooldownMs } from '../moves.js';
import { shrinkWaitSince } from './cooldown.js';
import { hold, statelessStage } from './stage.js';

/** The thrash penalty's cap on the shrink cooldown's multiplier. */
export const THRASH_MAX_SCALE = 4;

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
 * A grow within one (scaled) shrink cooldown of a shrink doubles the multiplier, at most
 * THRASH_MAX_SCALE. A quiet shrink cooldown halves it: a whole scaled cooldown since the last
 * shrink (and since the last change) with no grow after that shrink. Quiet counts from a
 * shrink only, and the penalty comes off one step at a time, so a pool whose bursts recur
 * keeps its longer window across the gaps between them; only shrinks that stick earn the
 * base cooldown back.
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

/** A shrink waits for the shrink cooldown as the penalty scales it (the cooldown stage checks the base one). */
export const thrashStage = statelessStage('thrash', (p, ctx) => {
  // A step back to a measured throughput ceiling is evidence, not the law's guess: only the base cooldown holds it.
  if (p.size >= ctx.base || p.reason === 'ceiling') return p;
  const since = shrinkWaitSince(p, ctx);
  return since === null || ctx.nowMs - since >= scaledShrinkCooldownMs(ctx.moves, ctx.spec.params.shrinkCooldownMs) ? p : hold(ctx.base, 'cooldown');
});
