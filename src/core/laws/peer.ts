// What the peer laws (hpa, hill, cheaper) share: they keep their own timers and limits, so
// none of the controller's additions apply to them (bounds always do), and their reasons
// use the band's words only when the band agrees with the move.
import { backoffStage, boundsStage } from '../stages/limits.js';
import type { AnyStage } from '../stages/stage.js';
import type { Reason } from '../types.js';
import type { LawContext } from './law.js';

/**
 * No cooldowns, guard, stabilization, CPU guard, fast path or thrash penalty of ours: only the
 * failed-grow back-off (the daemon did not apply a grow) and the hard bounds.
 */
export const PEER_STAGES: readonly AnyStage[] = [backoffStage, boundsStage];

/** A peer limits its own moves: the step stage must not cut one. */
export const noStepLimit = (): number => Number.POSITIVE_INFINITY;

/**
 * The reason of a peer's move from `ctx.size` to `size`: the band's word when utilization
 * is on the side of the band the move answers, else `law` (the peer's own rule moved or
 * held the pool, e.g. HPA's target at the band's middle or uWSGI's 25-50 % band).
 */
export function peerReason(ctx: LawContext, size: number): Reason {
  const u = ctx.utilization;
  if (size > ctx.size) return u > ctx.band.high ? 'above-band' : 'law';
  if (size < ctx.size) return u < ctx.band.low ? 'below-band' : 'law';
  return u >= ctx.band.low && u <= ctx.band.high ? 'in-band' : 'law';
}

/** The queue depth of the tick's last sample, or null when the daemon reports none. */
export function lastQueueDepth(ctx: LawContext): number | null {
  const samples = ctx.samples ?? [];
  let last: { ts: number; depth: number } | null = null;
  for (const s of samples) {
    if (s.queueDepth !== undefined && (last === null || s.ts >= last.ts)) last = { ts: s.ts, depth: s.queueDepth };
  }
  return last === null ? null : last.depth;
}
