// What the measured CPU figures mean for the pool (docs/design.md, "The CPU guard"): when more
// threads cannot help because the CPUs are the limit, and how many threads the CPUs can serve.
import type { Classification, CpuSignals } from './types.js';

export const CPU_RULES = {
  /** the pool uses at least this share of the n CPUs: another thread has (almost) no CPU to use */
  busyShare: 0.9,
  /** busy workers spend at least this share of their time waiting for a CPU ... */
  waitingPerBusy: 0.1,
  /** ... and that waiting is at least this many CPUs' worth per CPU (not noise on a large, idle pool) */
  waitingPerCpu: 0.1,
  /** the daemon's cgroup was throttled at least this share of the time: its CPU quota is the limit */
  throttled: 0.1,
  /** the runnable threads a saturated pool is stepped back to: n plus this share (a CPU never idles for want of one) */
  headroom: 0.1,
  /** busy workers runnable less than this share of their time are mostly blocked (io-bound) */
  ioBoundRunnable: 0.5,
  /** ticks with CPU figures before a class is given */
  minTicks: 3,
} as const;

/** Whether the CPUs are the pool's limit: its threads wait for a CPU while they alone would fill them, use nearly all n, or the cgroup is throttled. */
export function cpuSaturated(cpu: CpuSignals, n: number): boolean {
  if (cpu.cpus === null) return false;
  if (cpu.cpus >= CPU_RULES.busyShare * n) return true;
  if (cpu.throttled !== null && cpu.throttled >= CPU_RULES.throttled) return true;
  if (cpu.waiting === null || cpu.runDelay === null) return false;
  // Waiting for a CPU is the pool's own saturation only when its own runnable threads (computing
  // plus waiting) would fill the CPUs; otherwise the CPUs are busy with other tenants' work, and
  // more threads of the pool still get their share of them.
  const ownRunnable = cpu.cpus + cpu.waiting;
  return cpu.runDelay >= CPU_RULES.waitingPerBusy && cpu.waiting >= CPU_RULES.waitingPerCpu * n && ownRunnable >= CPU_RULES.busyShare * n;
}

/** Whether this tick's own figures, unsmoothed, say the CPUs are the limit now (cpuSaturated on them). */
export function cpuSaturatedNow(cpu: CpuSignals, n: number): boolean {
  if (cpu.tick === null) return false;
  return cpuSaturated({ ...cpu, cpus: cpu.tick.cpus, waiting: cpu.tick.waiting, runDelay: cpu.tick.runDelay }, n);
}

/**
 * The size whose busy workers keep n CPUs (plus the headroom) runnable: a busy worker's thread
 * is runnable `runnablePerBusy` of its time, so n (1 + headroom) / runnablePerBusy threads fill
 * the CPUs, in workers of `threadsPerWorker` threads. Null without a figure. Rounded to the
 * nearest worker, at least 1.
 */
export function cpuServedSize(cpu: CpuSignals, n: number): number | null {
  const share = cpu.runnablePerBusy;
  if (share === null || share <= 0) return null;
  return Math.max(1, Math.round((n * (1 + CPU_RULES.headroom)) / share / cpu.threadsPerWorker));
}

/** The class from measured CPU: cpu-bound when saturated, io-bound when busy workers are mostly blocked. */
export function classifyCpu(cpu: CpuSignals, ticks: number, n: number): Classification {
  if (cpu.cpus === null || cpu.runnablePerBusy === null || ticks < CPU_RULES.minTicks) return 'unknown';
  if (cpuSaturated(cpu, n)) return 'cpu-bound';
  if (cpu.runnablePerBusy < CPU_RULES.ioBoundRunnable) return 'io-bound';
  return 'balanced';
}
