// The last stages of every law: the failed-grow back-off, the step limit and the hard bounds.
import { clamp } from '../math.js';
import type { Bounds } from '../types.js';
import { hold, statelessStage } from './stage.js';
import type { Proposal } from './stage.js';

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

/** After a grow the daemon did not apply, grows wait failedGrowBackoffMs (the pool keeps its size). */
export const backoffStage = statelessStage('backoff', (p, ctx) => {
  const failed = ctx.moves.failedGrowMs;
  const backedOff = failed !== null && ctx.nowMs < failed + ctx.spec.params.failedGrowBackoffMs;
  return p.size > ctx.base && backedOff ? hold(ctx.base, 'failed-grow') : p;
});

/**
 * At most maxStep a decision; a grow sized from the measured demand may double the pool, and
 * a move to a measured limit goes there at once: a step back to the size the CPUs serve, or a
 * move to a throughput ceiling (back to it, or back up after a step below it that lost throughput).
 */
export const stepStage = statelessStage('step', (p, ctx) => {
  if (p.reason === 'ceiling' || (p.reason === 'saturated' && p.size < ctx.base)) return p;
  return limitStep(p, ctx.base, p.reason === 'demand' ? Math.max(ctx.maxStep, ctx.base) : ctx.maxStep);
});

export const boundsStage = statelessStage('bounds', (p, ctx) => bound(p, ctx.bounds));
