// A stage context for the stages' own tests: a transfer pool on 8 CPUs at `base`, with no
// move made yet and no CPU figure, each field overridable.
import { NO_CPU } from '../../../src/core/cpu.js';
import { initMoves } from '../../../src/core/moves.js';
import { initProbe } from '../../../src/core/probe.js';
import type { StageContext } from '../../../src/core/stages/stage.js';
import type { CpuSignals, Signals } from '../../../src/core/types.js';
import { makeSpec } from '../helpers.js';

export function signals(over: Partial<Signals> = {}): Signals {
  return {
    utilization: 1, queueStall: 0, workerIdle: null, idleReported: false, idleInformative: false, throughput: null, completedReported: false, demand: null, queueGrowth: null,
    busy: null, busyPerTask: null, cpu: NO_CPU, classification: 'unknown', size: null, starting: 0, fresh: true, ...over,
  };
}

export function cpu(over: Partial<CpuSignals>): CpuSignals {
  return { ...NO_CPU, source: 'sample', ...over };
}

export function stageCtx(over: Partial<StageContext> = {}): StageContext {
  const spec = makeSpec({ n: 8 });
  return {
    spec,
    bounds: { min: 4, max: 32 },
    staticSize: 16,
    signals: signals(),
    base: 16,
    reported: 16,
    nowMs: 100_000,
    startedMs: 0,
    moves: initMoves(),
    probe: initProbe(),
    maxStep: 4,
    ...over,
  };
}
