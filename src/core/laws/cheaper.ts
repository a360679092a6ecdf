// uWSGI's busyness cheaper algorithm, ported from cheaper_busyness_algo in unbit/uwsgi's
// plugins/cheaper_busyness/cheaper_busyness.c. uWSGI's master calls it once a cycle (1 s,
// one tick here); every cheaper-overload seconds it averages the workers' busy share:
//   - above the max (50 %): add cheaper-step workers; a spawn within multiplier x overload
//     seconds of the last removal raises the multiplier by the penalty, else it decays by 1;
//   - below the min (25 %): remove one worker, but only once the removal timer is due
//     (overload x multiplier seconds after the last spawn or removal);
//   - in between: push the removal timer back one overload period; three such periods in a
//     row restart it;
//   - a listen-queue backlog over the alert (33), checked every cycle, adds backlog-step
//     "emergency" workers at once and resets the multiplier; a removal timer set while
//     emergency workers remain is overload x backlog-multiplier (the spawn sets it before
//     counting its own workers, as uWSGI does);
//   - a backlog that stays non-zero for backlog-nonzero seconds (60), checked on the cycles
//     between busyness checks, adds an emergency worker too, and starts the count again.
// Our utilization is already a busy-time share, so the plugin's patch for requests longer
// than the period (was_busy: count a worker as 100 % busy) is not needed.
import { PEER_STAGES, lastQueueDepth, noStepLimit, peerReason } from './peer.js';
import { eraseLaw } from './law.js';
import type { Law, LawContext, LawProposal } from './law.js';

/** cheaper_busyness.c defaults: cheaper-busyness-max / -min, in percent. */
export const BUSYNESS_MAX_PERCENT = 50;
export const BUSYNESS_MIN_PERCENT = 25;
/** cheaper_busyness.c: cheaper-busyness-multiplier = 10, cheaper-busyness-penalty = 2. */
export const CHEAPER_MULTIPLIER = 10;
export const CHEAPER_PENALTY = 2;
/** cheaper_busyness.c: backlog-alert = 33 requests, backlog-multiplier = 3, backlog-step = 1. */
export const BACKLOG_ALERT = 33;
export const BACKLOG_MULTIPLIER = 3;
export const BACKLOG_STEP = 1;
/** cheaper_busyness.c: cheaper-busyness-backlog-nonzero = 60 s of a non-empty listen queue. */
export const BACKLOG_NONZERO_MS = 60_000;
/** cheaper_busyness.c: three non-idle cycles in a row restart the removal timer. */
export const TOLERANCE_CYCLES = 3;
/** core/uwsgi.c: uwsgi.cheaper_overload = 3 (seconds). */
export const CHEAPER_OVERLOAD_MS = 3000;
/** core/master_utils.c: cheaper-step, "at most cheaper_step (default to 1) new workers". */
export const CHEAPER_STEP = 1;

export interface CheaperState {
  /** start of the current overload period (uWSGI's tcheck) */
  tcheckMs: number | null;
  /** busy-time share accumulated over the period: sum of u x dt, and of dt */
  busyMs: number;
  spanMs: number;
  lastCheapedMs: number | null;
  nextCheapMs: number | null;
  multiplier: number;
  /** 1: the last action spawned, 2: it cheaped (uWSGI's last_action) */
  lastAction: 0 | 1 | 2;
  toleranceCounter: number;
  emergencyWorkers: number;
  /** since when the listen queue has been non-empty (uWSGI's backlog_nonzero_since), or null */
  backlogSinceMs?: number | null;
}

/** The band the busyness is judged against, in whole percent. */
export function cheaperBand(ctx: LawContext): { minPercent: number; maxPercent: number } {
  if (ctx.params.cheaperOwnBand ?? true) return { minPercent: BUSYNESS_MIN_PERCENT, maxPercent: BUSYNESS_MAX_PERCENT };
  return { minPercent: Math.round(ctx.band.low * 100), maxPercent: Math.round(ctx.band.high * 100) };
}

