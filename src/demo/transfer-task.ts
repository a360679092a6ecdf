// The demo daemon's transfer, run inside a WorkerPool thread as a task module: the pool's
// built-in hash (real hashing, then a real blocking wait), plus what a daemon does to give
// the sidecar a CPU figure. It names its thread once (Linux `comm`), so a `threads` pattern
// in the sidecar's config can pick the pool's threads out of the process (Node.js 20 names
// every thread "node"); and, when asked, it reads its own thread's CPU and run delay from
// /proc/thread-self/schedstat after the task (a synchronous read runs on the calling thread).
import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { hash } from '../pool/tasks.js';
import type { HashTaskResult } from '../pool/tasks.js';

/** The name the demo gives its transfer threads: a `threads: "^transfer$"` pattern matches them. */
export const TRANSFER_THREAD_NAME = 'transfer';

export interface TransferArg {
  bytes: number;
  rounds: number;
  ioMs: number;
  /** names the calling thread (at most 15 bytes, the kernel's limit) before its first task */
  threadName?: string;
  /** read this thread's CPU counters after the task */
  threadCpu?: boolean;
}

/** One thread's cumulative counters, from /proc/thread-self/schedstat. */
export interface ThreadCpu {
  /** the thread's id (a tid), so the daemon can keep one running total per thread */
  tid: number;
  cpuNs: number;
  runDelayNs: number;
}

export interface TransferResult extends HashTaskResult {
  /** null when asked but unreadable (not Linux, no schedstat); absent when not asked */
  thread?: ThreadCpu | null;
}

let namedAs: string | null = null;

function nameThread(name: string): void {
  if (namedAs === name) return;
  namedAs = name;
  try {
    writeFileSync('/proc/thread-self/comm', name.slice(0, 15));
  } catch {
    // Not Linux, or /proc is not mounted: the thread keeps its name and a pattern will not match it.
  }
}

/** This thread's counters, or null when /proc/thread-self is not readable. */
export function readThreadCpu(): ThreadCpu | null {
  try {
    // "/proc/thread-self" -> "PID/task/TID"
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    const [cpu, delay] = readFileSync('/proc/thread-self/schedstat', 'utf8').trim().split(/\s+/).map(Number);
    if (!Number.isInteger(tid) || !Number.isFinite(cpu) || !Number.isFinite(delay)) return null;
    return { tid, cpuNs: cpu as number, runDelayNs: delay as number };
  } catch {
    return null;
  }
}

export function transfer(arg: TransferArg): TransferResult {
  if (arg.threadName !== undefined) nameThread(arg.threadName);
  const result = hash({ bytes: arg.bytes, rounds: arg.rounds, ioMs: arg.ioMs });
  return arg.threadCpu === true ? { ...result, thread: readThreadCpu() } : result;
}
