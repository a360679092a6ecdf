// The per-pool sample rate limit: a token bucket per pool, counted in samples, not requests,
// so a runaway client cannot flood a pool's loop with batches. The bucket holds at least one
// full batch (SPEC §5 allows 1,000 samples in one POST), and refills at the configured rate.
import { MAX_SAMPLES_PER_BATCH } from '../protocol/index.js';

export interface SampleRate {
  /** the steady rate a pool may report at, in samples per second */
  samplesPerSecond: number;
  /** what a pool may send at once after a quiet spell; raised to one full batch (1,000) if lower */
  burstSamples: number;
}

/** 200 samples/s per pool: a daemon that samples every few ms still fits; a runaway does not. */
export const DEFAULT_SAMPLE_RATE: SampleRate = { samplesPerSecond: 200, burstSamples: MAX_SAMPLES_PER_BATCH };

export interface SampleLimiter {
  /** whether the pool has room for one more sample now (checked before the body is read) */
  hasRoom(pool: string, nowMs: number): boolean;
  /** takes `count` samples from the pool's bucket: 0 when taken, else the ms until they would fit */
  take(pool: string, count: number, nowMs: number): number;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/** Buckets for the known pools only: a name from a URL never creates one. */
export function sampleLimiter(pools: readonly string[], rate: SampleRate): SampleLimiter {
  const perMs = rate.samplesPerSecond / 1000;
  const capacity = Math.max(rate.burstSamples, MAX_SAMPLES_PER_BATCH);
  const buckets = new Map<string, Bucket>();
  for (const p of pools) buckets.set(p, { tokens: capacity, updatedMs: Number.NaN });

  const refill = (pool: string, nowMs: number): Bucket | undefined => {
    const b = buckets.get(pool);
    if (b === undefined) return undefined;
    if (Number.isNaN(b.updatedMs)) b.updatedMs = nowMs;
    // A clock that went backwards adds nothing (and takes nothing).
    const elapsedMs = Math.max(0, nowMs - b.updatedMs);
    b.tokens = Math.min(capacity, b.tokens + elapsedMs * perMs);
    b.updatedMs = nowMs;
    return b;
  };

  return {
    hasRoom(pool, nowMs) {
      const b = refill(pool, nowMs);
      return b !== undefined && b.tokens >= 1;
    },
    take(pool, count, nowMs) {
      const b = refill(pool, nowMs);
      if (b === undefined) return Number.POSITIVE_INFINITY;
      if (b.tokens >= count) {
        b.tokens -= count;
        return 0;
      }
      return perMs > 0 ? Math.ceil((count - b.tokens) / perMs) : Number.POSITIVE_INFINITY;
    },
  };
}
