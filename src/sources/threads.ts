// One thread's CPU counters from /proc/PID/task/TID: schedstat when the kernel has it (ns on a
// CPU, ns runnable but waiting on a run queue), else stat's utime + stime (clock ticks, no run
// delay).
import { type FileReader, parseCount, tryReadFile } from './files.js';

/** USER_HZ: the unit of stat's utime and stime; 100 on every Linux architecture the sidecar runs on. */
export const USER_HZ = 100;
const NS_PER_TICK = 1e9 / USER_HZ;

export interface ThreadCounters {
  /** which file the figures came from: a thread's counters are compared only with the same kind */
  kind: 'schedstat' | 'stat';
  cpuNs: number;
  /** null when read from stat */
  runDelayNs: number | null;
}

/** "ns_on_cpu ns_waiting_on_runqueue timeslices" -> counters, or null when malformed. */
export function parseSchedstat(text: string): ThreadCounters | null {
  const [cpu, delay] = text.trim().split(/\s+/);
  const cpuNs = parseCount(cpu);
  const runDelayNs = parseCount(delay);
  return cpuNs === null || runDelayNs === null ? null : { kind: 'schedstat', cpuNs, runDelayNs };
}

/**
 * /proc/PID/task/TID/stat -> utime + stime (fields 14 and 15) in ns, or null when malformed.
 * The fields are counted after the LAST ')': field 2, the command name in parentheses, may
 * itself hold spaces and parentheses.
 */
export function parseStat(text: string): ThreadCounters | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  // after ')' come fields 3 (state), 4, ...: field k is at index k - 3
  const fields = text.slice(close + 1).trim().split(/\s+/);
  const utime = parseCount(fields[14 - 3]);
  const stime = parseCount(fields[15 - 3]);
  return utime === null || stime === null ? null : { kind: 'stat', cpuNs: (utime + stime) * NS_PER_TICK, runDelayNs: null };
}


/** The thread's counters, or null when neither file can be read or parsed (the thread is gone). */
export function readThreadCounters(files: FileReader, taskDir: string): ThreadCounters | null {
  const schedstat = tryReadFile(files, `${taskDir}/schedstat`);
  const fromSchedstat = schedstat === null ? null : parseSchedstat(schedstat);
  if (fromSchedstat !== null) return fromSchedstat;
  const stat = tryReadFile(files, `${taskDir}/stat`);
  return stat === null ? null : parseStat(stat);
}

/** The thread's name (comm, without its newline), or null when it cannot be read. */
export function readThreadName(files: FileReader, taskDir: string): string | null {
  const comm = tryReadFile(files, `${taskDir}/comm`);
  return comm === null ? null : comm.replace(/\n$/, '');
}
