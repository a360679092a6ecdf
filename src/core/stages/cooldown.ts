// Grow and shrink cooldowns and the fast paths (docs/design.md): a grow waits for the grow
// cooldown, a shrink for the shrink cooldown (from the pool's start for the first, unless it
// is a measured step back: shrinkWaitSince). Two grows
// may skip the grow cooldown, at most doubling the pool per grow cooldown: the backlog fast
// path (the hand-off queue stayed full for at least BACKLOG_STALL of the period and the last
// grow paid off), and a grow sized from the measured demand (the demand stage's `demand`)
// when the last grow raised throughput in proportion (at least half its size's rise, beyond
// the noise): the workers were the limit and the demand is a measured rate, so there is
// nothing for a cooldown to let settle. A grow that gained less may have met another limit
// (a disk, a lock), which the ceiling stage judges from stays at each size.
import { defineStage, hold } from './stage.js';
import type { Proposal, StageContext } from './stage.js';

/** Backlog fast path: the queue was full for at least this share of the period. */
export const BACKLOG_STALL = 0.5;

export interface CooldownGate {
  growReady: boolean;
  shrinkReady: boolean;
  /** a grow may skip the grow cooldown (backlog fast path), up to this size */
  fastGrowUpTo: number | null;
  /** a `demand` grow may skip the grow cooldown, up to this size (the doubling of the grow window) */
  demandGrowUpTo: number | null;
}

/**
 * A fresh pool's first shrink waits one shrink cooldown from its start, except a step back
 * the CPU guard measured: the pool's own threads wait for the CPUs (classified `cpu-bound`,
 * which takes a few ticks of figures), which is what oversubscription is, not a start-up
 * transient; waiting only keeps the surplus threads and costs every request its run delay.
 * (uWSGI retires a worker only between requests: a step back asked late, on a pool its load
 * keeps busy, may never be applied.) From the first shrink on, the cooldown counts as usual.
 */
function measuredFirstStepBack(p: Proposal, ctx: StageContext): boolean {
  return p.reason === 'saturated' && ctx.moves.shrink === null && ctx.signals.cpu.cpus !== null && ctx.signals.classification === 'cpu-bound';
}

/** When a shrink's wait counts from (the last shrink, or the pool's start), or null when it need not wait. */
export function shrinkWaitSince(p: Proposal, ctx: StageContext): number | null {
  return measuredFirstStepBack(p, ctx) ? null : (ctx.moves.shrink?.atMs ?? ctx.startedMs);
}

export function cooldown(p: Proposal, size: number, gate: CooldownGate): Proposal {
  if (p.size > size) {
    if (gate.growReady) return p;
    if (p.reason === 'demand' && gate.demandGrowUpTo !== null && gate.demandGrowUpTo > size) {
      return { size: Math.min(p.size, gate.demandGrowUpTo), reason: 'demand' };
    }
    if (gate.fastGrowUpTo !== null && gate.fastGrowUpTo > size) {
      return { size: Math.min(p.size, gate.fastGrowUpTo), reason: 'backlog' };
    }
    return hold(size, 'cooldown');
  }
  if (p.size < size && !gate.shrinkReady) return hold(size, 'cooldown');
  return p;
}

/** The size at the start of the current grow window (the fast path at most doubles it). */
export interface GrowWindow {
  size: number;
  sinceMs: number;
  /** the grow this window was last updated from */
  grewAtMs: number | null;
}

/** The grow window after the grows made so far: a grow after the window closed opens a new one at its `from`. */
function growWindow(prev: GrowWindow | null, ctx: StageContext): GrowWindow | null {
  const grow = ctx.moves.grow;
  if (grow === null || (prev !== null && prev.grewAtMs === grow.atMs)) return prev;
  const open = prev !== null && grow.atMs - prev.sinceMs < ctx.spec.params.growCooldownMs;
  return open ? { ...prev, grewAtMs: grow.atMs } : { size: grow.from, sinceMs: grow.atMs, grewAtMs: grow.atMs };
}

export function cooldownGate(p: Proposal, ctx: StageContext, window: GrowWindow | null, fastPath: boolean): CooldownGate {
  const { params } = ctx.spec;
  const lastGrowMs = ctx.moves.grow?.atMs ?? null;
  const growReady = lastGrowMs === null || ctx.nowMs - lastGrowMs >= params.growCooldownMs;
  const shrinkSince = shrinkWaitSince(p, ctx);
  const shrinkReady = shrinkSince === null || ctx.nowMs - shrinkSince >= params.shrinkCooldownMs;
  if (!fastPath) return { growReady, shrinkReady, fastGrowUpTo: null, demandGrowUpTo: null };
  const open = window !== null && ctx.nowMs - window.sinceMs < params.growCooldownMs ? window : null;
  const upTo = 2 * (open !== null ? open.size : ctx.base);
  const backlog = (ctx.signals.queueStall ?? 0) >= BACKLOG_STALL && ctx.probe.lastGrowPaidOff;
  return { growReady, shrinkReady, fastGrowUpTo: backlog ? upTo : null, demandGrowUpTo: ctx.probe.lastGrowScaled ? upTo : null };
}

/** The reference design's cooldowns. */
export const cooldownStage = defineStage<null>({
  name: 'cooldown',
  init: () => null,
  apply: (p, ctx, state) => ({ proposal: cooldown(p, ctx.base, cooldownGate(p, ctx, null, false)), state }),
});

/** The cooldowns with the fast paths (pi). */
export const fastCooldownStage = defineStage<GrowWindow | null>({
  name: 'cooldown',
  init: () => null,
  apply(p, ctx, state) {
    const window = growWindow(state, ctx);
    return { proposal: cooldown(p, ctx.base, cooldownGate(p, ctx, window, true)), state: window };
  },
});
