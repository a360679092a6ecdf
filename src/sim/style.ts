// The simulated daemon's reporting style and the sidecar's CPU source (`simulate --report
// --cpu`, docs/design.md "Simulator model").
import { CPU_SOURCES } from '../core/index.js';
import type { CpuSource } from '../core/index.js';

/**
 * How the simulated daemon fills the sample's `idle`: `documented`, the share of worker time
 * off-CPU (waiting for a task or in I/O); `no-idle`, left out; `busy-idle`, 1 - busy/size (a
 * worker in I/O counted busy, as most daemons count it).
 */
export const REPORT_STYLES = ['documented', 'no-idle', 'busy-idle'] as const;
export type ReportStyle = (typeof REPORT_STYLES)[number];

/**
 * What the daemon reports and which CPU source the sidecar has: `sample`, the samples carry
 * cumulative cpuSeconds and runDelaySeconds; `process`, they carry none and the sidecar reads
 * the daemon's threads at each tick (cpuReading); `none`, neither.
 */
export interface DaemonStyle {
  report: ReportStyle;
  cpu: CpuSource;
}

/** Today's daemon: idle as documented, CPU counters in the samples. */
export const DEFAULT_STYLE: DaemonStyle = { report: 'documented', cpu: 'sample' };

export { CPU_SOURCES };
