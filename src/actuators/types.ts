// One interface for every way a size reaches the daemon besides the reply, the long poll
// and SSE: apply(decision) -> Promise<Result>. Adapters never throw; a failure is a value.
import type { Decision } from '../core/index.js';

export type ActuationOutcome =
  | { status: 'ok'; pool: string; size: number; attempts: number }
  | { status: 'error'; pool: string; size: number; attempts: number; error: string }
  /** a newer size for the same pool replaced this one before it was delivered */
  | { status: 'superseded'; pool: string; size: number; attempts: number };

/** Told of each failed attempt of an actuator that keeps retrying (to log it). */
export type FailureHook = (failure: { pool: string; size: number; attempts: number; error: string }) => void;

export interface Actuator {
  readonly kind: string;
  apply(decision: Decision, onFailure?: FailureHook): Promise<ActuationOutcome>;
  /**
   * Applies a size at start, with no decision behind it: a config pin or a static size
   * (OC_ADAPTIVE_THREADS=0). Only actuators whose daemon reads a standing value (the file) have it.
   */
  initial?(pool: string, size: number, onFailure?: FailureHook): Promise<ActuationOutcome>;
  /** the daemon reported this size in its samples (a size counts as applied only then) */
  reported?(pool: string, size: number): void;
  /** stops retries; pending work resolves as superseded */
  stop(): void;
}

/** Called once per attempt: actuations_total{pool, result}. */
export type AttemptHook = (pool: string, result: 'ok' | 'error') => void;

/** Only moves of the size in force go out: grow, shrink, pin, unpin that changed the target. */
export function shouldActuate(d: Decision): boolean {
  return d.action !== 'hold' && d.mode !== 'observe' && d.from !== d.to;
}

/** A promise-returning sleep; injected so tests do not wait for real back-offs. */
export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
