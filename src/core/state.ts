// The state of one pool's controller: plain data, replaced (never mutated) by each tick.
import type { SaturationState } from './saturation.js';
import type { SignalState } from './signals.js';
import type { Bounds, ConfiguredMode, ControllerParams, DecisionSummary, PoolKind, Signals } from './types.js';

export interface PoolSpec {
  name: string;
  kind: PoolKind;
  /** CPUs the daemon may use */
  n: number;
  params: ControllerParams;
  mode: ConfiguredMode;
  /** a size from config (`threads: N`), or null for adaptive */
  pinned: number | null;
  /** false when OC_ADAPTIVE_THREADS=0 */
  enabled: boolean;
}

export interface ControllerState {
  spec: PoolSpec;
  bounds: Bounds;
  staticSize: number;
  pinned: number | null;
  /** the size the daemon is told */
  target: number;
  /** what the law recommends (equals target except in observe mode) */
  recommended: number;
  /** the size the daemon reported last (before any sample: its static size) */
  size: number;
  seenSample: boolean;
  signalState: SignalState;
  signals: Signals;
  lawState: unknown;
  startedMs: number;
  lastTickMs: number | null;
  staleTicks: number;
  stale: boolean;
  lastGrowMs: number | null;
  lastShrinkMs: number | null;
  lastMove: 1 | -1 | 0;
  lastMoveMs: number | null;
  holdsSinceMove: number;
  /** thrash penalty: the shrink cooldown's multiplier (1, 2 or 4) */
  shrinkScale: number;
  /** when the thrash penalty last changed (a quiet shrink cooldown is counted from it too) */
  shrinkScaleSinceMs: number | null;
  /** sizes proposed during the shrink window, for stabilization */
  proposals: readonly { ts: number; size: number }[];
  /** the size at the start of the current grow window (the fast path at most doubles it) */
  growWindow: { size: number; sinceMs: number } | null;
  saturation: SaturationState;
  pendingGrow: { to: number; atMs: number } | null;
  growBackoffUntilMs: number | null;
  lastDecisions: DecisionSummary[];
}

/**
 * A field-by-field copy of `p`, for the one fresh draft a tick (or a pin) writes in place.
 * An object literal of the full shape is one allocation with every field inside the object;
 * a spread copy of this many fields keeps most of them in a second, out-of-object array, and
 * in the tick it came to about 1.1 KB of garbage per pool (V8, Node 20). The compiler insists
 * on every field; the order is createController's (a serialized state keeps it).
 */
export function copyState(p: ControllerState): ControllerState {
  return {
    spec: p.spec,
    bounds: p.bounds,
    staticSize: p.staticSize,
    pinned: p.pinned,
    target: p.target,
    recommended: p.recommended,
    size: p.size,
    seenSample: p.seenSample,
    signalState: p.signalState,
    signals: p.signals,
    lawState: p.lawState,
    startedMs: p.startedMs,
    lastTickMs: p.lastTickMs,
    staleTicks: p.staleTicks,
    stale: p.stale,
    lastGrowMs: p.lastGrowMs,
    lastShrinkMs: p.lastShrinkMs,
    lastMove: p.lastMove,
    lastMoveMs: p.lastMoveMs,
    holdsSinceMove: p.holdsSinceMove,
    shrinkScale: p.shrinkScale,
    shrinkScaleSinceMs: p.shrinkScaleSinceMs,
    proposals: p.proposals,
    growWindow: p.growWindow,
    saturation: p.saturation,
    pendingGrow: p.pendingGrow,
    growBackoffUntilMs: p.growBackoffUntilMs,
    lastDecisions: p.lastDecisions,
  };
}
