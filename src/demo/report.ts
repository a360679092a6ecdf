// How the demo daemon reports its transfer pool: the ways real daemons fill `idle`, and the
// CPU figure they give the sidecar, if any (docs/api.md, samples). The sidecar must size the
// pool well whichever a daemon does, as long as it has a CPU figure.
import type { Sample, SampleSource } from '../client/index.js';
import { clamp01 } from '../pool/integral.js';
import type { ResizablePool } from '../pool/types.js';

/** The hard max (docs/operator-guide.md) for a transfer pool is 4n; the demo also never starts more threads than this. */
export const MAX_DEMO_THREADS = 32;

/** How the daemon fills `idle` (docs/api.md, samples): the three ways daemons do. */
export const REPORT_STYLES = ['documented', 'no-idle', 'busy-idle'] as const;
export type ReportStyle = (typeof REPORT_STYLES)[number];

/** The CPU figure the daemon gives: its own counters, its pid (the sidecar reads /proc), or none. */
export const DAEMON_CPU = ['sample', 'pid', 'none'] as const;
export type DaemonCpu = (typeof DAEMON_CPU)[number];

export interface TransferReporting {
  /**
   * documented: idle is the share of worker time off the CPU, I/O counted as idle (the pool
   * sees only the wait for a task; the daemon knows how long each transfer blocked).
   * no-idle: no idle at all; busy counts a worker from taking a task to finishing it.
   * busy-idle: idle = the share of worker time not in a task (1 - busy/size), blocked time busy.
   */
  report: ReportStyle;
  /** sample: cpuSeconds and runDelaySeconds from the workers' schedstat; pid: this process's id */
  cpu: DaemonCpu;
  /** ms the transfers finished since the last call blocked on I/O */
  takeIoMs: () => number;
  /** the workers' cumulative CPU (read when cpu is `sample`) */
  tally: { readonly cpuSeconds: number; readonly runDelaySeconds: number };
  /** the pid sent when cpu is `pid`; default process.pid */
  pid?: number;
}

/** The transfer pool's sample, filled in the daemon's reporting style, with its refusals. */
export class TransferSource implements SampleSource {
  private lastTs: number | null = null;

  constructor(
    private readonly pool: ResizablePool & { stats(): { refused: number } },
    private readonly reporting: TransferReporting,
  ) {}

  get size(): number {
    return this.pool.size;
  }

  sample(): Sample {
    const { idle, ...s } = this.pool.sample();
    const ioMs = this.reporting.takeIoMs();
    const periodMs = this.lastTs === null ? 0 : s.ts - this.lastTs;
    this.lastTs = s.ts;
    const out: Sample = { ...s, refused: this.pool.stats().refused };
    const r = this.reporting;
    if (r.report === 'busy-idle' && idle !== undefined) out.idle = idle;
    if (r.report === 'documented') {
      const capacityMs = Math.max(1, s.size) * periodMs;
      out.idle = periodMs > 0 ? clamp01((idle ?? 0) + ioMs / capacityMs) : (idle ?? 0);
    }
    if (r.cpu === 'pid') out.pid = r.pid ?? process.pid;
    if (r.cpu === 'sample') {
      out.cpuSeconds = r.tally.cpuSeconds;
      out.runDelaySeconds = r.tally.runDelaySeconds;
    }
    return out;
  }

  resize(n: number): void {
    this.pool.resize(Math.min(n, MAX_DEMO_THREADS));
  }
}
