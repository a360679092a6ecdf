// The contract of the stages that normalise a law's proposal (after Kubernetes' HPA, which
// computes a raw proposal and then applies bounds, rate limits and stabilization in named
// steps). Each law declares its own list of stages; the controller runs the list in order.
// A stage is a pure step (proposal, context, its own state) -> (proposal, its own state): it
// owns its slice of state, reads the rest of the controller's state only through the
// context, and names the reason when it changes the proposal.
import type { PoolSpec } from '../state.js';
import type { Bounds, Reason, Signals } from '../types.js';
import type { Moves } from '../moves.js';
import type { ProbeState } from '../probe.js';

export interface Proposal {
  size: number;
  reason: Reason;
}

export const STAGE_NAMES = ['demand', 'cpu', 'ceiling', 'stabilization', 'guard', 'backoff', 'cooldown', 'thrash', 'step', 'bounds'] as const;
export type StageName = (typeof STAGE_NAMES)[number];

/** What a stage may read: the tick's signals and the controller's history, never another stage's state. */
export interface StageContext {
  spec: PoolSpec;
  bounds: Bounds;
  /** the pool's static size (n * 2 for transfer) */
  staticSize: number;
  signals: Signals;
  /** the size the decision moves from: the target (observe mode: the reported size) */
  base: number;
  /** the size the daemon reported this tick, or null */
  reported: number | null;
  nowMs: number;
  startedMs: number;
  /** the moves the controller made so far (this tick's is not in yet) */
  moves: Moves;
  /** throughput at each size and the judgement of the last grow */
  probe: ProbeState;
  /** the law's largest move per decision */
  maxStep: number;
}

export interface Stage<S> {
  readonly name: StageName;
  init(): S;
  apply(p: Proposal, ctx: StageContext, state: S): { proposal: Proposal; state: S };
}

/** A stage with its state type erased, as a law's list holds it. */
export type AnyStage = Stage<unknown>;

export function defineStage<S>(stage: Stage<S>): AnyStage {
  return stage as unknown as AnyStage;
}

/** A stage that keeps no state. */
export function statelessStage(name: StageName, apply: (p: Proposal, ctx: StageContext) => Proposal): AnyStage {
  return defineStage<null>({ name, init: () => null, apply: (p, ctx, state) => ({ proposal: apply(p, ctx), state }) });
}

/** Runs `stages` in order on `p`; `states` holds each stage's state, at the same index. */
export function runStages(
  stages: readonly AnyStage[],
  states: readonly unknown[],
  p: Proposal,
  ctx: StageContext,
): { proposal: Proposal; states: readonly unknown[] } {
  // A new array only when a stage's state changed (most ticks change none).
  let next: unknown[] | null = null;
  let proposal = p;
  for (let i = 0; i < stages.length; i += 1) {
    const out = (stages[i] as AnyStage).apply(proposal, ctx, states[i]);
    proposal = out.proposal;
    if (out.state !== states[i]) {
      next ??= states.slice();
      next[i] = out.state;
    }
  }
  return { proposal, states: next ?? states };
}

/** A hold at `size` for `reason`. */
export function hold(size: number, reason: Reason): Proposal {
  return { size, reason };
}
