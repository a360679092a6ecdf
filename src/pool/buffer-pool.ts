// A sharded pool of fixed-size buffers whose shard count the sidecar sizes (a `buffer`
// pool in docs/operator-guide.md). Each shard keeps a bounded free list; an acquisition that finds its
// shard empty overflows to a shared fallback, and that overflow rate is the pool's
// queueStall. Like WorkerPool it obeys resize(n) and holds no sizing policy.
import type { Sample } from '../core/types.js';
import { PoolError } from './errors.js';
import { clamp01, nonNegativeInteger, UsageMeter } from './integral.js';
import type { BufferPoolOptions, BufferPoolStats, ResizablePool } from './types.js';

interface Shard {
  free: Buffer[];
  /** buffers acquired through this shard and not yet released */
  out: number;
  retired: boolean;
}

export class BufferPool implements ResizablePool {
  readonly bufferSize: number;
  readonly shardCapacity: number;
  readonly fallbackCapacity: number;
  private readonly now: () => number;
  private readonly shards: Shard[] = [];
  private readonly fallback: Buffer[] = [];
  /** every buffer in use, and the shard it was acquired through (null: there was no shard) */
  private readonly inUse = new Map<Buffer, Shard | null>();
  private nextShard = 0;
  private acquired = 0;
  private released = 0;
  private overflowed = 0;
  private allocated = 0;
  private periodAcquired = 0;
  private periodOverflowed = 0;
  private lastSampleMs: number;
  private readonly usage: UsageMeter;

  constructor(options: BufferPoolOptions) {
    this.bufferSize = nonNegativeInteger('bufferSize', options.bufferSize);
    this.shardCapacity = nonNegativeInteger('shardCapacity', options.shardCapacity);
    this.fallbackCapacity = nonNegativeInteger('fallbackCapacity', options.fallbackCapacity ?? 1024);
    this.now = options.now ?? Date.now;
    this.lastSampleMs = this.now();
    this.usage = new UsageMeter(this.lastSampleMs);
    this.resize(nonNegativeInteger('shards', options.shards));
  }

  get size(): number {
    return this.shards.length;
  }

  /** Buffers handed out and not yet released, including those of retired shards. */
  get buffersInUse(): number {
    return this.inUse.size;
  }

  /**
   * A buffer of bufferSize bytes (contents are not cleared). `hint` picks the shard (e.g. a
   * connection id, so one connection keeps to one shard); without it shards take turns.
   */
  acquire(hint?: number): Buffer {
    const shard = this.pickShard(hint);
    let buffer = shard?.free.pop();
    if (!buffer) {
      this.overflowed++;
      this.periodOverflowed++;
      buffer = this.fallback.pop() ?? this.allocate();
    }
    if (shard) shard.out++;
    this.inUse.set(buffer, shard ?? null);
    this.acquired++;
    this.periodAcquired++;
    this.track();
    return buffer;
  }

  /** Gives a buffer back: to its shard when that shard is live and has room, else to the fallback. */
  release(buffer: Buffer): void {
    const shard = this.inUse.get(buffer);
    if (shard === undefined) {
      throw new PoolError('BUFFER_NOT_IN_USE', 'release() of a buffer this pool did not hand out, or released twice');
    }
    this.inUse.delete(buffer);
    this.released++;
    if (shard) shard.out--;
    if (shard && !shard.retired && shard.free.length < this.shardCapacity) shard.free.push(buffer);
    else this.toFallback(buffer);
    this.track();
  }

  /**
   * Obeys: n shards from now on. A new shard starts full (from the fallback first); a retired
   * shard drains its free buffers into the fallback, and its buffers still in use go there
   * when released. Nothing in use is ever freed or handed out twice.
   */
  resize(n: number): void {
    nonNegativeInteger('shards', n);
    while (this.shards.length < n) {
      const free: Buffer[] = [];
      while (free.length < this.shardCapacity) free.push(this.fallback.pop() ?? this.allocate());
      this.shards.push({ free, out: 0, retired: false });
    }
    while (this.shards.length > n) {
      const shard = this.shards.pop();
      if (!shard) break;
      shard.retired = true;
      for (const buffer of shard.free.splice(0)) this.toFallback(buffer);
    }
    this.track();
  }

  /** The docs/integration.md sample over the period since the previous call: busy = shards in use, queueStall = overflow rate. */
  sample(nowMs: number = this.now()): Sample {
    this.track(nowMs);
    const periodMs = nowMs - this.lastSampleMs;
    const { busyMean, idle } = this.usage.take(nowMs, periodMs);
    const queueStall = this.periodAcquired > 0 ? this.periodOverflowed / this.periodAcquired : 0;
    this.lastSampleMs = Math.max(this.lastSampleMs, nowMs);
    this.periodAcquired = 0;
    this.periodOverflowed = 0;
    const size = this.shards.length;
    // No hand-off queue here, so queueDepth and queueCapacity are left out rather than faked.
    return {
      ts: nowMs,
      size,
      busy: Math.min(size, Math.max(0, Math.round(busyMean))),
      queueStall: clamp01(queueStall),
      idle,
      // A buffer's use completes when it is released: releases are the pool's throughput.
      completed: this.released,
    };
  }

  stats(): BufferPoolStats {
    return {
      size: this.shards.length,
      inUse: this.inUse.size,
      shardsInUse: this.shardsInUse(),
      acquired: this.acquired,
      released: this.released,
      overflowed: this.overflowed,
      fallbackFree: this.fallback.length,
      allocated: this.allocated,
    };
  }

  private pickShard(hint: number | undefined): Shard | undefined {
    const count = this.shards.length;
    if (count === 0) return undefined;
    const index = hint !== undefined && Number.isFinite(hint) ? Math.abs(Math.trunc(hint)) % count : this.nextShard++ % count;
    if (this.nextShard >= count) this.nextShard = 0;
    return this.shards[index];
  }

  private allocate(): Buffer {
    this.allocated++;
    // allocUnsafeSlow: a pooled buffer lives long, so it must not pin a shared 8 KiB slab.
    return Buffer.allocUnsafeSlow(this.bufferSize);
  }

  private toFallback(buffer: Buffer): void {
    // Past fallbackCapacity a free buffer is left to the GC: it is not in use, so that is safe.
    if (this.fallback.length < this.fallbackCapacity) this.fallback.push(buffer);
  }

  private shardsInUse(): number {
    let n = 0;
    for (const shard of this.shards) if (shard.out > 0) n++;
    return n;
  }

  private track(nowMs: number = this.now()): void {
    this.usage.set(this.shardsInUse(), this.shards.length, nowMs);
  }
}
