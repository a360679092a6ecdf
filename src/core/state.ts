// The state of one pool's controller: plain data, replaced (never mutated) by each tick.
// What can be derived is derived (bounds, static size, stale, whether a sample was seen,
// the last move's direction); each stage keeps its own slice in `stages`, at its index in
// the law's list.
import { limitedBounds, poolBounds, staticSize } from './bounds.js';
import { clamp } from './math.js';
import type { Moves } from './moves.js';
import type { ProbeState } from './probe.js';
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
  /** a run-time or config pin, or null */
  pinned: number | null;
  /** the size the daemon is told */
  target: number;
  /** what the law recommends (equals target except in observe mode) */
  recommended: number;
  /** the size the daemon reported last, or null before its first sample */
  size: number | null;
  signalState: SignalState;
  signals: Signals;
  lawState: unknown;
  /** each stage's own state, at its index in the law's list of stages */
  stages: readonly unknown[];
  moves: Moves;
  probe: ProbeState;
  /** a grow the daemon was told and has not reported yet */
  pendingGrow: { to: number; atMs: number } | null;
  startedMs: number;
  lastTickMs: number | null;
  /** ticks in a row without a sample */
  staleTicks: number;
  /** the most workers the daemon said it can run (its last sample's `maxSize`), or null */
  sizeLimit: number | null;
  lastDecisions: readonly DecisionSummary[];
}

/** The hard bounds, the max brought down to what the daemon can run (never below the min). */
export function boundsOf(s: ControllerState): Bounds {
  return limitedBounds(poolBounds(s.spec.kind, s.spec.n), s.sizeLimit);
}

/** A size brought inside the pool's hard bounds. */
export function withinBounds(s: ControllerState, size: number): number {
  const { min, max } = boundsOf(s);
  return clamp(size, min, max);
}

export function staticSizeOf(s: ControllerState): number {
  return staticSize(s.spec.kind, s.spec.n);
}

/** No sample for staleAfterPeriods periods: hold, never shrink on missing data. */
export function isStale(s: ControllerState): boolean {
  return s.staleTicks >= s.spec.params.staleAfterPeriods;
}

/**
 * The workers the daemon runs: `reported` (this tick's size, or null) and those its sample said
 * are still starting, which take no task yet (Sample.starting). What a grow counts as applied by.
 */
export function withStarting(reported: number | null, signals: Signals): number | null {
  return reported === null ? null : reported + signals.starting;
}

/** withStarting of this tick's fresh sample; null without one. */
export function startedSize(s: ControllerState): number | null {
  return withStarting(s.signals.fresh ? s.size : null, s.signals);
}

/** The size the daemon has: as it reported, or its static size before any report. */
export function reportedSize(s: ControllerState): number {
  return s.size ?? staticSizeOf(s);
}
