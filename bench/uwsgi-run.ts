// One contender on one workload of `npm run bench:uwsgi`: a fresh uWSGI (and, for the
// sidecar's contenders, a fresh in-process sidecar driving it through the uwsgi source), the
// load generator in its own process, the live workers read from the stats server every
// 250 ms, and the CPU of uWSGI, of this process and of the whole machine over the run.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { quantileSorted } from 'simple-statistics';
import { createLogger, startService } from '../src/service/index.js';
import type { Service } from '../src/service/index.js';
import { DEFAULT_PARAMS } from '../src/config/index.js';
import type { Config } from '../src/config/index.js';
import type { LawName } from '../src/core/index.js';
import type { LoadPlan, LoadResult } from './uwsgi-load.js';
import { hostTicks, loadAverage, startBenchUwsgi, uwsgiCpuSeconds } from './uwsgi-server.js';
import type { ProcessModel } from './uwsgi-server.js';

export interface Contender {
  name: string;
  model: ProcessModel;
  /** the sidecar's law, for the contenders it drives */
  law?: LawName;
}

export interface Workload {
  name: 'io-heavy' | 'cpu-heavy' | 'bursty';
  description: string;
  phases: LoadPlan['phases'];
  cpuMs: number;
  waitMs: number;
}

export interface RunResult {
  workload: Workload['name'];
  contender: string;
  /** the load's length */
  seconds: number;
  offered: number;
  throughput: number;
  failed: number;
  failedRatio: number;
  failures: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  meanWorkers: number;
  /** the size the sidecar asked uWSGI for, averaged like the workers (NaN for uWSGI's own algorithms) */
  meanTarget: number;
  workerSeconds: number;
  resizes: number;
  /** CPU seconds used over the run (the load and the drain of its last requests): uWSGI (master and workers), this process (sidecar and sampling) */
  uwsgiCpuSeconds: number;
  benchCpuSeconds: number;
  /** CPUs' worth the whole machine used meanwhile (from /proc/stat) */
  hostCores: number;
  load1: number;
  /** the load generator's nice value (LOAD_NICE), or null when it ran at the bench's own */
  loadNice: number | null;
}

export interface RunOptions {
  n: number;
  durationMs: number;
  bytesPerMs: number;
  timeoutMs: number;
  seed: number;
}

const LOAD = new URL('./uwsgi-load.ts', import.meta.url).pathname;

/**
 * The load generator's nice value, set on its main thread (where the requests are made; Linux
 * sets it per thread, and the threads it starts later inherit it): ahead of uWSGI's workers
 * (nice 0) for the CPUs. In
 * production the clients are other machines; here they share the CPUs with the server, and
 * on a CPU-bound workload a contender with more worker processes would take CPU from its own
 * clients (the scheduler shares the CPUs per task) and look faster for it.
 */
export const LOAD_NICE = -10;

/** Runs the load; `nice` is the load generator's nice value, or null when it could not be raised (no root or CAP_SYS_NICE). */
function generate(plan: LoadPlan): Promise<{ load: LoadResult; nice: number | null }> {
  return new Promise((resolve, reject) => {
    let nice: number | null = null;
    const child = execFile(process.execPath, ['--import', 'tsx', LOAD, JSON.stringify(plan)], { maxBuffer: 64 * 1024 * 1024, timeout: plan.durationMs + plan.timeoutMs + 60_000 }, (err, stdout) => {
      process.off('exit', stop);
      if (err) reject(err);
      else resolve({ load: JSON.parse(stdout) as LoadResult, nice });
    });
    // A bench that exits first (an error, or a signal: see bench/uwsgi-server.ts) takes its load with it.
    const stop = (): void => void child.kill('SIGKILL');
    process.on('exit', stop);
    if (child.pid !== undefined) {
      try {
        os.setPriority(child.pid, LOAD_NICE);
        nice = LOAD_NICE;
      } catch {
        nice = null;
      }
    }
  });
}

function sidecarConfig(n: number, law: LawName, stats: string, fifo: string, cheaper: number): Config {
  return {
    file: 'bench:uwsgi',
    listen: { host: '127.0.0.1', port: 0 },
    metricsListen: null,
    cpus: n,
    cpusSource: 'config',
    token: null,
    enabled: true,
    logLevel: 'warn',
    record: null,
    pools: [{ name: 'web', kind: 'transfer', pinned: null, mode: 'adaptive', params: { ...DEFAULT_PARAMS, law }, process: null, source: { type: 'uwsgi', stats, fifo, cheaper } }],
    actuators: [],
  };
}

