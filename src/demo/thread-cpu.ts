// The transfer pool's CPU as the daemon itself counts it (the `sample` CPU source): each
// finished transfer brings its thread's cumulative schedstat counters; the tally keeps the
// last figures per thread and adds each thread's growth, so the totals are cumulative and
// never decrease as threads come and go (what the sample's cpuSeconds and runDelaySeconds
// must be).
import type { ThreadCpu } from './transfer-task.js';

export class ThreadCpuTally {
  private readonly last = new Map<number, ThreadCpu>();
  private cpuNs = 0;
  private runDelayNs = 0;

  /**
   * One thread's counters after a task. A thread not seen before adds its whole count (its
   * CPU since it started, start-up included); a count that went down is a new thread that
   * reuses the id: its whole count too.
   */
  add(thread: ThreadCpu): void {
    const prev = this.last.get(thread.tid);
    const fresh = prev === undefined || thread.cpuNs < prev.cpuNs || thread.runDelayNs < prev.runDelayNs;
    this.cpuNs += fresh ? thread.cpuNs : thread.cpuNs - prev.cpuNs;
    this.runDelayNs += fresh ? thread.runDelayNs : thread.runDelayNs - prev.runDelayNs;
    this.last.set(thread.tid, thread);
  }

  get cpuSeconds(): number {
    return this.cpuNs / 1e9;
  }

  get runDelaySeconds(): number {
    return this.runDelayNs / 1e9;
  }
}
