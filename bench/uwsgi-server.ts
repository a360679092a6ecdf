// A real uWSGI for `npm run bench:uwsgi`: the bench app behind `http-socket` on a loopback
// port, the stats server on a unix socket, the master FIFO, and the contender's process
// model (static, one of uWSGI's cheaper algorithms at its published defaults, or `manual`
// for the sidecar). Its own process group, killed whole at the end, and when this process is
// stopped by a signal or exits first (see guardRunning).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { isLive, nodeStatsReader, parseUwsgiStats } from '../src/sources/uwsgi/index.js';

export type ProcessModel =
  | { kind: 'static'; processes: number }
  | { kind: 'cheaper'; algo: 'busyness' | 'spare' | 'backlog' | 'manual'; processes: number; cheaper: number; initial: number };

/** Options the bench leaves at uWSGI's defaults, for the tests: threaded workers, the stats server on TCP and behind HTTP. */
export interface UwsgiExtras {
  threads?: number;
  statsOnTcp?: boolean;
  statsHttp?: boolean;
}

export interface BenchUwsgi {
  port: number;
  stats: string;
  fifo: string;
  masterPid: number;
  /** live workers and their pids now, or null when the stats server does not answer */
  workers(): Promise<{ live: number; pids: number[] } | null>;
  stop(): Promise<void>;
}

export const APP = new URL('./uwsgi-app.py', import.meta.url).pathname;

import { freePort } from './common.js';
export { freePort };

function modelArgs(model: ProcessModel): string[] {
  if (model.kind === 'static') return ['--processes', String(model.processes)];
  // Only the algorithm is chosen: its own options stay at uWSGI's defaults (cheaper-overload 3,
  // cheaper-step 1, busyness 25..50 %, ...). The busyness algorithm is a plugin in Debian.
  return [
    ...(model.algo === 'busyness' ? ['--plugin', 'cheaper_busyness'] : []),
    '--processes', String(model.processes), '--cheaper', String(model.cheaper), '--cheaper-initial', String(model.initial),
    '--cheaper-algo', model.algo,
  ];
}

/** The process groups of the uWSGIs started here and not yet ended. */
const running = new Set<number>();
let guarded = false;

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

/**
 * Each uWSGI runs in its own process group (so its workers die with it), which also keeps it out
 * of the terminal's Ctrl-C: without this, an interrupted bench or test run would leave its
 * uWSGI serving. So the groups still running are killed when this process exits, and on
 * SIGINT, SIGTERM or SIGHUP, after which the process exits with 128 + the signal's number (what a
 * shell shows for a process the signal ended).
 */
function guardRunning(): void {
  if (guarded) return;
  guarded = true;
  process.on('exit', () => running.forEach(killGroup));
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      running.forEach(killGroup);
      running.clear();
      process.exit(128 + constants.signals[signal]);
    });
  }
}

export async function startBenchUwsgi(dir: string, model: ProcessModel, extras: UwsgiExtras = {}): Promise<BenchUwsgi> {
  const port = await freePort();
  const stats = extras.statsOnTcp === true ? `127.0.0.1:${await freePort()}` : join(dir, 'stats.sock');
  const fifo = join(dir, 'master.fifo');
  const child: ChildProcess = spawn(
    'uwsgi',
    [
      '--plugin', 'python3', '--master', '--http-socket', `127.0.0.1:${port}`, '--wsgi-file', APP, '--listen', '100',
      ...modelArgs(model), '--master-fifo', fifo, '--stats', stats, '--die-on-term', '--disable-logging', '--logto', join(dir, 'uwsgi.log'),
      ...(extras.threads === undefined ? [] : ['--threads', String(extras.threads)]),
      ...(extras.statsHttp === true ? ['--stats-http'] : []),
    ],
    { detached: true, stdio: 'ignore' },
  );
  let exited = false;
  const group = child.pid;
  if (group !== undefined) {
    guardRunning();
    running.add(group);
  }
  const exit = new Promise<void>((resolve) =>
    child.on('exit', () => {
      exited = true;
      if (group !== undefined) running.delete(group);
      resolve();
    }),
  );
  const kill = () => {
    if (!exited && group !== undefined) killGroup(group);
  };
  const workers = async () => {
    try {
      const s = parseUwsgiStats(await nodeStatsReader(stats, 2000));
      const live = s.workers.filter(isLive);
      return { live: live.length, pids: live.map((w) => w.pid) };
    } catch {
      return null;
    }
  };
  const until = Date.now() + 20_000;
  const expected = model.kind === 'static' ? model.processes : model.initial;
  while (!(existsSync(fifo) && (extras.statsOnTcp === true || existsSync(stats)) && (await workers())?.live === expected)) {
    if (exited || Date.now() > until) {
      kill();
      throw new Error(`uWSGI did not start with ${expected} workers within 20 s (log: ${join(dir, 'uwsgi.log')})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    stats,
    fifo,
    masterPid: child.pid ?? 0,
    workers,
    async stop() {
      kill();
      await Promise.race([exit, new Promise((r) => setTimeout(r, 5000))]);
    },
  };
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU seconds of a process (utime + stime), plus its reaped children's when `children`. */
export function processCpuSeconds(pid: number, children: boolean): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    // fields 14..17 of proc(5) are utime, stime, cutime, cstime: 11..14 after "pid (comm) ".
    const own = (f[11] ?? 0) + (f[12] ?? 0);
    return (children ? own + (f[13] ?? 0) + (f[14] ?? 0) : own) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** uWSGI's CPU so far: the master with its reaped workers, plus the live workers. */
export function uwsgiCpuSeconds(masterPid: number, workerPids: readonly number[]): number {
  return processCpuSeconds(masterPid, true) + workerPids.reduce((a, pid) => a + processCpuSeconds(pid, false), 0);
}

/** The host's busy and total CPU ticks (from /proc/stat), for the machine's load during a run. */
export function hostTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: total - idle, total };
}

export function loadAverage(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}
