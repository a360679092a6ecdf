// The controller's clocks: the cooldown gate a proposal passes (grow and shrink cooldowns,
// the backlog fast path, the failed-grow back-off), and what a move (or a hold) does to the
// timers, the guard's count, the thrash penalty and the saturation probe.
import { getLaw } from './laws/index.js';
import { startProbe } from './saturation.js';
import { thrashPenalty } from './stages.js';
import type { CooldownGate } from './stages.js';
import type { ControllerState } from './state.js';

/** Backlog fast path: the queue was full for at least this share of the period (SPEC §3). */
export const BACKLOG_STALL = 0.5;

/** What the cooldowns let through now (and how far the backlog fast path may grow). */
export function cooldownGate(s: ControllerState, base: number, nowMs: number): CooldownGate {
  const { params } = s.spec;
  const growReady = s.lastGrowMs === null || nowMs - s.lastGrowMs >= params.growCooldownMs;
  const shrinkSince = s.lastShrinkMs ?? s.startedMs;
  const shrinkReady = nowMs - shrinkSince >= params.shrinkCooldownMs * s.shrinkScale;
  const law = getLaw(params.law);
  let fastGrowUpTo: number | null = null;
  if (law.features.backlogFastPath && (s.signals.queueStall ?? 0) >= BACKLOG_STALL && s.saturation.lastGrowPaidOff) {
    const window = s.growWindow !== null && nowMs - s.growWindow.sinceMs < params.growCooldownMs ? s.growWindow.size : base;
    fastGrowUpTo = 2 * window;
  }
  const growBackedOff = s.growBackoffUntilMs !== null && nowMs < s.growBackoffUntilMs;
  return { growReady, shrinkReady, fastGrowUpTo, growBackedOff };
}

/**
 * Moves the timers, the guard's count, the thrash penalty and the saturation probe, in place
 * on the tick's own fresh draft `s` (never on a state a caller still holds).
 */
export function applyMove(
  s: ControllerState,
  from: number,
  to: number,
  nowMs: number,
  acting: boolean,
  withPenalty: boolean,
): void {
  const moved: 1 | -1 | 0 = to > from ? 1 : to < from ? -1 : 0;
  const { params } = s.spec;
  const penalty = withPenalty
    ? thrashPenalty({ scale: s.shrinkScale, sinceMs: s.shrinkScaleSinceMs }, moved, nowMs, s, params.shrinkCooldownMs)
    : { scale: 1, sinceMs: null };
  s.shrinkScale = penalty.scale;
  s.shrinkScaleSinceMs = penalty.sinceMs;
  if (moved === 0) {
    s.holdsSinceMove += 1;
    return;
  }
  s.lastMove = moved;
  s.lastMoveMs = nowMs;
  s.holdsSinceMove = 0;
  if (moved < 0) {
    // A saturated pool's retry counts from its last step back, so a retry never reverses one.
    const sat = s.saturation.saturated;
    if (sat !== null) s.saturation = { ...s.saturation, saturated: { ...sat, sinceMs: nowMs } };
    s.lastShrinkMs = nowMs;
    s.pendingGrow = null;
    return;
  }
  const windowOpen = s.growWindow !== null && nowMs - s.growWindow.sinceMs < params.growCooldownMs;
  s.lastGrowMs = nowMs;
  if (!windowOpen) s.growWindow = { size: from, sinceMs: nowMs };
  s.pendingGrow = acting ? { to, atMs: nowMs } : null;
  if (acting) s.saturation = startProbe(s.saturation, from, to);
}
