// The demo daemon's clients: transfers arrive as a Poisson stream at the phase's rate (an
// open loop, like requests to a real daemon: they do not wait for the pool to be ready).
// Each accepted transfer holds one buffer from the buffer pool for its whole life, and runs
// the built-in hash task on the transfer pool: real hashing, then a real blocking wait.
import { PoolError } from '../pool/errors.js';
import type { BufferPool } from '../pool/buffer-pool.js';
import type { WorkerPool } from '../pool/worker-pool.js';
import type { TaskShape } from './phases.js';

/** Seeded uniform numbers in [0, 1) (mulberry32): the same seed gives the same arrivals. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface LoadStats {
  submitted: number;
  completed: number;
  /** refused by a full hand-off queue (the transfer is dropped, as a busy daemon would) */
  refused: number;
  failed: number;
  inFlight: number;
}

export interface LoadOptions {
  pool: WorkerPool;
  buffers: BufferPool;
  random?: () => number;
  now?: () => number;
  /** how often arrivals are released; default 5 ms */
  stepMs?: number;
  /** called for each completed transfer: when it finished and how long it took from arrival */
  onDone?: (doneMs: number, latencyMs: number) => void;
  /** runs one transfer on the pool; default: the pool's built-in hash task */
  run?: (task: TaskShape) => Promise<{ ioMs: number }>;
}

/** Arrivals further behind than this (an event loop stall) are dropped, not released in one go. */
const MAX_LAG_MS = 1000;

export class LoadGenerator {
  private readonly pool: WorkerPool;
  private readonly buffers: BufferPool;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly stepMs: number;
  private readonly onDone: ((doneMs: number, latencyMs: number) => void) | undefined;
  private readonly run: (task: TaskShape) => Promise<{ ioMs: number }>;
  private task: TaskShape = { bytes: 0, rounds: 0, ioMs: 0 };
  private rate = 0;
  private nextArrivalMs = Number.POSITIVE_INFINITY;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly pending = new Set<Promise<void>>();
  private ioMs = 0;
  private readonly counts = { submitted: 0, completed: 0, refused: 0, failed: 0 };

  constructor(options: LoadOptions) {
    this.pool = options.pool;
    this.buffers = options.buffers;
    this.random = options.random ?? seededRandom(1);
    this.now = options.now ?? Date.now;
    this.stepMs = options.stepMs ?? 5;
    this.onDone = options.onDone;
    this.run = options.run ?? ((task) => this.pool.run({ kind: 'hash', ...task }));
  }

  /** From now on, transfers of this shape arrive at this rate (0: none). */
  setLoad(task: TaskShape, ratePerSecond: number): void {
    this.task = task;
    if (ratePerSecond === this.rate) return;
    this.rate = Math.max(0, ratePerSecond);
    // Memoryless arrivals: redrawing the next one at the new rate is exact, not an approximation.
    this.nextArrivalMs = this.rate > 0 ? this.now() + this.gapMs() : Number.POSITIVE_INFINITY;
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.release(), this.stepMs);
  }

  /** Stops arrivals and waits for every accepted transfer to finish (or be dropped by a closing pool). */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.rate = 0;
    this.nextArrivalMs = Number.POSITIVE_INFINITY;
    await Promise.all([...this.pending]);
  }

  stats(): LoadStats {
    return { ...this.counts, inFlight: this.pending.size };
  }

  /** ms spent blocked on I/O by transfers that finished since the last call. */
  takeIoMs(): number {
    const ms = this.ioMs;
    this.ioMs = 0;
    return ms;
  }

  /** Releases every arrival that is due; exported for tests through start(). */
  release(): void {
    const nowMs = this.now();
    if (nowMs - this.nextArrivalMs > MAX_LAG_MS) this.nextArrivalMs = nowMs;
    while (this.nextArrivalMs <= nowMs) {
      this.submit(this.nextArrivalMs);
      this.nextArrivalMs += this.gapMs();
    }
  }

  private gapMs(): number {
    // 1 - random() is in (0, 1]: the log is finite.
    return (-Math.log(1 - this.random()) * 1000) / this.rate;
  }

  private submit(arrivalMs: number): void {
    this.counts.submitted++;
    const buffer = this.buffers.acquire();
    buffer[0] = this.counts.submitted & 0xff; // the transfer's header, so the buffer is really used
    const done = this.run(this.task).then(
      (result) => {
        this.counts.completed++;
        this.ioMs += result.ioMs;
        const doneMs = this.now();
        this.onDone?.(doneMs, doneMs - arrivalMs);
      },
      (err: unknown) => {
        if (err instanceof PoolError && err.code === 'POOL_QUEUE_FULL') this.counts.refused++;
        else this.counts.failed++;
      },
    );
    const tracked = done.finally(() => {
      this.buffers.release(buffer);
      this.pending.delete(tracked);
    });
    this.pending.add(tracked);
  }
}
