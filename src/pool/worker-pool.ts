// A resizable pool of worker threads, the reference a daemon embeds. It obeys resize(n)
// and nothing else: the sizing policy lives in the sidecar, so the pool works the same
// under any law or a pinned size. It counts what the sidecar needs (docs/integration.md samples).
import type { Worker } from 'node:worker_threads';
import type { Sample } from '../core/types.js';
import { PoolError, TaskError } from './errors.js';
import { clamp01, nonNegativeInteger, TimeIntegral, UsageMeter } from './integral.js';
import { isWorkerMessage, toRunMessage } from './protocol.js';
import type { RunMessage, WorkerMessage } from './protocol.js';
import type { BuiltinResult, BuiltinTask } from './tasks.js';
import type { ResizablePool, TaskRef, WorkerPoolOptions, WorkerPoolStats } from './types.js';
import { startWorker } from './worker-script.js';

interface Job {
  message: RunMessage;
  resolve(value: unknown): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  job: Job | undefined;
  /** takes no new task; exits when its current one is done */
  retiring: boolean;
  /** terminate() was called: the exit that follows is expected */
  terminating: boolean;
  /** the worker script loaded; a worker that dies before this is not respawned */
  ready: boolean;
  error: Error | undefined;
}

export class WorkerPool implements ResizablePool {
  readonly queueCapacity: number;
  private readonly now: () => number;
  private readonly spawnWorker: () => Worker;
  private readonly slots = new Set<Slot>();
  private readonly queue: Job[] = [];
  private readonly settleWaiters: Array<() => void> = [];
  private nextId = 1;
  private closed = false;
  private completed = 0;
  private failed = 0;
  private refused = 0;
  private workerExits = 0;
  private lastError: string | null = null;
  private lastSampleMs: number;
  private readonly usage: UsageMeter;
  private readonly fullTime: TimeIntegral;

  constructor(options: WorkerPoolOptions) {
    const size = nonNegativeInteger('size', options.size);
    this.queueCapacity = nonNegativeInteger('queueCapacity', options.queueCapacity);
    this.now = options.now ?? Date.now;
    this.spawnWorker = options.startWorker ?? startWorker;
    const t = this.now();
    this.lastSampleMs = t;
    this.usage = new UsageMeter(t);
    this.fullTime = new TimeIntegral(0, t);
    for (let i = 0; i < size; i++) this.spawn();
    this.track();
  }

  /** Workers that take tasks: the size the pool was last told (less any that failed to start). */
  get size(): number {
    let n = 0;
    for (const slot of this.slots) if (!slot.retiring) n++;
    return n;
  }

  /** Threads alive, including retiring ones still finishing a task. */
  get threads(): number {
    return this.slots.size;
  }

  get busy(): number {
    let n = 0;
    for (const slot of this.slots) if (slot.job) n++;
    return n;
  }

  get queueDepth(): number {
    return this.queue.length;
  }

  /** Runs a task on a worker; rejects with POOL_QUEUE_FULL when no worker and no queue slot is free. */
  run<T extends BuiltinTask>(task: T): Promise<BuiltinResult<T>>;
  run<R = unknown>(task: TaskRef): Promise<R>;
  run(task: BuiltinTask | TaskRef): Promise<unknown> {
    if (this.closed) return Promise.reject(new PoolError('POOL_CLOSED', 'the worker pool is closed'));
    const message = toRunMessage(this.nextId++, task);
    return new Promise<unknown>((resolve, reject) => {
      const job: Job = { message, resolve, reject };
      const slot = this.idleSlot();
      if (slot) {
        this.start(slot, job);
      } else if (this.queue.length < this.queueCapacity) {
        this.queue.push(job);
      } else {
        this.refused++;
        reject(new PoolError('POOL_QUEUE_FULL', `worker pool queue is full: ${this.queue.length} of ${this.queueCapacity} waiting, ${this.busy} of ${this.size} workers busy`));
      }
      this.track();
    });
  }

  /**
   * Obeys: n workers take tasks from now on. Grow starts workers that wait for work; shrink
   * retires idle workers now and busy ones after their current task (never cancels one).
   */
  resize(n: number): void {
    nonNegativeInteger('size', n);
    if (this.closed) throw new PoolError('POOL_CLOSED', 'the worker pool is closed');
    let active = this.size;
    if (n > active) {
      // A retiring worker still running its task is taken back before a new thread is started.
      for (const slot of this.slots) {
        if (active >= n) break;
        if (slot.retiring && !slot.terminating) {
          slot.retiring = false;
          active++;
        }
      }
      for (; active < n; active++) this.spawn();
    } else if (n < active) {
      let excess = active - n;
      for (const slot of this.slots) {
        if (excess === 0) break;
        if (!slot.retiring && !slot.job) {
          slot.retiring = true;
          this.endThread(slot);
          excess--;
        }
      }
      for (const slot of this.slots) {
        if (excess === 0) break;
        if (!slot.retiring) {
          slot.retiring = true;
          excess--;
        }
      }
    }
    this.dispatch();
    this.track();
  }

