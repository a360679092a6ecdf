// The pools' public vocabulary: what a daemon passes in and reads back.
import type { Worker } from 'node:worker_threads';
import type { Sample } from '../protocol/index.js';

export type { Sample };

/** What the client needs from a pool: the pools here, or a daemon's own. */
export interface ResizablePool {
  sample(nowMs?: number): Sample;
  resize(n: number): void;
  readonly size: number;
}

/** A task of your own: `export function fn(arg)` in `module` (absolute path, file: URL or package). */
export interface TaskRef {
  module: string | URL;
  fn: string;
  /** structured-cloneable; a SharedArrayBuffer in it is shared, not copied */
  arg?: unknown;
}

export interface WorkerPoolOptions {
  /** workers to start with; resize() changes it later */
  size: number;
  /** tasks that may wait for a worker; one more is refused with POOL_QUEUE_FULL */
  queueCapacity: number;
  /** epoch ms clock, for sample accounting; default Date.now */
  now?: () => number;
  /** how a worker thread is started; tests replace it, the default runs worker-entry */
  startWorker?: () => Worker;
}

export interface WorkerPoolStats {
  size: number;
  threads: number;
  busy: number;
  queueDepth: number;
  queueCapacity: number;
  completed: number;
  failed: number;
  refused: number;
  /** workers that died without being retired (each one is replaced) */
  workerExits: number;
  lastError: string | null;
}

export interface BufferPoolOptions {
  /** bytes per buffer */
  bufferSize: number;
  /** shards to start with; resize() changes it later */
  shards: number;
  /** free buffers a shard keeps (and is filled with when it starts) */
  shardCapacity: number;
  /** free buffers the fallback keeps for reuse; beyond it a released buffer is left to the GC; default 1024 */
  fallbackCapacity?: number;
  /** epoch ms clock, for sample accounting; default Date.now */
  now?: () => number;
}

export interface BufferPoolStats {
  size: number;
  inUse: number;
  /** shards with at least one buffer out */
  shardsInUse: number;
  acquired: number;
  released: number;
  /** acquisitions that found their shard empty and took from the fallback */
  overflowed: number;
  /** buffers in the fallback's free list */
  fallbackFree: number;
  /** buffers made since start (a measure of the churn the free lists did not absorb) */
  allocated: number;
}
