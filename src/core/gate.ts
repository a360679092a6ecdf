// The mode gate: the cases where no law is asked. A pinned pool is told its pin, a disabled
// one its static size; a stale pool (no sample for staleAfterPeriods periods) and a tick
// without a sample hold, never shrinking on missing data; a grow the daemon did not apply
// in time falls back to the workers it started (and grows back off, see stages/limits.ts).
import { modeOf } from './decision.js';
import { isStale, reportedSize, startedSize, staticSizeOf } from './state.js';
import type { ControllerState } from './state.js';
import type { Reason } from './types.js';

export interface Gated {
  from: number;
  /** the size the daemon is told */
  target: number;
  /** what is shown as recommended */
  recommended: number;
  reason: Reason;
}

/** What the gate decides this tick, or null to ask the law. `s` is the tick's fresh state. */
export function modeGate(s: ControllerState, prevTarget: number, nowMs: number): Gated | null {
  const mode = modeOf(s);
  if (mode === 'pinned' || mode === 'disabled') {
    const to = mode === 'pinned' ? (s.pinned as number) : staticSizeOf(s);
    return { from: prevTarget, target: to, recommended: to, reason: mode };
  }
  const base = mode === 'observe' ? reportedSize(s) : s.target;
  if (isStale(s)) return { from: base, target: s.target, recommended: base, reason: 'stale' };
  if (s.signals.utilization === null) return { from: base, target: s.target, recommended: base, reason: 'no-data' };
  const pending = s.pendingGrow;
  const started = startedSize(s);
  if (pending !== null && started !== null && started < pending.to) {
    const { params } = s.spec;
    if (nowMs - pending.atMs >= (params.staleAfterPeriods + 1) * params.periodMs) {
      return { from: s.target, target: started, recommended: started, reason: 'failed-grow' };
    }
  }
  return null;
}
