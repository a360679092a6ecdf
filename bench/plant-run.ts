// One contender on one workload of the real-plant benchmark: the sidecar in this process
// (fresh, short periods), the demo daemon in a child process of its own (plant-daemon.ts)
// reporting to it in the contender's style, with real worker threads doing real work; a
// warm-up, then a measured window. Everything it starts is stopped, also on failure.
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { pino } from 'pino';
import { startService } from '../src/service/index.js';
import type { Service } from '../src/service/index.js';
import type { LawName } from '../src/core/index.js';
import { demoConfig, DEMO_TIMING } from '../src/demo/config.js';
import type { DaemonCpu, ReportStyle } from '../src/demo/daemon.js';
import type { TaskShape } from '../src/demo/phases.js';
import { TRANSFER_THREAD_NAME } from '../src/demo/transfer-task.js';
import { cpuBetween, markCpu } from './plant-cpu.js';
import type { ChildReply, ParentMessage, Request, WindowFigures, WindowMark } from './plant-daemon.js';

export interface Contender {
  name: string;
  law: LawName;
  /** `threads: N` on the transfer pool: the static baseline */
  pin: number | null;
  /** how the daemon fills idle */
  report: ReportStyle;
  /**
   * the pool's CPU source: the daemon's own counters (sample), its pid in each sample (pid),
   * the sidecar's config naming the daemon's process and its transfer threads (process), or none
   */
  cpu: DaemonCpu | 'process';
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
  /** the contender's CPU source (none for static and band) */
  cpu: Contender['cpu'];
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
  /** cores the daemon (its process: every thread) and the sidecar used in the window */
  ownCores: number;
  /** cores the daemon's process used in the window */
  daemonCores: number;
  /** cores the rest of the machine used in the window (null off Linux) */
  otherCores: number | null;
  /** the transfer pool's decisions over the whole run, by reason (holds included): what the law did */
  reasons: Record<string, number>;
  /** the transfer pool's classification and CPU figures at the end of the window (GET /v1/pools/transfer) */
  stateAtEnd: { classification: string; cpu: unknown } | null;
}

/** A forked daemon, asked one thing at a time over IPC. */
function startChild(): { child: ChildProcess; ask: <T extends ChildReply['type']>(msg: Request, expect: T) => Promise<Extract<ChildReply, { type: T }>> } {
  const child = fork(new URL('./plant-daemon.ts', import.meta.url), [], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let nextId = 1;
  const waiting = new Map<number, (reply: ChildReply) => void>();
  child.on('message', (reply: ChildReply) => waiting.get(reply.id)?.(reply));
  const ask = <T extends ChildReply['type']>(msg: Request, expect: T): Promise<Extract<ChildReply, { type: T }>> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const gone = (): void => reject(new Error(`the daemon process exited before answering ${msg.type}`));
      child.once('exit', gone);
      waiting.set(id, (reply) => {
        waiting.delete(id);
        child.off('exit', gone);
        if (reply.type === expect) resolve(reply as Extract<ChildReply, { type: T }>);
        else reject(new Error(`the daemon answered ${msg.type} with ${reply.type}${reply.type === 'error' ? `: ${reply.message}` : ''}`));
      });
      child.send({ ...msg, id } as ParentMessage);
    });
  return { child, ask };
}

async function poolState(url: string): Promise<RunResult['stateAtEnd']> {
  try {
    const state = (await (await fetch(`${url}/v1/pools/transfer`)).json()) as { classification: string; cpu: unknown };
    return { classification: state.classification, cpu: state.cpu };
  } catch {
    return null;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function runContender(c: Contender, w: Workload, o: RunOptions): Promise<RunResult> {
  const { child, ask } = startChild();
  const pid = child.pid;
  const logger = pino({ level: 'error', base: { name: 'bench:plant' } }, { write: (s: string) => void process.stderr.write(s) });
  let service: Service | null = null;
  let started = false;
  try {
    if (pid === undefined) throw new Error('the daemon process did not start');
    const transferProcess = c.cpu === 'process' ? { pid, threads: `^${TRANSFER_THREAD_NAME}$` } : null;
    const config = demoConfig({ cpus: o.n, law: c.law, listen: { host: '127.0.0.1', port: 0 }, pinTransfer: c.pin, transferProcess });
    service = await startService({ config, logger, version: 'bench', defaultMetrics: false });
    let resizes = 0;
    const reasons: Record<string, number> = {};
    const sub = service.engine.decisions$.subscribe((d) => {
      if (d.pool !== 'transfer') return;
      if (d.action === 'grow' || d.action === 'shrink') resizes++;
      reasons[d.reason] = (reasons[d.reason] ?? 0) + 1;
    });
    const daemonCpu = c.cpu === 'process' ? 'none' : c.cpu;
    started = true;
    await ask({ type: 'start', sidecarUrl: service.url, cpus: o.n, periodMs: DEMO_TIMING.periodMs, seed: o.seed, report: c.report, cpu: daemonCpu, task: w.task, ratePerSecond: w.ratePerSecond }, 'started');
    await sleep(o.warmupMs);
    const cpuBefore = markCpu();
    const before: WindowMark = await ask({ type: 'window-start' }, 'window-started');
    await sleep(o.measureMs);
    const cpuAfter = markCpu();
    const after: WindowFigures = await ask({ type: 'window-end' }, 'window');
    sub.unsubscribe();
    const stateAtEnd = await poolState(service.url);
    const seconds = (cpuAfter.atMs - cpuBefore.atMs) / 1000;
    const daemonCores = (after.cpuUs - before.cpuUs) / 1e6 / seconds;
    const sidecar = cpuBetween(cpuBefore, cpuAfter);
    const ownCores = sidecar.ownCores + daemonCores;
    return {
      contender: c.name,
      workload: w.name,
      cpu: c.cpu,
      throughput: (after.load.completed - before.load.completed) / seconds,
      p50Ms: after.p50Ms,
      p99Ms: after.p99Ms,
      meanThreads: after.meanThreads,
      meanSize: after.meanSize,
      offered: after.load.submitted - before.load.submitted,
      completed: after.load.completed - before.load.completed,
      refused: after.load.refused - before.load.refused,
      resizes,
      sizeAtEnd: after.sizeAtEnd,
      ownCores,
      daemonCores,
      otherCores: sidecar.otherCores === null ? null : Math.max(0, sidecar.otherCores - daemonCores),
      reasons,
      stateAtEnd,
    };
  } finally {
    // The daemon first: its clients stop posting before the sidecar goes.
    if (started) await ask({ type: 'stop' }, 'stopped').catch(() => child.kill());
    else child.kill();
    await service?.stop();
  }
}
