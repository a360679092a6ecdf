// The demo daemon: what a real daemon embeds. Two pools (a WorkerPool `transfer` and a
// BufferPool `buffer`), each reported to the sidecar by its own SidecarClient every period,
// each resized to the target of the reply; and a load generator that keeps them working.
// It knows nothing of laws: it reports, and it obeys.
import { SidecarClient } from '../client/index.js';
import type { ClientLogger, Sample, SampleSource, TickResult } from '../client/index.js';
import { staticSize } from '../core/index.js';
import { BufferPool } from '../pool/buffer-pool.js';
import { WorkerPool } from '../pool/worker-pool.js';
import { LoadGenerator, seededRandom } from './load.js';
import { MAX_DEMO_THREADS, TransferSource } from './report.js';
import type { DaemonCpu, ReportStyle } from './report.js';
import type { TaskShape } from './phases.js';
import { ThreadCpuTally } from './thread-cpu.js';
import { TRANSFER_THREAD_NAME } from './transfer-task.js';
import type { TransferArg, TransferResult } from './transfer-task.js';

/** The task module the transfer threads run (./transfer-task.ts, or .js once compiled; tsx maps one to the other). */
const TRANSFER_TASK_MODULE = new URL('./transfer-task.js', import.meta.url);

export { DAEMON_CPU, MAX_DEMO_THREADS, REPORT_STYLES, TransferSource } from './report.js';
export type { DaemonCpu, ReportStyle } from './report.js';

export interface PoolReport {
  ts: number;
  pool: string;
  /** what the client's tick did: posted, failed, skipped-* */
  result: TickResult;
  /** the pool's size after the reply was applied */
  size: number;
  /** the target of this period's reply, or null when there was none */
  target: number | null;
  connected: boolean;
  /** transfers completed so far (the transfer pool) or buffers released (the buffer pool) */
  completed: number;
}

export interface DaemonOptions {
  sidecarUrl: string;
  /** n: sizes the pools start at (the static n*2) */
  cpus: number;
  periodMs: number;
  /** hand-off queue of the transfer pool; default 64 */
  queueCapacity?: number;
  /** the client's longest back-off while the sidecar is down; default 5 periods */
  maxBackoffMs?: number;
  seed?: number;
  logger?: ClientLogger;
  /** one report per pool per period */
  onReport?: (report: PoolReport) => void;
  onDone?: (doneMs: number, latencyMs: number) => void;
  now?: () => number;
  /** how the transfer pool's samples fill idle; default documented */
  report?: ReportStyle;
  /** the CPU figure the transfer pool's samples carry; default none */
  cpu?: DaemonCpu;
}

/** A buffer pool whose size the client reads (the shard count). */
class BufferSource implements SampleSource {
  constructor(private readonly buffers: BufferPool) {}
  get size(): number {
    return this.buffers.size;
  }
  sample(): Sample {
    return this.buffers.sample();
  }
  resize(n: number): void {
    this.buffers.resize(n);
  }
}

export class DemoDaemon {
  readonly transfer: WorkerPool;
  readonly buffers: BufferPool;
  readonly load: LoadGenerator;
  private readonly sources: SampleSource[];
  private readonly clients: { client: SidecarClient; size: () => number }[];
  private readonly options: DaemonOptions;
  private timer: ReturnType<typeof setInterval> | undefined;
  private starting = false;
  private readonly ticks = new Set<Promise<void>>();
  private readonly tally = new ThreadCpuTally();
  readonly report: ReportStyle;
  readonly cpu: DaemonCpu;

  constructor(options: DaemonOptions) {
    this.options = options;
    this.report = options.report ?? 'documented';
    this.cpu = options.cpu ?? 'none';
    const n = options.cpus;
    this.transfer = new WorkerPool({ size: Math.min(staticSize('transfer', n), MAX_DEMO_THREADS), queueCapacity: options.queueCapacity ?? 64 });
    this.buffers = new BufferPool({ bufferSize: 64 * 1024, shards: staticSize('buffer', n), shardCapacity: 4 });
    this.load = new LoadGenerator({
      pool: this.transfer,
      buffers: this.buffers,
      random: seededRandom(options.seed ?? 1),
      ...(options.now ? { now: options.now } : {}),
      ...(options.onDone ? { onDone: options.onDone } : {}),
      run: (task) => this.runTransfer(task),
    });
    const common = {
      baseUrl: options.sidecarUrl,
      periodMs: options.periodMs,
      timeoutMs: Math.max(500, options.periodMs * 2),
      maxBackoffMs: options.maxBackoffMs ?? options.periodMs * 5,
      ...(options.logger ? { logger: options.logger } : {}),
    };
    const transfer = new TransferSource(this.transfer, { report: this.report, cpu: this.cpu, takeIoMs: () => this.load.takeIoMs(), tally: this.tally });
    this.sources = [transfer, new BufferSource(this.buffers)];
    this.clients = this.sources.map((source, i) => ({
      client: new SidecarClient({ ...common, pool: i === 0 ? 'transfer' : 'buffer', source }),
      size: () => (i === 0 ? this.transfer.size : this.buffers.size),
    }));
  }

  /**
   * Waits until every worker thread has loaded (so the first period the sidecar sees is not
   * thread start-up, which it would read as low throughput), then starts the load and the
   * report loop (the clients' ticks, driven here so each reply is seen).
   */
  async start(): Promise<void> {
    if (this.timer !== undefined || this.starting) return;
    this.starting = true;
    const size = this.transfer.size;
    await Promise.all(Array.from({ length: size }, () => this.runTransfer({ bytes: 0, rounds: 0, ioMs: 0 })));
    // The next samples cover the time from here (and I/O from here counts against it).
    for (const source of this.sources) source.sample();
    this.load.start();
    this.timer = setInterval(() => {
      for (const c of this.clients) this.tickClient(c);
    }, this.options.periodMs);
  }

  /** Stops reporting and the load, lets accepted transfers finish, then ends the threads. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all(this.clients.map((c) => c.client.stop()));
    await Promise.all([...this.ticks]);
    await this.load.stop();
    await this.transfer.close();
  }

  /** One transfer on the pool: the task names its thread, and reads its CPU when the samples carry it. */
  private async runTransfer(task: TaskShape): Promise<TransferResult> {
    const arg: TransferArg = { ...task, threadName: TRANSFER_THREAD_NAME, threadCpu: this.cpu === 'sample' };
    const result = await this.transfer.run<TransferResult>({ module: TRANSFER_TASK_MODULE, fn: 'transfer', arg });
    if (result.thread) this.tally.add(result.thread);
    return result;
  }

  private tickClient(c: { client: SidecarClient; size: () => number }): void {
    const done = c.client.tick().then((result) => {
      if (result === 'stopped') return;
      const stats = c.client.stats();
      const completed = c.client.pool === 'transfer' ? this.transfer.stats().completed : this.buffers.stats().released;
      this.options.onReport?.({
        ts: (this.options.now ?? Date.now)(),
        pool: c.client.pool,
        result,
        size: c.size(),
        target: result === 'posted' ? stats.lastTarget : null,
        connected: stats.connected,
        completed,
      });
    });
    const tracked = done.finally(() => this.ticks.delete(tracked));
    this.ticks.add(tracked);
  }
}