export const cheaperLaw: Law<CheaperState> = {
  name: 'cheaper',
  stages: PEER_STAGES,
  maxStep: noStepLimit,
  init: () => ({
    tcheckMs: null,
    busyMs: 0,
    spanMs: 0,
    lastCheapedMs: null,
    nextCheapMs: null,
    multiplier: CHEAPER_MULTIPLIER,
    lastAction: 0,
    toleranceCounter: 0,
    emergencyWorkers: 0,
  }),
  step(prev, ctx) {
    const { nowMs, size } = ctx;
    const overloadMs = ctx.params.cheaperOverloadMs ?? CHEAPER_OVERLOAD_MS;
    let s: CheaperState = { ...prev, tcheckMs: prev.tcheckMs ?? nowMs };
    if (s.nextCheapMs === null) s = withNextCheap(s, nowMs, overloadMs);
    s = { ...s, busyMs: s.busyMs + ctx.utilization * ctx.dtMs, spanMs: s.spanMs + ctx.dtMs };
    const backlog = lastQueueDepth(ctx);
    const backlogAlert = backlog !== null && backlog > BACKLOG_ALERT && size < ctx.bounds.max;
    const out = (state: CheaperState, to: number): { state: CheaperState; proposal: LawProposal } => ({
      state,
      proposal: { size: to, reason: peerReason(ctx, to) },
    });

    if (nowMs - (s.tcheckMs as number) < overloadMs) {
      if (backlogAlert) return emergency(s, ctx, nowMs, overloadMs, out);
      if (backlog === null || backlog === 0) return out({ ...s, backlogSinceMs: null }, size);
      const since = s.backlogSinceMs ?? null;
      if (since === null) return out({ ...s, backlogSinceMs: nowMs }, size);
      // Whole seconds, as uWSGI's (now - backlog_nonzero_since) / 1000000. At the most workers
      // uWSGI still calls spawn_emergency_worker: no worker, but its resets (and the count) apply.
      if (Math.floor((nowMs - since) / 1000) * 1000 >= BACKLOG_NONZERO_MS) {
        return emergency({ ...s, backlogSinceMs: nowMs }, ctx, nowMs, overloadMs, out);
      }
      return out(s, size);
    }
    // Whole percent, as uWSGI's integer average of the workers' percentages.
    const busyPercent = s.spanMs > 0 ? Math.floor((100 * s.busyMs) / s.spanMs + 1e-9) : 0;
    s = { ...s, tcheckMs: nowMs, busyMs: 0, spanMs: 0 };
    const { minPercent, maxPercent } = cheaperBand(ctx);

    if (busyPercent > maxPercent) {
      s = { ...s, toleranceCounter: 0 };
      const spawn = Math.min(ctx.params.cheaperStep ?? CHEAPER_STEP, ctx.bounds.max - size);
      if (spawn <= 0) return out(s, size);
      // Re-spawned within multiplier x overload seconds of a removal: wait longer next time.
      const tooSoon = s.lastCheapedMs !== null && Math.floor((nowMs - s.lastCheapedMs) / overloadMs) <= s.multiplier;
      s = tooSoon ? { ...s, multiplier: s.multiplier + CHEAPER_PENALTY } : decreaseMultiplier(s);
      s = withNextCheap({ ...s, lastAction: 1 }, nowMs, overloadMs);
      return out(s, size + spawn);
    }
    if (backlogAlert) return emergency(s, ctx, nowMs, overloadMs, out);
    if (busyPercent < minPercent) {
      if (size === 1) return out(s, size);
      s = { ...s, toleranceCounter: 0 };
      if (size > ctx.bounds.min && nowMs >= (s.nextCheapMs as number)) {
        if (s.lastAction === 2) s = decreaseMultiplier(s);
        s = withNextCheap(s, nowMs, overloadMs);
        s = { ...s, lastCheapedMs: nowMs, lastAction: 2, emergencyWorkers: Math.max(0, s.emergencyWorkers - 1) };
        return out(s, size - 1);
      }
      return out(s, size);
    }
    if (size === 1) return out(s, size);
    // Between min and max: not an idle cycle, so the removal timer does not count it.
    s = { ...s, emergencyWorkers: Math.max(0, s.emergencyWorkers - 1), toleranceCounter: s.toleranceCounter + 1 };
    if (s.toleranceCounter >= TOLERANCE_CYCLES) return out(withNextCheap(s, nowMs, overloadMs), size);
    return out({ ...s, nextCheapMs: (s.nextCheapMs as number) + overloadMs }, size);
  },
};

/**
 * spawn_emergency_worker: backlog-step workers now, the multiplier back to its start, and the
 * removal timer set before the new workers are counted (so the first one gets the ordinary timer).
 */
function emergency(
  prev: CheaperState,
  ctx: LawContext,
  nowMs: number,
  overloadMs: number,
  out: (state: CheaperState, to: number) => { state: CheaperState; proposal: LawProposal },
): { state: CheaperState; proposal: LawProposal } {
  const spawn = Math.max(0, Math.min(BACKLOG_STEP, ctx.bounds.max - ctx.size));
  const s = withNextCheap({ ...prev, multiplier: CHEAPER_MULTIPLIER, lastAction: 1 as const }, nowMs, overloadMs);
  return out({ ...s, emergencyWorkers: s.emergencyWorkers + spawn }, ctx.size + spawn);
}

/** set_next_cheap_time: overload x multiplier ahead, or x backlog-multiplier with emergency workers. */
function withNextCheap(s: CheaperState, nowMs: number, overloadMs: number): CheaperState {
  const multiplier = s.emergencyWorkers > 0 ? BACKLOG_MULTIPLIER : s.multiplier;
  return { ...s, nextCheapMs: nowMs + overloadMs * multiplier };
}

/** decrease_multi: back by one towards the initial multiplier. */
function decreaseMultiplier(s: CheaperState): CheaperState {
  return s.multiplier > CHEAPER_MULTIPLIER ? { ...s, multiplier: s.multiplier - 1 } : s;
}

export const cheaper = eraseLaw(cheaperLaw);
