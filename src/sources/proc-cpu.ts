// The `process` CPU source: the CPU and run delay of a daemon's threads, read by the sidecar
// from /proc (see docs/design.md, "Where CPU figures come from"). The core takes the numbers;
// this module is the edge that reads them, with the clock and the file system injected.
import type { CpuReading } from '../core/types.js';
import { PID_MAX } from '../protocol/index.js';
import { type CgroupFigure, readCgroupFigures } from './cgroup.js';
import { type FileReader, parseCount, tryReadDir, tryReadFile } from './files.js';
import { type ThreadCounters, readThreadCounters, readThreadName } from './threads.js';

export interface CpuReaderDeps {
  files: FileReader;
  /** epoch ms, stamped on each reading */
  now: () => number;
  /** default '/proc' */
  procRoot?: string;
  /** default '/sys/fs/cgroup' */
  cgroupRoot?: string;
}

export interface CpuReader {
  /**
   * Sums the CPU of the threads of `pids` (each /proc/PID/task/TID) whose name (comm) matches
   * `threads` (null: every thread): a CpuReading whose counters are cumulative and MONOTONIC for
   * this reader even as threads and processes come and go (per pid/tid deltas are accumulated; a
   * thread first seen after the first read contributes its whole count, a thread that vanished
   * keeps what it contributed). runDelaySeconds is null when only stat (utime+stime, USER_HZ 100)
   * was readable. throttledSeconds / pressureSeconds come from the first pid's cgroup (v2:
   * cpu.stat nr_throttled periods times cpu.max's period, cpu.pressure `some total`; v1: cpu,cpuacct cpu.stat nr_throttled times cpu.cfs_period_us)
   * and, for pressure, the host's /proc/pressure/cpu when the cgroup has none; absent when
   * unreadable. null when none of the pids can be read (gone, not permitted), or no thread of
   * theirs matches `threads`.
   */
  read(pids: readonly number[], threads: RegExp | null): CpuReading | null;
}

function isPid(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= PID_MAX;
}

/**
 * What one thread adds to the reader's totals, given what it showed at the previous reading.
 * A thread not seen before contributes its whole count (its CPU since it started). A counter
 * that went down belongs to a new thread that reuses the id (a restarted daemon in a container
 * gets the same pids): its whole count too. A thread whose file changed kind (schedstat <->
 * stat, different clocks) adds nothing this once and is compared with the new kind from then on.
 */
function contribution(previous: ThreadCounters | undefined, current: ThreadCounters): { cpuNs: number; runDelayNs: number } {
  const whole = { cpuNs: current.cpuNs, runDelayNs: current.runDelayNs ?? 0 };
  if (previous === undefined) return whole;
  if (previous.kind !== current.kind) return { cpuNs: 0, runDelayNs: 0 };
  if (current.cpuNs < previous.cpuNs) return whole;
  return { cpuNs: current.cpuNs - previous.cpuNs, runDelayNs: Math.max(0, (current.runDelayNs ?? 0) - (previous.runDelayNs ?? 0)) };
}

/**
 * A cgroup figure made monotonic for the reader: deltas of the same file accumulate; a decrease
 * is a recreated cgroup (its whole count); a different file (the daemon moved, or the cgroup's
 * PSI came and went against the host's) is a new baseline that adds nothing, since its count
 * is not this daemon's history (the host's PSI total runs since boot).
 */
function monotonicFigure(): (figure: CgroupFigure | null) => number | undefined {
  let source: string | null = null;
  let last = 0;
  let total: number | null = null;
  return (figure) => {
    if (figure === null) return undefined;
    if (total === null) total = figure.seconds;
    else if (figure.path === source) total += figure.seconds < last ? figure.seconds : figure.seconds - last;
    source = figure.path;
    last = figure.seconds;
    return total;
  };
}

export function createCpuReader(deps: CpuReaderDeps): CpuReader {
  const { files, now } = deps;
  const procRoot = deps.procRoot ?? '/proc';
  const cgroupRoot = deps.cgroupRoot ?? '/sys/fs/cgroup';
  // what each pid/tid showed at the last reading; threads not seen again are dropped, so a
  // thread that exits between two readings loses at most its CPU of that last period
  let seen = new Map<string, ThreadCounters>();
  let cpuNs = 0;
  let runDelayNs = 0;
  const throttled = monotonicFigure();
  const pressure = monotonicFigure();

  return {
    read(pids, threads) {
      const next = new Map<string, ThreadCounters>();
      let threadsRead = 0;
      let schedstatRead = false;
      let firstPid: number | null = null;
      for (const pid of new Set(pids)) {
        if (!isPid(pid)) continue;
        const tids = tryReadDir(files, `${procRoot}/${pid}/task`);
        if (tids === null) continue;
        let pidRead = false;
        for (const tid of tids) {
          if (parseCount(tid) === null) continue;
          const taskDir = `${procRoot}/${pid}/task/${tid}`;
          if (threads !== null) {
            const name = readThreadName(files, taskDir);
            if (name === null) continue; // exited since the listing
            pidRead = true;
            // search() ignores a /g or /y pattern's lastIndex, so a shared RegExp never skips a thread
            if (name.search(threads) < 0) continue;
          }
          const counters = readThreadCounters(files, taskDir);
          if (counters === null) continue;
          pidRead = true;
          threadsRead += 1;
          if (counters.kind === 'schedstat') schedstatRead = true;
          const key = `${pid}/${tid}`;
          const added = contribution(seen.get(key), counters);
          cpuNs += added.cpuNs;
          runDelayNs += added.runDelayNs;
          next.set(key, counters);
        }
        if (pidRead && firstPid === null) firstPid = pid;
      }
      // A pattern that matches none of the threads read is no reading: a reading of no thread
      // would say the pool's busy workers never run (io-bound, the CPU guard blind).
      if (firstPid === null || threadsRead === 0) return null;
      seen = next;

      const cgroup = readCgroupFigures(files, firstPid, procRoot, cgroupRoot);
      const throttledSeconds = throttled(cgroup.throttled);
      const pressureSeconds = pressure(cgroup.pressure);
      return {
        ts: now(),
        cpuSeconds: cpuNs / 1e9,
        runDelaySeconds: schedstatRead ? runDelayNs / 1e9 : null,
        threads: threadsRead,
        ...(throttledSeconds === undefined ? {} : { throttledSeconds }),
        ...(pressureSeconds === undefined ? {} : { pressureSeconds }),
      };
    },
  };
}

/**
 * The pid a pool's `process` config names: the pid, or the pidFile's content (re-read each
 * call, so a restarted daemon is followed); null when unreadable or not a pid.
 */
export function resolvePid(target: { pid: number | null; pidFile: string | null }, files: FileReader): number | null {
  if (target.pid !== null) return isPid(target.pid) ? target.pid : null;
  if (target.pidFile === null) return null;
  const text = tryReadFile(files, target.pidFile);
  const pid = text === null ? null : parseCount(text.trim());
  return pid !== null && isPid(pid) ? pid : null;
}
