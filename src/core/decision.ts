// One decision builder for ticks and pins: the decision that says what the pool's target
// does and why, and the short form kept among the pool's last four.
import type { ControllerState } from './state.js';
import type { Action, Decision, DecisionSummary, Mode, Reason } from './types.js';

/** The last four decisions of each pool are kept and shown in the API. */
export const KEPT_DECISIONS = 4;

export function modeOf(state: ControllerState): Mode {
  if (state.pinned !== null) return 'pinned';
  if (!state.spec.enabled) return 'disabled';
  return state.spec.mode;
}

/**
 * The decision of a tick or a pin that took the target from `from` to `to` (`proposed`: what
 * this tick proposed, shown instead of `to` in observe mode), and the state that keeps it. The
 * decision's `recommended` is the state's, as the API shows it (observing, a move's size through
 * its cooldown, while the tick itself holds). `s` is the tick's own fresh state (written in
 * place, never one a caller still holds).
 */
export function decide(
  s: ControllerState,
  nowMs: number,
  from: number,
  to: number,
  proposed: number,
  reason: Reason,
  action?: Action,
): { state: ControllerState; decision: Decision } {
  const mode = modeOf(s);
  const shown = mode === 'observe' ? proposed : to;
  const decision: Decision = {
    pool: s.spec.name,
    ts: nowMs,
    action: action ?? (shown > from ? 'grow' : shown < from ? 'shrink' : 'hold'),
    from,
    to: shown,
    recommended: s.recommended,
    reason,
    mode,
    utilization: s.signals.utilization,
    queueStall: s.signals.queueStall,
    workerIdle: s.signals.workerIdle,
    band: s.spec.params.band,
  };
  if (decision.action !== 'hold') {
    const summary: DecisionSummary = { ts: nowMs, action: decision.action, from, to: shown, reason };
    const kept = s.lastDecisions;
    s.lastDecisions = (kept.length < KEPT_DECISIONS ? kept : kept.slice(kept.length - KEPT_DECISIONS + 1)).concat([summary]);
  }
  return { state: s, decision };
}
