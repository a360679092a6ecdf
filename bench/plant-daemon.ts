// The real-plant benchmark's daemon, in a process of its own (forked by plant-run.ts), so the
// pid it reports, or the sidecar reads, holds the daemon's threads only: its main thread (the
// load generator, the dispatch, the sidecar client) and its worker threads, not the sidecar's.
// It is driven over the IPC channel: start, window-start, window-end, stop; each answered.
import { quantile } from 'simple-statistics';
import { DemoDaemon } from '../src/demo/daemon.js';
import type { DaemonCpu, ReportStyle } from '../src/demo/daemon.js';
import type { TaskShape } from '../src/demo/phases.js';
import type { LoadStats } from '../src/demo/load.js';

export interface StartMessage {
  type: 'start';
  sidecarUrl: string;
  cpus: number;
  periodMs: number;
  seed: number;
  report: ReportStyle;
  cpu: DaemonCpu;
  task: TaskShape;
  ratePerSecond: number;
}

export type Request = StartMessage | { type: 'window-start' } | { type: 'window-end' } | { type: 'stop' };
export type ParentMessage = Request & { id: number };

export interface WindowMark {
  load: LoadStats;
  /** this process's CPU (every thread), µs */
  cpuUs: number;
}

export interface WindowFigures extends WindowMark {
  p50Ms: number;
  p99Ms: number;
  meanThreads: number;
  meanSize: number;
  sizeAtEnd: number;
}

export type ChildReply = { id: number } & ({ type: 'started' } | ({ type: 'window-started' } & WindowMark) | ({ type: 'window' } & WindowFigures) | { type: 'stopped' } | { type: 'error'; message: string });

/** The pool's threads are read this often for the means. */
const THREADS_SAMPLE_MS = 50;

const cpuUs = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

let daemon: DemoDaemon | null = null;
let inWindow = false;
let latencies: number[] = [];
let threadSum = 0;
let sizeSum = 0;
let readings = 0;
let sampler: ReturnType<typeof setInterval> | undefined;

async function handle(msg: ParentMessage): Promise<ChildReply> {
  const id = msg.id;
  if (msg.type === 'start') {
    const d = new DemoDaemon({
      sidecarUrl: msg.sidecarUrl,
      cpus: msg.cpus,
      periodMs: msg.periodMs,
      seed: msg.seed,
      report: msg.report,
      cpu: msg.cpu,
      onDone: (_doneMs, latencyMs) => {
        if (inWindow) latencies.push(latencyMs);
      },
    });
    daemon = d;
    sampler = setInterval(() => {
      if (!inWindow) return;
      threadSum += d.transfer.threads;
      sizeSum += d.transfer.size;
      readings++;
    }, THREADS_SAMPLE_MS);
    d.load.setLoad(msg.task, msg.ratePerSecond);
    await d.start();
    return { id, type: 'started' };
  }
  const d = daemon;
  if (d === null) return { id, type: 'error', message: `${msg.type} before start` };
  if (msg.type === 'window-start') {
    latencies = [];
    threadSum = sizeSum = readings = 0;
    inWindow = true;
    return { id, type: 'window-started', load: d.load.stats(), cpuUs: cpuUs() };
  }
  if (msg.type === 'window-end') {
    inWindow = false;
    const mean = (sum: number): number => (readings > 0 ? sum / readings : Number.NaN);
    return {
      id,
      type: 'window',
      load: d.load.stats(),
      cpuUs: cpuUs(),
      p50Ms: latencies.length > 0 ? quantile(latencies, 0.5) : Number.NaN,
      p99Ms: latencies.length > 0 ? quantile(latencies, 0.99) : Number.NaN,
      meanThreads: mean(threadSum),
      meanSize: mean(sizeSum),
      sizeAtEnd: d.transfer.size,
    };
  }
  clearInterval(sampler);
  await d.stop();
  return { id, type: 'stopped' };
}

// Only as a forked child: the parent's IPC channel drives it, and its end ends the process.
if (process.send !== undefined) {
  process.on('message', (msg: ParentMessage) => {
    void handle(msg).then(
      (reply) => {
        process.send?.(reply);
        if (reply.type === 'stopped') process.disconnect();
      },
      (err: unknown) => process.send?.({ id: msg.id, type: 'error', message: err instanceof Error ? err.stack ?? err.message : String(err) } satisfies ChildReply),
    );
  });
  process.on('disconnect', () => process.exit(0));
}
