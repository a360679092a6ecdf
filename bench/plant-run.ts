// One contender on one workload of the real-plant benchmark: the sidecar in-process (fresh,
// short periods), the demo daemon reporting to it with real worker threads doing real work,
// a warm-up, then a measured window. Everything it starts is stopped, also on failure.
import { pino } from 'pino';
import { quantile } from 'simple-statistics';
import { startService } from '../src/service/index.js';
import type { Service } from '../src/service/index.js';
import type { LawName } from '../src/core/index.js';
import { demoConfig, DEMO_TIMING } from '../src/demo/config.js';
import { DemoDaemon } from '../src/demo/daemon.js';
import type { TaskShape } from '../src/demo/phases.js';
import { cpuBetween, markCpu } from './plant-cpu.js';

export interface Contender {
  name: string;
  law: LawName;
  /** `threads: N` on the transfer pool: the static baseline */
  pin: number | null;
}

export interface Workload {
  name: 'io-heavy' | 'cpu-heavy';
  description: string;
  task: TaskShape;
  ratePerSecond: number;
}

export interface RunOptions {
  n: number;
  warmupMs: number;
  measureMs: number;
  seed: number;
}

export interface RunResult {
  contender: string;
  workload: Workload['name'];
  /** completed transfers per second over the measured window */
  throughput: number;
  p50Ms: number;
  p99Ms: number;
  /** live worker threads (retiring ones included), time-averaged over the window */
  meanThreads: number;
  /** the pool's size (threads taking tasks), time-averaged over the window */
  meanSize: number;
  offered: number;
  completed: number;
  refused: number;
  /** transfer-pool grows and shrinks during the whole run */
  resizes: number;
  sizeAtEnd: number;
  /** cores this process used in the window (the daemon's threads and the sidecar) */
  ownCores: number;
  /** cores the rest of the machine used in the window (null off Linux) */
  otherCores: number | null;
}

/** The pool's threads are read this often for the means. */
const THREADS_SAMPLE_MS = 50;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function runContender(c: Contender, w: Workload, o: RunOptions): Promise<RunResult> {
  const config = demoConfig({ cpus: o.n, law: c.law, listen: { host: '127.0.0.1', port: 0 }, pinTransfer: c.pin });
  const logger = pino({ level: 'warn', base: { name: 'bench:plant' } }, { write: (s: string) => void process.stderr.write(s) });
  let service: Service | null = null;
  let daemon: DemoDaemon | null = null;
  let sampler: ReturnType<typeof setInterval> | undefined;
  try {
    service = await startService({ config, logger, version: 'bench', defaultMetrics: false });
    let resizes = 0;
    const sub = service.engine.decisions$.subscribe((d) => {
      if (d.pool === 'transfer' && (d.action === 'grow' || d.action === 'shrink')) resizes++;
    });
    const window = { startMs: Number.POSITIVE_INFINITY, endMs: Number.POSITIVE_INFINITY };
    const latencies: number[] = [];
    const d = new DemoDaemon({
      sidecarUrl: service.url,
      cpus: o.n,
      periodMs: DEMO_TIMING.periodMs,
      seed: o.seed,
      onDone: (doneMs, latencyMs) => {
        if (doneMs >= window.startMs && doneMs < window.endMs) latencies.push(latencyMs);
      },
    });
    daemon = d;
    let threadSum = 0;
    let sizeSum = 0;
    let readings = 0;
    sampler = setInterval(() => {
      const now = Date.now();
      if (now < window.startMs || now >= window.endMs) return;
      threadSum += d.transfer.threads;
      sizeSum += d.transfer.size;
      readings++;
    }, THREADS_SAMPLE_MS);
    d.load.setLoad(w.task, w.ratePerSecond);
    await d.start();
    await sleep(o.warmupMs);
    const before = d.load.stats();
    const cpuBefore = markCpu();
    window.startMs = cpuBefore.atMs;
    await sleep(o.measureMs);
    const cpuAfter = markCpu();
    window.endMs = cpuAfter.atMs;
    const after = d.load.stats();
    const sizeAtEnd = d.transfer.size;
    sub.unsubscribe();
    const seconds = (window.endMs - window.startMs) / 1000;
    return {
      contender: c.name,
      workload: w.name,
      throughput: (after.completed - before.completed) / seconds,
      p50Ms: latencies.length > 0 ? quantile(latencies, 0.5) : Number.NaN,
      p99Ms: latencies.length > 0 ? quantile(latencies, 0.99) : Number.NaN,
      meanThreads: readings > 0 ? threadSum / readings : Number.NaN,
      meanSize: readings > 0 ? sizeSum / readings : Number.NaN,
      offered: after.submitted - before.submitted,
      completed: after.completed - before.completed,
      refused: after.refused - before.refused,
      resizes,
      sizeAtEnd,
      ...cpuBetween(cpuBefore, cpuAfter),
    };
  } finally {
    clearInterval(sampler);
    // The daemon first: its clients stop posting before the sidecar goes.
    await daemon?.stop();
    await service?.stop();
  }
}
