// The per-pool sample rate limit: a token bucket per pool, counted in samples, not requests,
// so a runaway client cannot flood a pool's loop with batches. The bucket holds at least one
// full batch (docs/integration.md allows 1,000 samples in one POST), and refills at the configured rate.
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
  /** 0 when the pool has room for one more request now (checked before the body is read), else the ms until it has */
  waitMs(pool: string, nowMs: number): number;
  /**
   * Takes `count` samples from the pool's bucket: 0 when taken, else the ms until they would
   * fit. A refused batch closes the pool to new requests (waitMs > 0) until then, so a
   * flood of large batches is refused before parsing, not parsed and then refused.
   */
  take(pool: string, count: number, nowMs: number): number;
  /** the pools after a reload: new ones get a full bucket, removed ones lose theirs */
  setPools(pools: readonly string[]): void;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
  /** no request is parsed before this (a refused batch would not fit before it) */
  closedUntilMs: number;
}

/** Buckets for the known pools only: a name from a URL never creates one. */
export function sampleLimiter(pools: readonly string[], rate: SampleRate): SampleLimiter {
  const perMs = rate.samplesPerSecond / 1000;
  const capacity = Math.max(rate.burstSamples, MAX_SAMPLES_PER_BATCH);
  const buckets = new Map<string, Bucket>();
  const fresh = (): Bucket => ({ tokens: capacity, updatedMs: Number.NaN, closedUntilMs: Number.NEGATIVE_INFINITY });
  for (const p of pools) buckets.set(p, fresh());

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
    waitMs(pool, nowMs) {
      const b = refill(pool, nowMs);
      if (b === undefined) return Number.POSITIVE_INFINITY;
      const untilOpen = Math.max(0, b.closedUntilMs - nowMs);
      const untilToken = b.tokens >= 1 ? 0 : perMs > 0 ? Math.ceil((1 - b.tokens) / perMs) : Number.POSITIVE_INFINITY;
      return Math.max(untilOpen, untilToken);
    },
    take(pool, count, nowMs) {
      const b = refill(pool, nowMs);
      if (b === undefined) return Number.POSITIVE_INFINITY;
      if (b.tokens >= count) {
        b.tokens -= count;
        return 0;
      }
      const retryMs = perMs > 0 ? Math.ceil((count - b.tokens) / perMs) : Number.POSITIVE_INFINITY;
      b.closedUntilMs = nowMs + retryMs;
      return retryMs;
    },
    setPools(next) {
      for (const p of [...buckets.keys()]) if (!next.includes(p)) buckets.delete(p);
      for (const p of next) if (!buckets.has(p)) buckets.set(p, fresh());
    },
  };
}
