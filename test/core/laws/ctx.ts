// A law context for the laws' own tests: a pool of `size` at utilization `u`, with no CPU figure.
import type { LawContext } from '../../../src/core/laws/law.js';
import { NO_CPU } from '../../../src/core/cpu.js';
import { DEFAULTS } from '../helpers.js';

export function ctx(size: number, u: number, over: Partial<LawContext> = {}): LawContext {
  return {
    signals: {
      utilization: u, queueStall: 0, workerIdle: 0.5, idleReported: true, idleInformative: true, throughput: null, completedReported: false, demand: null, queueGrowth: null,
      busy: u * size, busyPerTask: null, cpu: NO_CPU, classification: 'unknown', size, starting: 0, fresh: true,
    },
    utilization: u,
    size,
    bounds: { min: 4, max: 32 },
    band: DEFAULTS.band,
    params: DEFAULTS,
    n: 8,
    nowMs: 0,
    dtMs: 1000,
    ...over,
  };
}
