// How a pool's controller state is shown: the API's pool state (docs/integration.md) and the decision
// log line (docs/design.md). Pure formatting, no I/O.
import { modeOf } from './decision.js';
import { getLaw } from './laws/index.js';
import { failedGrowUntilMs, scaledShrinkCooldownMs } from './moves.js';
import type { CeilingState } from './stages/ceiling.js';
import type { CpuGuardState } from './stages/cpu-guard.js';
import { heldUntilMs, stretchedWindowMs } from './stages/stabilization.js';
import type { StabilizationState } from './stages/stabilization.js';
import { boundsOf, isStale, reportedSize } from './state.js';
import type { ControllerState } from './state.js';
import type { Band, Classification, CpuSource, Decision, DecisionSummary, LawName, Mode, PoolKind } from './types.js';

export interface PoolView {
  name: string;
  kind: PoolKind;
  mode: Mode;
  recommended: number;
  law: LawName;
  size: number;
  target: number;
  bounds: { min: number; max: number };
  band: Band;
  utilization: number | null;
  queueStall: number | null;
  workerIdle: number | null;
  throughput: number | null;
  /** completions plus refusals per second, when the daemon reports `refused` */
  demand: number | null;
  /** where the CPU figure comes from, the CPUs' worth used, and the share of busy workers waiting for a CPU */
  cpu: { source: CpuSource; cpus: number | null; runDelay: number | null };
  classification: Classification;
  /** the size growth stops at, when one is learned */
  ceiling: number | null;
  stale: boolean;
  lastDecisions: DecisionSummary[];
  growReadyInMs: number;
  shrinkReadyInMs: number;
}

/**
 * The pool's hand-off queue as its newest sample that reported a depth saw it (for /metrics; the
 * API's pool state has no queue depth): null fields when no sample reported one, or when the pool
 * is stale (a daemon gone with its queue full is not a queue that stands full).
 */
export interface PoolQueue {
  name: string;
  depth: number | null;
  capacity: number | null;
}

export function poolQueue(s: ControllerState): PoolQueue {
  const q = isStale(s) ? null : s.signalState.lastQueue;
  return { name: s.spec.name, depth: q?.depth ?? null, capacity: q?.capacity ?? null };
}

export function poolView(s: ControllerState, nowMs: number): PoolView {
  const { params } = s.spec;
  // A grow waits for its cooldown and, after one the daemon did not apply, for the back-off.
  const cooled = s.moves.grow === null ? nowMs : s.moves.grow.atMs + params.growCooldownMs;
  const growAt = Math.max(cooled, failedGrowUntilMs(s.moves, params.failedGrowBackoffMs) ?? cooled);
  const scaled = scaledShrinkCooldownMs(s.moves, params.shrinkCooldownMs);
  const cooledDown = (s.moves.shrink?.atMs ?? s.startedMs) + scaled;
  // A shrink also waits while the stabilization window holds a recommendation of the pool's size.
  const shrinkAt = Math.max(cooledDown, stabilizedUntilMs(s, nowMs, scaled) ?? cooledDown);
  const bounds = boundsOf(s);
  const { cpu } = s.signals;
  return {
    name: s.spec.name,
    kind: s.spec.kind,
    mode: modeOf(s),
    recommended: s.recommended,
    law: params.law,
    size: reportedSize(s),
    target: s.target,
    bounds: { min: bounds.min, max: bounds.max },
    band: { low: params.band.low, high: params.band.high },
    utilization: s.signals.utilization,
    queueStall: s.signals.queueStall,
    workerIdle: s.signals.workerIdle,
    throughput: s.signals.throughput,
    demand: s.signals.demand,
    cpu: { source: cpu.source, cpus: cpu.cpus, runDelay: cpu.runDelay },
    classification: s.signals.classification,
    ceiling: ceilingOf(s),
    stale: isStale(s),
    lastDecisions: [...s.lastDecisions],
    growReadyInMs: Math.max(0, growAt - nowMs),
    shrinkReadyInMs: Math.max(0, shrinkAt - nowMs),
  };
}

/** Until when the law's stabilization window holds the pool's size; null when it holds none (or the law has no such stage). */
function stabilizedUntilMs(s: ControllerState, nowMs: number, scaled: number): number | null {
  const at = getLaw(s.spec.params.law).stages.findIndex((stage) => stage.name === 'stabilization');
  if (at < 0) return null;
  const base = modeOf(s) === 'observe' ? reportedSize(s) : s.target;
  return heldUntilMs(s.stages[at] as StabilizationState, base, nowMs, scaled, stretchedWindowMs(s.spec.params.shrinkCooldownMs));
}

/** The ceiling the law learned: its CPU guard's (from throughput probes) or its throughput ceiling's, the lower. */
function ceilingOf(s: ControllerState): number | null {
  const stages = getLaw(s.spec.params.law).stages;
  const cpuAt = stages.findIndex((stage) => stage.name === 'cpu');
  const ceilingAt = stages.findIndex((stage) => stage.name === 'ceiling');
  const fromCpu = cpuAt < 0 ? null : ((s.stages[cpuAt] as CpuGuardState).saturated?.ceiling ?? null);
  const fromThroughput = ceilingAt < 0 ? null : (s.stages[ceilingAt] as CeilingState).ceiling;
  if (fromCpu === null) return fromThroughput;
  return fromThroughput === null ? fromCpu : Math.min(fromCpu, fromThroughput);
}

const percent = (ratio: number | null): string => (ratio === null ? 'n/a' : `${Math.round(ratio * 100)}%`);

/**
 * The decision line of docs/design.md, e.g.
 * `adaptive_thread_pool: domain=transfer size=20 utilization=89% queue_stall=42% worker_idle=2% target=[60,85] action=grow new_size=21`
 */
export function decisionLine(d: Decision): string {
  const band = `[${Math.round(d.band.low * 100)},${Math.round(d.band.high * 100)}]`;
  return (
    `adaptive_thread_pool: domain=${d.pool} size=${d.from} utilization=${percent(d.utilization)} ` +
    `queue_stall=${percent(d.queueStall)} worker_idle=${percent(d.workerIdle)} target=${band} ` +
    `action=${d.action} new_size=${d.to}`
  );
}
