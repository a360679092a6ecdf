// The last stages of every law: the failed-grow back-off, the step limit and the hard bounds.
import { clamp } from '../math.js';
import type { Bounds } from '../types.js';
import { failedGrowUntilMs } from '../moves.js';
import { withStarting } from '../state.js';
import { hold, statelessStage } from './stage.js';
import type { Proposal, StageContext } from './stage.js';

/** At most `maxStep` workers per decision; the law's reason stands. */
export function limitStep(p: Proposal, size: number, maxStep: number): Proposal {
  if (p.size > size + maxStep) return { size: size + maxStep, reason: p.reason };
  if (p.size < size - maxStep) return { size: size - maxStep, reason: p.reason };
  return p;
}

/** Hard bounds: a proposal outside [min, max] is clipped, and says so. */
export function bound(p: Proposal, bounds: Bounds): Proposal {
  const size = clamp(p.size, bounds.min, bounds.max);
  return size === p.size ? p : { size, reason: 'bound' };
}

/**
 * Moves the daemon has not caught up with. After a grow it did not apply, grows wait
 * failedGrowBackoffMs (the pool keeps its size), twice as long each time a grow fails again at
 * the same size (a limit of the daemon's own, below the hard max), up to FAILED_GROW_MAX_SCALE
 * times, until a grow is applied. While it still runs more workers than it was
 * told (a shrink not applied yet: a daemon that retires only idle workers keeps busy ones), a
 * grow goes to the size it runs: that takes the whole shrink back (the pool is over its band
 * at that size, so a grow to less would still retire workers), and a grow past it is decided
 * from the next tick, on the pool as it is, not stacked on a size it never reached.
 */
export const backoffStage = statelessStage('backoff', (p, ctx) => {
  if (p.size <= ctx.base) return p;
  const until = failedGrowUntilMs(ctx.moves, ctx.spec.params.failedGrowBackoffMs);
  if (until !== null && ctx.nowMs < until) return hold(ctx.base, 'failed-grow');
  const running = withStarting(ctx.reported, ctx.signals);
  return running !== null && running > ctx.base && p.size !== running ? { size: running, reason: p.reason } : p;
});

/** A grow no further than the size the daemon runs changes nothing there: no step limits it. */
const takesShrinkBack = (p: Proposal, ctx: StageContext): boolean => {
  const running = withStarting(ctx.reported, ctx.signals);
  return p.size > ctx.base && running !== null && p.size <= running;
};

/**
 * At most maxStep a decision; a grow sized from the measured demand may double the pool, and
 * a move to a measured limit goes there at once: a step back to the size the CPUs serve, or a
 * move to a throughput ceiling (back to it, or back up after a step below it that lost throughput).
 */
export const stepStage = statelessStage('step', (p, ctx) => {
  if (p.reason === 'ceiling' || (p.reason === 'saturated' && p.size < ctx.base) || takesShrinkBack(p, ctx)) return p;
  return limitStep(p, ctx.base, p.reason === 'demand' ? Math.max(ctx.maxStep, ctx.base) : ctx.maxStep);
});

export const boundsStage = statelessStage('bounds', (p, ctx) => bound(p, ctx.bounds));
