// Demand feed-forward (docs/design.md): when the demand is measured (completions plus
// refusals per second, plus the queue's growth) and so is the busy time per task, Little's law gives the busy workers
// that serve it (demand x busy seconds per task), and the size that keeps them at the band's
// middle. A grow may go straight there instead of a step at a time, at most doubling the
// pool (the step stage lets a `demand` grow through up to that), and never past the size the
// CPUs serve when the CPU is measured, nor past the static size with no CPU evidence at all.
// It comes before the CPU guard, which holds it like any grow. Without the evidence a grow
// is the law's own.
import { cpuServedSize } from '../cpu-rules.js';
import { mean, sum } from '../math.js';
import { defineStage } from './stage.js';
import type { Proposal, StageContext } from './stage.js';

/**
 * The work offered per second: the demand signal (completions plus refusals) or, without
 * refusals, the completions, plus the queue's growth; null when neither tells more than throughput.
 * A draining queue's drain comes off: the tasks served from the backlog were offered before, and
 * counted then in its growth (counted again, a drain after a grow reads as more load than came,
 * and the grow cooldown's mean carries it into the next grow).
 */
export function offered(ctx: StageContext): number | null {
  const { demand, throughput, queueGrowth } = ctx.signals;
  if (queueGrowth === null) return demand;
  const base = demand ?? throughput;
  return base === null ? null : Math.max(0, base + queueGrowth);
}

/** A tick's busy workers and completions per second: the evidence of the busy time per task. */
export interface TickWork {
  busy: number;
  throughput: number;
}

/**
 * The tasks the busy time per task and this tick's offered work rest on, at least, when the last
 * grow cooldown's ticks have them: a tick with a handful of completions or arrivals (long tasks,
 * a slow pool) swings with their Poisson count, by half for 4 (a probe of 2-3 s requests at
 * 3.5/s read 3.9 s a task in a tick of 2 completions, and a tick of 6 arrivals, and the demand
 * doubled the pool past its need).
 */
export const MIN_TASKS = 20;

/**
 * The latest of `ticks` (oldest first, this one last) back until they hold MIN_TASKS tasks
 * (`tasks`: a tick's per second), or all of them.
 */
function latestHolding<T>(ticks: readonly T[], tasks: (tick: T) => number, periodSeconds: number): readonly T[] {
  let held = 0;
  let from = ticks.length;
  while (from > 0 && held * periodSeconds < MIN_TASKS) held += tasks(ticks[--from] as T);
  return ticks.slice(from);
}

/**
 * The busy time per task from this tick back, over as few of `work`'s ticks as hold MIN_TASKS
 * completions: busy worker-seconds over completions, a ratio of sums (Little's law over the
 * span). A pool that completes MIN_TASKS a tick is read on its tick alone.
 */
export function pooledBusyPerTask(work: readonly TickWork[], periodSeconds: number): number | null {
  const span = latestHolding(work, (w) => w.throughput, periodSeconds);
  const done = sum(span.map((w) => w.throughput));
  return done > 0 ? sum(span.map((w) => w.busy)) / done : null;
}

/**
 * The size that serves the measured demand at the band's middle, or null without the evidence.
 * The demand is this tick's (the last ticks' mean until they hold MIN_TASKS), or the mean over
 * the last grow cooldown when that is higher (one tick's Poisson count can fall short of the
 * load a step brought). `recent`: the last grow cooldown's offered work, this tick's last.
 * `perTask`: the busy time per task (default the tick's own).
 */
export function demandSize(ctx: StageContext, recent: readonly number[] = [], now: number | null = offered(ctx), busyPerTask: number | null = ctx.signals.busyPerTask): number | null {
  const { throughput } = ctx.signals;
  if (now === null || busyPerTask === null || throughput === null) return null;
  const seconds = ctx.spec.params.periodMs / 1000;
  // A tick of a handful of arrivals is no more than their Poisson count: the last ticks' that hold MIN_TASKS stand for it.
  const tick = now * seconds >= MIN_TASKS || recent.length === 0 ? now : mean(latestHolding(recent, (o) => o, seconds));
  const demand = recent.length > 0 ? Math.max(tick, mean(recent)) : now;
  if (demand <= throughput) return null;
  const { band } = ctx.spec.params;
  return Math.ceil((demand * busyPerTask) / ((band.low + band.high) / 2) - 1e-9);
}

