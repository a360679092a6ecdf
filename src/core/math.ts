// The small numeric rules the core, its laws and the simulator share, each in one place:
// the EWMA's weight for an uneven time step, the mean and sum, clamping and the seeded generator.
import { mean as ssMean, sum as ssSum } from 'simple-statistics';

/**
 * The weight of a new value in an exponentially weighted average with time constant `tauMs`
 * after `dtMs` (alpha = 1 - e^(-dt/tau)), so a late or early value weighs by the real time
 * it covers. A time constant of 0 keeps only the newest value.
 */
export function ewmaAlpha(dtMs: number, tauMs: number): number {
  if (tauMs <= 0) return 1;
  if (dtMs <= 0) return 0;
  return 1 - Math.exp(-dtMs / tauMs);
}

/** One EWMA step: `prev` moved toward `value` by the weight of `dtMs` (null `prev`: start at `value`). */
export function ewma(prev: number | null, value: number, dtMs: number, tauMs: number): number {
  if (prev === null) return value;
  return prev + ewmaAlpha(dtMs, tauMs) * (value - prev);
}

/** The arithmetic mean (simple-statistics'); an empty list has none. */
export function mean(values: readonly number[]): number {
  return ssMean(values as number[]);
}

/** The sum (simple-statistics', compensated); an empty list sums to 0. */
export function sum(values: readonly number[]): number {
  return ssSum(values as number[]);
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/**
 * One step of mulberry32 (Tommy Ettinger's 32-bit generator): a uniform number in [0, 1)
 * and the next state. Pure, so a law can keep its generator's state in its own state; the
 * simulator wraps it in a stateful generator.
 */
export function mulberry32Step(state: number): { unit: number; state: number } {
  const next = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(next ^ (next >>> 15), 1 | next);
  t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
  return { unit: ((t ^ (t >>> 14)) >>> 0) / 4294967296, state: next };
}
