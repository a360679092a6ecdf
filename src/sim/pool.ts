// The daemon's worker pool in virtual time: a bounded hand-off queue, workers that run each
// task's CPU phase then its blocking I/O phase, and `n` cores shared by the CPU phases in
// flight (processor sharing). The pool reports samples exactly as a daemon would (docs/integration.md).
//
// Processor sharing is event-driven: every CPU phase in flight advances at the same rate, so
// the pool keeps one clock of attained CPU service `served` (ms of CPU each runnable phase has
// received) and a heap of the service level at which each phase ends. Only when the runnable
// count changes does the rate change; the next CPU completion is computed from the heap's top.
import { Device } from './device.js';
import { MinHeap } from './heap.js';
import type { CpuReading, Sample } from '../core/index.js';
import { DEFAULT_STYLE } from './style.js';
import type { DaemonStyle } from './style.js';

export interface Task {
  arrivalMs: number;
  /** CPU work in ms of one whole core */
  cpuMs: number;
  /** blocking I/O in ms */
  ioMs: number;
}

export interface PoolOptions {
  /** cores */
  n: number;
  size: number;
  queueCapacity: number;
  /** context-switch cost c: see cpuRate */
  switchCost: number;
  /** concurrent requests the I/O phase's device serves; default Infinity (a pure delay) */
  deviceSlots?: number;
}

interface Worker {
  phase: 'wait' | 'cpu' | 'io';
  task: Task | null;
  retiring: boolean;
}

/**
 * The speed of each CPU phase in flight when `runnable` threads are runnable on `n` cores:
 * a fair share of the cores, min(1, n/runnable), divided by 1 + c * (runnable - n) / n for the
 * context switches and cache misses of the threads beyond n (c = 0.1: twice as many runnable
 * threads as cores cost 10 % of the cores' work).
 */
export function cpuRate(runnable: number, n: number, c: number): number {
  if (runnable <= n) return 1;
  return n / runnable / (1 + (c * (runnable - n)) / n);
}

/** Time integrals since the last sample, and since the start. */
interface Integrals {
  busyMs: number;
  idleMs: number;
  liveMs: number;
  stallMs: number;
}

export class PoolModel {
  readonly n: number;
  readonly queueCapacity: number;
  readonly switchCost: number;
  /** configured size: workers that are not retiring */
  size: number;
  completed = 0;
  refused = 0;
  started = 0;
  /** queue wait of every task a worker took, ms */
  readonly waits: number[] = [];
  /** arrival to completion of every completed task, ms */
  readonly latencies: number[] = [];
  /** cumulative CPU time of the pool's threads (cores in use), and their time runnable but waiting for a core, ms */
  cpuMs = 0;
  runDelayMs = 0;
  /** totals over the run: worker-ms alive (thread time), configured-size-ms, queue-depth-ms */
  liveTotalMs = 0;
  sizeTotalMs = 0;
  queueTotalMs = 0;
  busyTotalMs = 0;

  private readonly workers = new Set<Worker>();
  private readonly waiting: Worker[] = [];
  private queue: Task[] = [];
  private queueHead = 0;
  private readonly cpu = new MinHeap<Worker>();
  private readonly io: Device<Worker>;
  private served = 0;
  private runnable = 0;
  private busy = 0;
  private inIo = 0;
  private lastMs: number;
  private period: Integrals = { busyMs: 0, idleMs: 0, liveMs: 0, stallMs: 0 };

  constructor(options: PoolOptions, startMs = 0) {
    this.n = options.n;
    this.queueCapacity = options.queueCapacity;
    this.switchCost = options.switchCost;
    this.io = new Device<Worker>(options.deviceSlots ?? Infinity);
    this.size = 0;
    this.lastMs = startMs;
    this.resize(options.size, startMs);
  }

  get queueDepth(): number {
    return this.queue.length - this.queueHead;
  }

  /** live threads: the configured size plus workers retiring after their task */
  get threads(): number {
    return this.workers.size;
  }

  get runnableThreads(): number {
    return this.runnable;
  }

  /** I/O requests waiting for a device slot */
  get deviceWaiting(): number {
    return this.io.waiting;
  }

  /** time of the pool's next event (a CPU or I/O phase ending), Infinity when none */
  nextEventMs(): number {
    const io = this.io.nextMs();
    if (this.runnable === 0) return io;
    const rate = cpuRate(this.runnable, this.n, this.switchCost);
    const cpu = this.lastMs + Math.max(0, this.cpu.peekKey() - this.served) / rate;
    return Math.min(cpu, io);
  }

  /** Moves the clock to `t`, accumulating service and the time integrals. */
  advance(t: number): void {
    const dt = t - this.lastMs;
    if (dt <= 0) return;
    if (this.runnable > 0) {
      this.served += cpuRate(this.runnable, this.n, this.switchCost) * dt;
      // Every core is in use while at least n threads are runnable (switching included);
      // the runnable threads beyond the cores wait on a run queue.
      this.cpuMs += Math.min(this.runnable, this.n) * dt;
      this.runDelayMs += Math.max(0, this.runnable - this.n) * dt;
    }
    const live = this.workers.size;
    const depth = this.queueDepth;
    this.period.busyMs += this.busy * dt;
    this.period.idleMs += (this.waiting.length + this.inIo) * dt;
    this.period.liveMs += live * dt;
    if (depth >= this.queueCapacity) this.period.stallMs += dt;
    this.liveTotalMs += live * dt;
    this.sizeTotalMs += this.size * dt;
    this.queueTotalMs += depth * dt;
    this.busyTotalMs += this.busy * dt;
    this.lastMs = t;
  }