/** `now`: this tick's offered work (the stage computes it once a tick); `perTask`: the busy time per task (pooledBusyPerTask). */
export function demandGrow(p: Proposal, ctx: StageContext, recent: readonly number[] = [], now: number | null = offered(ctx), perTask: number | null = ctx.signals.busyPerTask): Proposal {
  if (p.size <= ctx.base) return queueLed(p, ctx, now, perTask);
  const wanted = demandSize(ctx, recent, now, perTask);
  if (wanted === null) return p;
  if (wanted > p.size) {
    const { size, cap } = reachable(wanted, p.size, ctx);
    // Past the law's own grow, or at it by the demand's own doubling (not by a cap at the law's
    // size), the move is the demand's: the step stage lets it double the pool.
    if (size > p.size || (size === p.size && cap > p.size)) return { size, reason: 'demand' };
  }
  // The law asks for as much as the demand needs, or more than the demand may reach in one
  // move: the step stage would cut the law's own grow to maxStep, so the demand's reach (never
  // past the law's size) goes through when it is the larger move.
  const reach = reachable(Math.min(wanted, p.size), ctx.base, ctx).size;
  return reach > ctx.base + ctx.maxStep ? { size: reach, reason: 'demand' } : p;
}

/**
 * How far a demand grow to `wanted` may go from `base`, at least to `floor`: at most doubling.
 * Measured CPU bounds the jump at the size the CPUs serve; with no CPU evidence at all (no
 * figure, no idle that tells blocked from computing) it goes no further than the static size,
 * the one size trusted without evidence: above it only the law's steps probe.
 */
function reachable(wanted: number, floor: number, ctx: StageContext): { size: number; cap: number } {
  const { cpu, idleInformative } = ctx.signals;
  const served = cpu.cpus === null ? null : cpuServedSize(cpu, ctx.spec.n);
  const cap = served !== null ? Math.max(served, floor) : idleInformative ? Number.POSITIVE_INFINITY : Math.max(ctx.staticSize, floor);
  return { size: Math.min(wanted, 2 * ctx.base, cap), cap };
}

/**
 * The law answers the period's utilization, which a load that arrived late in the period has
 * not raised yet; the queue's growth has. When this tick's demand, the queue's growth in it,
 * would keep more than the band's top of the pool busy, by more than twice the Poisson noise
 * of the tick's arrivals, the demand starts the grow itself (at least one worker).
 */
function queueLed(p: Proposal, ctx: StageContext, now: number | null, busyPerTask: number | null): Proposal {
  const { queueGrowth } = ctx.signals;
  if (queueGrowth === null || queueGrowth <= 0 || now === null || busyPerTask === null) return p;
  const seconds = ctx.spec.params.periodMs / 1000;
  const excess = now - (ctx.spec.params.band.high * ctx.base) / busyPerTask;
  if (excess * seconds <= 2 * Math.sqrt(now * seconds)) return p;
  const wanted = Math.max(demandSize(ctx, [], now, busyPerTask) ?? 0, ctx.base + 1);
  return { size: reachable(wanted, ctx.base + 1, ctx).size, reason: 'demand' };
}

/** `recent` and this tick's `value` (when there is one): the last grow cooldown's ticks. */
function lastCooldown<T>(recent: readonly T[], ctx: StageContext, value: T | null): readonly T[] {
  if (value === null) return recent;
  const keep = Math.max(1, Math.round(ctx.spec.params.growCooldownMs / ctx.spec.params.periodMs));
  return recent.length < keep ? recent.concat(value) : recent.slice(recent.length - keep + 1).concat(value);
}

/** The offered work of the last grow cooldown's ticks (this one included), the demand's own state. */
export function recentOffered(recent: readonly number[], ctx: StageContext, value: number | null = offered(ctx)): readonly number[] {
  return lastCooldown(recent, ctx, value);
}

/** The demand stage's state: the last grow cooldown's offered work, and its ticks' busy workers and completions. */
export interface DemandState {
  offered: readonly number[];
  work: readonly TickWork[];
}

export const demandStage = defineStage<DemandState>({
  name: 'demand',
  init: () => ({ offered: [], work: [] }),
  apply(p, ctx, state) {
    const now = offered(ctx);
    const recent = recentOffered(state.offered, ctx, now);
    const { busy, throughput } = ctx.signals;
    // A tick without both figures has no busy time per task, as the signal has none.
    const tick = busy !== null && throughput !== null ? { busy, throughput } : null;
    const work = lastCooldown(state.work, ctx, tick);
    const perTask = tick === null ? null : pooledBusyPerTask(work, ctx.spec.params.periodMs / 1000);
    return { proposal: demandGrow(p, ctx, recent, now, perTask), state: { offered: recent, work } };
  },
});
