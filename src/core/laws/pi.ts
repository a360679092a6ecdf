// The default law: a discrete PI controller on the error outside the band (zero inside it).
//
// The proportional term is the move that would put the predicted utilization back on the
// band's violated edge (size * e / edge: utilization scales as 1/size at a fixed load); the
// integral adds a share of the size for an error that persists. When the pool is over the
// band, the queue stall is added to utilization: a full queue is demand that utilization,
// capped at 1, cannot show. Anti-windup: the integral does not grow while the move it asks
// for is clamped (by bounds, step or cooldown), and it is cleared inside the band and on a
// change of sign, so a past error never moves a pool that is in band.
import { defaultMaxStep } from '../bounds.js';
import { bandSide, eraseLaw } from './law.js';
import type { Law, LawContext } from './law.js';

/** Integral gain, per second of error (a tenth of the size per second at an error of 1). */
export const PI_KI_PER_SECOND = 0.1;
/**
 * Time constant of the utilization a shrink is judged on. A grow answers the tick's own
 * utilization (a backlog cannot wait); a shrink, which the shrink cooldown makes slow anyway,
 * answers a 10 s average, so one quiet tick (busy is a whole number of workers) neither
 * proposes a shrink nor sets how far the stabilization window lets the next one go.
 */
export const PI_SHRINK_SMOOTHING_SECONDS = 10;

export interface PiState {
  /** accumulated error-seconds times the gain, as a share of the size */
  integral: number;
  /** sign of the error the integral was built on */
  sign: 1 | -1 | 0;
  /** the smoothed utilization shrinks are judged on (absent: start from this tick's) */
  smoothed?: number;
  /** when this law last proposed a shrink the cooldown let through */
  shrankAtMs?: number;
  /** ticks in a row over the band */
  aboveTicks?: number;
}

/**
 * Within a shrink cooldown of its own shrink, an overload that does not stall the queue must
 * last two ticks before pi grows back: at a small size one worker is a fifth or a tenth of the
 * pool, and a single busy tick would otherwise reverse the shrink. A stalling queue (work is
 * blocked or refused) is answered at once.
 */
function debounced(state: PiState, ctx: LawContext, aboveTicks: number): boolean {
  const recent = state.shrankAtMs !== undefined && ctx.nowMs - state.shrankAtMs < ctx.params.shrinkCooldownMs;
  return recent && (ctx.signals.queueStall ?? 0) === 0 && aboveTicks < 2;
}

export const piLaw: Law<PiState> = {
  name: 'pi',
  features: {
    cooldowns: true,
    guard: true,
    saturationGuard: true,
    backlogFastPath: true,
    shrinkStabilization: true,
    thrashPenalty: true,
  },
  maxStep: (size, params) => params.maxStep ?? defaultMaxStep(size),
  init: () => ({ integral: 0, sign: 0 }),
  step(state, ctx) {
    const { band, size } = ctx;
    const alpha = 1 - Math.exp(-ctx.dtMs / (PI_SHRINK_SMOOTHING_SECONDS * 1000));
    const smoothed = state.smoothed === undefined ? ctx.utilization : state.smoothed + alpha * (ctx.utilization - state.smoothed);
    const fast = bandSide(ctx.utilization, band);
    const aboveTicks = fast > 0 ? (state.aboveTicks ?? 0) + 1 : 0;
    // The next state is built as one of two object literals (see piState), not by spreads:
    // this runs once per pool per period, and spreads of a conditional part cost a few
    // hundred bytes of garbage and a slow copy each time.
    if (fast > 0 && debounced(state, ctx, aboveTicks)) {
      return { state: piState(state.integral, state.sign, smoothed, aboveTicks, state.shrankAtMs), proposal: { size, reason: 'guard' } };
    }
    const side = fast > 0 ? 1 : bandSide(smoothed, band) < 0 ? -1 : 0;
    if (side === 0) return { state: piState(0, 0, smoothed, aboveTicks, state.shrankAtMs), proposal: { size, reason: 'in-band' } };

    const demand = side > 0 ? ctx.utilization + (ctx.signals.queueStall ?? 0) : smoothed;
    const edge = side > 0 ? band.high : band.low;
    const error = demand - edge;
    const base = state.sign === side ? state.integral : 0;

    const relative = error / edge;
    const tentative = quantise(size * (relative + base), side);
    const clamped =
      (side > 0 && (!ctx.canGrow || tentative > ctx.maxStep || size >= ctx.bounds.max)) ||
      (side < 0 && (!ctx.canShrink || -tentative > ctx.maxStep || size <= ctx.bounds.min));
    const integral = clamped ? base : base + (PI_KI_PER_SECOND * error * ctx.dtMs) / 1000;
    const delta = quantise(size * (relative + integral), side);
    return {
      state: piState(integral, side, smoothed, aboveTicks, side < 0 && ctx.canShrink ? ctx.nowMs : state.shrankAtMs),
      proposal: { size: size + delta, reason: side > 0 ? 'above-band' : 'below-band' },
    };
  },
};

/** The law's state, with `shrankAtMs` only once there is one (absent, not undefined). */
function piState(integral: number, sign: 1 | -1 | 0, smoothed: number, aboveTicks: number, shrankAtMs: number | undefined): PiState {
  if (shrankAtMs === undefined) return { integral, sign, smoothed, aboveTicks };
  return { integral, sign, smoothed, aboveTicks, shrankAtMs };
}

/**
 * Whole workers: a grow rounds up (the smallest grow that reaches the edge), a shrink rounds
 * down (the largest shrink that stays inside it); either is at least one worker.
 */
function quantise(raw: number, side: 1 | -1): number {
  if (side > 0) return Math.max(1, Math.ceil(raw - 1e-9));
  return Math.min(-1, -Math.floor(-raw + 1e-9));
}

export const pi = eraseLaw(piLaw);