  /** Resolves once every retiring worker has exited (threads === size). */
  whenSettled(): Promise<void> {
    if (this.threads === this.size) return Promise.resolve();
    return new Promise((resolve) => this.settleWaiters.push(resolve));
  }

  /** The docs/integration.md sample over the period since the previous call (or since construction). */
  sample(nowMs: number = this.now()): Sample {
    this.track(nowMs);
    const periodMs = nowMs - this.lastSampleMs;
    const { busyMean, idle } = this.usage.take(nowMs, periodMs);
    const fullArea = this.fullTime.take(nowMs);
    const queueStall = periodMs > 0 ? fullArea / periodMs : this.fullTime.current;
    this.lastSampleMs = Math.max(this.lastSampleMs, nowMs);
    const size = this.size;
    return {
      ts: nowMs,
      size,
      // Retiring workers finishing a task are busy but no longer part of size; the protocol wants busy <= size.
      busy: Math.min(size, Math.max(0, Math.round(busyMean))),
      queueDepth: this.queue.length,
      queueCapacity: this.queueCapacity,
      queueStall: clamp01(queueStall),
      idle,
      completed: this.completed,
    };
  }

  stats(): WorkerPoolStats {
    return {
      size: this.size,
      threads: this.threads,
      busy: this.busy,
      queueDepth: this.queue.length,
      queueCapacity: this.queueCapacity,
      completed: this.completed,
      failed: this.failed,
      refused: this.refused,
      workerExits: this.workerExits,
      lastError: this.lastError,
    };
  }

  /** Refuses new tasks, drops queued ones (POOL_CLOSED), lets running ones finish, then ends every thread. */
  close(): Promise<void> {
    this.shutDown(false);
    return this.whenSettled();
  }

  /** Like close(), but running tasks are cut short (they reject with WORKER_EXITED). */
  terminate(): Promise<void> {
    this.shutDown(true);
    return this.whenSettled();
  }

  private shutDown(force: boolean): void {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new PoolError('POOL_CLOSED', 'the worker pool closed before the task started'));
    for (const slot of this.slots) {
      slot.retiring = true;
      if (force || !slot.job) this.endThread(slot);
    }
    this.track();
  }

  private spawn(): void {
    const worker = this.spawnWorker();
    const slot: Slot = { worker, job: undefined, retiring: false, terminating: false, ready: false, error: undefined };
    worker.on('message', (msg: unknown) => {
      if (isWorkerMessage(msg)) this.onMessage(slot, msg);
    });
    worker.on('error', (err: Error) => {
      slot.error = err;
      this.lastError = err.message;
    });
    worker.on('exit', (code: number) => this.onExit(slot, code));
    this.slots.add(slot);
  }

  private endThread(slot: Slot): void {
    slot.terminating = true;
    void slot.worker.terminate();
  }

  private idleSlot(): Slot | undefined {
    for (const slot of this.slots) if (!slot.job && !slot.retiring) return slot;
    return undefined;
  }

  private start(slot: Slot, job: Job): void {
    slot.job = job;
    try {
      slot.worker.postMessage(job.message);
    } catch (err) {
      // The argument could not be cloned: the caller's mistake, the worker stays idle.
      slot.job = undefined;
      job.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const slot = this.idleSlot();
      if (!slot) return;
      const job = this.queue.shift();
      if (job) this.start(slot, job);
    }
  }

  private onMessage(slot: Slot, msg: WorkerMessage): void {
    if (msg.type === 'ready') {
      slot.ready = true;
      return;
    }
    const job = slot.job;
    if (!job || job.message.id !== msg.id) return;
    slot.job = undefined;
    this.completed++;
    if (msg.ok) {
      job.resolve(msg.value);
    } else {
      this.failed++;
      job.reject(new TaskError(msg.error.name, msg.error.message, msg.error.stack));
    }
    if (slot.retiring) this.endThread(slot);
    else this.dispatch();
    this.track();
  }

  private onExit(slot: Slot, code: number): void {
    this.slots.delete(slot);
    const job = slot.job;
    if (job) {
      slot.job = undefined;
      this.completed++;
      this.failed++;
      const why = slot.error ? `: ${slot.error.message}` : '';
      job.reject(new PoolError('WORKER_EXITED', `worker exited with code ${code} while running ${job.message.fn}${why}`));
    }
    if (!slot.terminating) {
      this.workerExits++;
      this.lastError = slot.error?.message ?? `worker exited with code ${code}`;
      // Replace a worker that died so the pool keeps its size; one that never loaded its
      // script is a broken install, and respawning it would loop forever.
      if (!slot.retiring && !this.closed && slot.ready) this.spawn();
    }
    this.dispatch();
    this.track();
    if (this.threads === this.size) for (const wake of this.settleWaiters.splice(0)) wake();
  }

  /** Re-states the integrated quantities; called after every change of state. */
  private track(nowMs: number = this.now()): void {
    // Retiring threads count as capacity while they finish: their busy time is in busy.
    this.usage.set(this.busy, this.threads, nowMs);
    // "At capacity" = a submit now would be refused (with queueCapacity 0: no idle worker).
    this.fullTime.set(this.queue.length >= this.queueCapacity && !this.idleSlot() && !this.closed ? 1 : 0, nowMs);
  }
}
