// The contract every control law keeps: one pure step from (state, context) to a proposed
// size and its reason. Cooldowns, the guard, step limits and bounds are stages around the
// law (stages/), not part of it; each law lists the stages that apply to it, in order.
import { cooldownStage } from '../stages/cooldown.js';
import { guardStage } from '../stages/guard.js';
import { backoffStage, boundsStage, stepStage } from '../stages/limits.js';
import type { AnyStage } from '../stages/stage.js';
import type { Band, Bounds, ControllerParams, LawName, Reason, Sample, Signals } from '../types.js';

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
}

export interface LawProposal {
  size: number;
  reason: Reason;
}

export interface Law<S> {
  readonly name: LawName;
  /** the stages that normalise this law's proposal, in order (stages/) */
  readonly stages: readonly AnyStage[];
  /** the largest move per decision, applied by the step stage (Infinity: none) */
  maxStep(size: number, params: ControllerParams): number;
  init(size: number, params: ControllerParams): S;
  step(state: S, ctx: LawContext): { state: S; proposal: LawProposal };
  /**
   * Told what the stages let through (`final`) of what it proposed, the law may take back
   * what it accumulated for a move that did not happen (anti-windup). Without it, nothing.
   */
  settle?(state: S, ctx: LawContext, proposed: LawProposal, final: number): S;
}

/** A law with its state type erased, as the controller stores it. */
export type AnyLaw = Law<unknown>;

export function eraseLaw<S>(law: Law<S>): AnyLaw {
  return law as unknown as AnyLaw;
}

/** The reference design's stages: the convergence guard, the cooldowns, the step and the bounds. */
export const REFERENCE_STAGES: readonly AnyStage[] = [guardStage, backoffStage, cooldownStage, stepStage, boundsStage];

/** Whether utilization is above, below or inside the band. */
export function bandSide(utilization: number, band: Band): 1 | -1 | 0 {
  if (utilization > band.high) return 1;
  if (utilization < band.low) return -1;
  return 0;
}
