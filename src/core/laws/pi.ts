// The default law: a discrete PI controller on the error outside the band (zero inside it).
//
// The proportional term is the move that would put the predicted utilization back on the
// band's violated edge (size * e / edge: utilization scales as 1/size at a fixed load); the
// integral adds a share of the size for an error that persists. When the pool is over the
// band, the queue stall is added to utilization: a full queue is demand that utilization,
// capped at 1, cannot show. Anti-windup: the integral does not grow while the move it asks
// for is clamped (by bounds, step, cooldown or any other stage: `settle` takes it back), and
// it is cleared inside the band and on a change of sign, so a past error never moves a pool
// that is in band.
import { defaultMaxStep } from '../bounds.js';
import { ewma } from '../math.js';
import { ceilingStage } from '../stages/ceiling.js';
import { cpuGuardStage } from '../stages/cpu-guard.js';
import { fastCooldownStage } from '../stages/cooldown.js';
import { demandStage } from '../stages/demand.js';
import { guardStage } from '../stages/guard.js';
import { backoffStage, boundsStage, stepStage } from '../stages/limits.js';
import { stabilizationStage } from '../stages/stabilization.js';
import { thrashStage } from '../stages/thrash.js';
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
  /** the integral before this tick's error was added (what `settle` restores when the move was clamped) */
  held?: number;
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
 * An overload that does not stall the queue must last two ticks before pi grows when one tick
 * says little: within a shrink cooldown of its own shrink (at a small size one worker is a fifth
 * or a tenth of the pool, and a single busy tick would otherwise reverse the shrink), and on a
 * tick that left a whole worker to spare (busy <= size - 1: the busy count of a pool of dozens
 * of workers, or of a heavy-tailed load, crosses the band's top on single ticks by chance, and
 * each such grow is held for a shrink cooldown). A full tick or a stalling queue is answered at
 * once, and a growing queue by the demand stage.
 */
function debounced(state: PiState, ctx: LawContext, aboveTicks: number): boolean {
  const recent = state.shrankAtMs !== undefined && ctx.nowMs - state.shrankAtMs < ctx.params.shrinkCooldownMs;
  const spare = ctx.utilization * ctx.size <= ctx.size - 1;
  return (recent || spare) && (ctx.signals.queueStall ?? 0) === 0 && aboveTicks < 2;
}

export const piLaw: Law<PiState> = {
  name: 'pi',
  stages: [demandStage, cpuGuardStage, ceilingStage, stabilizationStage, guardStage, backoffStage, fastCooldownStage, thrashStage, stepStage, boundsStage],
  maxStep: (size, params) => params.maxStep ?? defaultMaxStep(size),
  init: () => ({ integral: 0, sign: 0 }),
  step(state, ctx) {
    const { band, size } = ctx;
    const smoothed = ewma(state.smoothed ?? null, ctx.utilization, ctx.dtMs, PI_SHRINK_SMOOTHING_SECONDS * 1000);
    const fast = bandSide(ctx.utilization, band);
    const aboveTicks = fast > 0 ? (state.aboveTicks ?? 0) + 1 : 0;
    if (fast > 0 && debounced(state, ctx, aboveTicks)) {
      return { state: piState(state.integral, undefined, state.sign, smoothed, aboveTicks, state.shrankAtMs), proposal: { size, reason: 'guard' } };
    }
    const side = fast > 0 ? 1 : bandSide(smoothed, band) < 0 ? -1 : 0;
    if (side === 0) return { state: piState(0, undefined, 0, smoothed, aboveTicks, state.shrankAtMs), proposal: { size, reason: 'in-band' } };

    const demand = side > 0 ? ctx.utilization + (ctx.signals.queueStall ?? 0) : smoothed;
    const edge = side > 0 ? band.high : band.low;
    const error = demand - edge;
    const held = state.sign === side ? state.integral : 0;
    const integral = held + (PI_KI_PER_SECOND * error * ctx.dtMs) / 1000;
    const raw = quantise(size * (error / edge + integral), side);
    // A shrink never puts the utilization it is judged on over the band's top: at a few workers
    // one worker is a third of the pool, wider than the band, and a pool a little under the band
    // is better kept than saturated (3 workers at 58 % would run 2 at 87 %).
    const delta = side > 0 ? raw : Math.max(raw, Math.ceil((demand * size) / band.high - 1e-9) - size);
    if (delta === 0) return { state: piState(held, undefined, side, smoothed, aboveTicks, state.shrankAtMs), proposal: { size, reason: 'below-band' } };
    return {
      state: piState(integral, held, side, smoothed, aboveTicks, state.shrankAtMs),
      proposal: { size: size + delta, reason: side > 0 ? 'above-band' : 'below-band' },
    };
  },
  settle(state, ctx, proposed, final) {
    const clamped = final !== proposed.size && proposed.size !== ctx.size;
    const shrank = final < ctx.size;
    if (!clamped && !shrank) return state;
    const integral = clamped ? (state.held ?? state.integral) : state.integral;
    return piState(integral, state.held, state.sign, state.smoothed, state.aboveTicks, shrank ? ctx.nowMs : state.shrankAtMs);
  },
};

/**
 * The law's state as one object literal of a fixed shape: this runs once per pool per tick,
 * and spreads (or a rest destructuring) of it cost a slow copy and garbage each time.
 */
function piState(
  integral: number,
  held: number | undefined,
  sign: 1 | -1 | 0,
  smoothed: number | undefined,
  aboveTicks: number | undefined,
  shrankAtMs: number | undefined,
): PiState {
  return { integral, held, sign, smoothed, aboveTicks, shrankAtMs };
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