  /** Runs the pool's next event; call at nextEventMs() after advance(). */
  fire(t: number): void {
    const rate = this.runnable > 0 ? cpuRate(this.runnable, this.n, this.switchCost) : 0;
    const cpuAt = this.runnable > 0 ? this.lastMs + Math.max(0, this.cpu.peekKey() - this.served) / rate : Infinity;
    if (cpuAt <= this.io.nextMs()) {
      const key = this.cpu.peekKey();
      const worker = this.cpu.pop() as Worker;
      if (key > this.served) this.served = key; // absorb rounding: this phase is done
      this.runnable -= 1;
      this.toIo(worker, t);
    } else {
      const worker = this.io.complete(t);
      this.inIo -= 1;
      this.finish(worker, t);
    }
  }

  /** A task arrives: an idle worker takes it, else it queues, else (queue full) it is refused. */
  arrive(task: Task, t: number): void {
    const worker = this.waiting.pop();
    if (worker !== undefined) {
      this.start(worker, task, t);
    } else if (this.queueDepth < this.queueCapacity) {
      this.queue.push(task);
    } else {
      this.refused += 1;
    }
  }

  /**
   * The daemon's resize: a grow first keeps workers that were retiring, then adds waiting
   * workers that take a queued task at once; a shrink retires waiting workers now and busy
   * ones after their current task.
   */
  resize(target: number, t: number): void {
    let grow = target - this.size;
    this.size = target;
    if (grow > 0) {
      for (const w of this.workers) {
        if (grow === 0) break;
        if (w.retiring) {
          w.retiring = false;
          grow -= 1;
        }
      }
      for (; grow > 0; grow -= 1) {
        const worker: Worker = { phase: 'wait', task: null, retiring: false };
        this.workers.add(worker);
        this.takeNext(worker, t);
      }
      return;
    }
    let shrink = -grow;
    while (shrink > 0 && this.waiting.length > 0) {
      this.workers.delete(this.waiting.pop() as Worker);
      shrink -= 1;
    }
    for (const w of this.workers) {
      if (shrink === 0) break;
      if (!w.retiring) {
        w.retiring = true;
        shrink -= 1;
      }
    }
  }

  /**
   * The sample a daemon sends at the end of a period (docs/integration.md), in the given
   * style, and a new period begins. `busy` counts a worker from taking a task to finishing it.
   */
  sample(t: number, periodMs: number, style: DaemonStyle = DEFAULT_STYLE): Sample {
    const p = this.period;
    this.period = { busyMs: 0, idleMs: 0, liveMs: 0, stallMs: 0 };
    const span = Math.max(1, periodMs);
    const idle =
      style.report === 'documented'
        ? { idle: p.liveMs > 0 ? Math.min(1, p.idleMs / p.liveMs) : 1 }
        : style.report === 'busy-idle'
          ? { idle: this.size > 0 ? 1 - Math.min(1, p.busyMs / span / this.size) : 1 }
          : {};
    const cpu = style.cpu === 'sample' ? { cpuSeconds: this.cpuMs / 1000, runDelaySeconds: this.runDelayMs / 1000 } : {};
    return {
      ts: t,
      size: this.size,
      busy: Math.min(this.size, Math.round(p.busyMs / span)),
      queueDepth: this.queueDepth,
      queueCapacity: this.queueCapacity,
      queueStall: Math.min(1, p.stallMs / span),
      ...idle,
      completed: this.completed,
      refused: this.refused,
      ...cpu,
    };
  }

  /** What the sidecar reads from the daemon's threads at `t` (the `process` CPU source). */
  cpuReading(t: number): CpuReading {
    return { ts: t, cpuSeconds: this.cpuMs / 1000, runDelaySeconds: this.runDelayMs / 1000, threads: this.size };
  }

  private start(worker: Worker, task: Task, t: number): void {
    this.waits.push(t - task.arrivalMs);
    this.started += 1;
    this.busy += 1;
    worker.task = task;
    if (task.cpuMs > 0) {
      worker.phase = 'cpu';
      this.runnable += 1;
      this.cpu.push(this.served + task.cpuMs, worker);
    } else {
      this.toIo(worker, t);
    }
  }

  private toIo(worker: Worker, t: number): void {
    const task = worker.task as Task;
    if (task.ioMs > 0) {
      worker.phase = 'io';
      this.inIo += 1;
      this.io.submit(worker, task.ioMs, t);
    } else {
      this.finish(worker, t);
    }
  }

  private finish(worker: Worker, t: number): void {
    this.completed += 1;
    this.latencies.push(t - (worker.task as Task).arrivalMs);
    this.busy -= 1;
    worker.task = null;
    worker.phase = 'wait';
    if (worker.retiring) {
      this.workers.delete(worker);
      return;
    }
    this.takeNext(worker, t);
  }

  private takeNext(worker: Worker, t: number): void {
    if (this.queueDepth > 0) {
      const task = this.queue[this.queueHead] as Task;
      this.queueHead += 1;
      if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.queueHead);
        this.queueHead = 0;
      }
      this.start(worker, task, t);
    } else {
      worker.phase = 'wait';
      this.waiting.push(worker);
    }
  }
}
