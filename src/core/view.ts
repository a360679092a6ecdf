// How a pool's controller state is shown: the API's pool state (SPEC §5) and the decision
// log line (SPEC §3). Pure formatting, no I/O.
import { modeOf } from './controller.js';
import type { ControllerState } from './controller.js';
import type { Band, Classification, Decision, DecisionSummary, LawName, Mode, PoolKind } from './types.js';

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
  classification: Classification;
  stale: boolean;
  lastDecisions: DecisionSummary[];
  growReadyInMs: number;
  shrinkReadyInMs: number;
}

export function poolView(s: ControllerState, nowMs: number): PoolView {
  const { params } = s.spec;
  const growAt = s.lastGrowMs === null ? nowMs : s.lastGrowMs + params.growCooldownMs;
  const shrinkAt = (s.lastShrinkMs ?? s.startedMs) + params.shrinkCooldownMs * s.shrinkScale;
  return {
    name: s.spec.name,
    kind: s.spec.kind,
    mode: modeOf(s),
    recommended: s.recommended,
    law: params.law,
    size: s.size,
    target: s.target,
    bounds: { min: s.bounds.min, max: s.bounds.max },
    band: { low: params.band.low, high: params.band.high },
    utilization: s.signals.utilization,
    queueStall: s.signals.queueStall,
    workerIdle: s.signals.workerIdle,
    throughput: s.signals.throughput,
    classification: s.signals.classification,
    stale: s.stale,
    lastDecisions: [...s.lastDecisions],
    growReadyInMs: Math.max(0, growAt - nowMs),
    shrinkReadyInMs: Math.max(0, shrinkAt - nowMs),
  };
}

const percent = (ratio: number | null): string => (ratio === null ? 'n/a' : `${Math.round(ratio * 100)}%`);

/**
 * The decision line of SPEC §3, e.g.
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
