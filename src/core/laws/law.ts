// The contract every control law keeps: one pure step from (state, context) to a proposed
// size and its reason. Cooldowns, the guard, step limits and bounds are stages of the
// controller around the law (controller.ts), not part of it; a law says which apply.
import type { Band, Bounds, ControllerParams, LawName, Reason, Sample, Signals } from '../types.js';

/** Which of the controller's stages and additions apply to a law. */
export interface LawFeatures {
  /** grow and shrink cooldowns gate its moves */
  cooldowns: boolean;
  /** the convergence guard holds a direction reversal until three holds */
  guard: boolean;
  /** the saturation guard stops growth that does not raise throughput */
  saturationGuard: boolean;
  /** a full queue with a grow that paid off may skip the grow cooldown */
  backlogFastPath: boolean;
  /** a shrink goes no lower than the largest size proposed during the shrink window */
  shrinkStabilization: boolean;
  /** a grow soon after a shrink doubles the next shrink cooldown (at most 4x) */
  thrashPenalty: boolean;
}

export interface LawContext {
  signals: Signals;
  /** the samples of this tick, for a peer law that reads what the signals do not carry (queue depth) */
  samples?: readonly Sample[];
  /** utilization of this tick (never null: the controller holds on missing data) */
  utilization: number;
  /** the size the law moves from */
  size: number;
  bounds: Bounds;
  band: Band;
  params: ControllerParams;
  /** CPUs the daemon may use */
  n: number;
  nowMs: number;
  /** time since the previous tick */
  dtMs: number;
  /** whether the later stages would let a grow / a shrink through now (for anti-windup) */
  canGrow: boolean;
  canShrink: boolean;
  /** largest step the step stage lets through */
  maxStep: number;
}

export interface LawProposal {
  size: number;
  reason: Reason;
}

export interface Law<S> {
  readonly name: LawName;
  readonly features: LawFeatures;
  /** the largest move per decision, applied by the step stage (Infinity: none) */
  maxStep(size: number, params: ControllerParams): number;
  init(size: number, params: ControllerParams): S;
  step(state: S, ctx: LawContext): { state: S; proposal: LawProposal };
}

/** A law with its state type erased, as the controller stores it. */
export type AnyLaw = Law<unknown>;

export function eraseLaw<S>(law: Law<S>): AnyLaw {
  return law as unknown as AnyLaw;
}

export const REFERENCE_FEATURES: LawFeatures = {
  cooldowns: true,
  guard: true,
  saturationGuard: false,
  backlogFastPath: false,
  shrinkStabilization: false,
  thrashPenalty: false,
};

/** Whether utilization is above, below or inside the band. */
export function bandSide(utilization: number, band: Band): 1 | -1 | 0 {
  if (utilization > band.high) return 1;
  if (utilization < band.low) return -1;
  return 0;
}