export async function runContender(workload: Workload, contender: Contender, o: RunOptions): Promise<RunResult> {
  const dir = mkdtempSync(join(os.tmpdir(), 'bench-uwsgi-'));
  const uwsgi = await startBenchUwsgi(dir, contender.model);
  let service: Service | null = null;
  try {
    if (contender.law !== undefined && contender.model.kind === 'cheaper') {
      const logger = createLogger(process.env['BENCH_SIDECAR_LOG'] === 'debug' ? 'debug' : 'warn', { write: (s: string) => void process.stderr.write(`    sidecar: ${s}`) });
      service = await startService({ config: sidecarConfig(o.n, contender.law, uwsgi.stats, uwsgi.fifo, contender.model.cheaper), logger, version: 'bench', defaultMetrics: false });
    }
    const series: { t: number; live: number; target: number | null }[] = [];
    // The sidecar's target: what it asked uWSGI for (until its first change, what runs).
    let target: number | null = null;
    const targets = service?.engine.targetChanges('web').subscribe((size) => {
      target = size;
    });
    const start = performance.now();
    const before = { uwsgi: uwsgiCpuSeconds(uwsgi.masterPid, (await uwsgi.workers())?.pids ?? []), bench: process.cpuUsage(), host: hostTicks() };
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const w = await uwsgi.workers();
        if (w !== null) series.push({ t: performance.now() - start, live: w.live, target: service === null ? null : (target ?? w.live) });
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const plan: LoadPlan = { port: uwsgi.port, phases: workload.phases, durationMs: o.durationMs, bytes: Math.round(workload.cpuMs * o.bytesPerMs), waitMs: workload.waitMs, timeoutMs: o.timeoutMs, seed: o.seed };
    const { load, nice } = await generate(plan);
    const after = { uwsgi: uwsgiCpuSeconds(uwsgi.masterPid, (await uwsgi.workers())?.pids ?? []), bench: process.cpuUsage(before.bench), host: hostTicks() };
    const load1 = loadAverage();
    sampling = false;
    await sampler;
    targets?.unsubscribe();

    // Worker-seconds over the load's span: each reading holds until the next.
    const spanMs = o.durationMs;
    let workerMs = 0;
    let targetMs = 0;
    let resizes = 0;
    const inSpan = series.filter((s) => s.t <= spanMs);
    inSpan.forEach((s, i) => {
      const next = inSpan[i + 1]?.t ?? spanMs;
      workerMs += s.live * (next - s.t);
      targetMs += (s.target ?? NaN) * (next - s.t);
      if (i > 0 && s.live !== inSpan[i - 1]?.live) resizes += 1;
    });
    const firstT = inSpan[0]?.t ?? 0;
    const sorted = [...load.latenciesMs].sort((a, b) => a - b);
    const hostTotalS = (after.host.total - before.host.total) / 100;
    return {
      workload: workload.name,
      contender: contender.name,
      seconds: o.durationMs / 1000,
      offered: load.sent / (o.durationMs / 1000),
      throughput: load.ok / (o.durationMs / 1000),
      failed: load.failed,
      failedRatio: load.sent > 0 ? load.failed / load.sent : 0,
      failures: load.failures,
      p50Ms: sorted.length > 0 ? quantileSorted(sorted, 0.5) : NaN,
      p99Ms: sorted.length > 0 ? quantileSorted(sorted, 0.99) : NaN,
      meanWorkers: workerMs / Math.max(1, spanMs - firstT),
      meanTarget: targetMs / Math.max(1, spanMs - firstT),
      workerSeconds: (workerMs * spanMs) / Math.max(1, spanMs - firstT) / 1000,
      resizes,
      uwsgiCpuSeconds: after.uwsgi - before.uwsgi,
      benchCpuSeconds: (after.bench.user + after.bench.system) / 1e6,
      // /proc/stat ticks over all CPUs: busy share times the CPUs there are.
      hostCores: hostTotalS > 0 ? ((after.host.busy - before.host.busy) / (after.host.total - before.host.total)) * os.cpus().length : NaN,
      load1,
      loadNice: nice,
    };
  } finally {
    await service?.stop();
    await uwsgi.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
