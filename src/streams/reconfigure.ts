// A reload's effect on one surviving pool: it keeps its controller state (signals, cooldowns,
// the learned ceiling, its last decisions) and takes the new parameters. A pool whose kind,
// law or CPUs changed needs a new controller (its bounds or its law's state mean something
// else), and keeps its size: the target is carried over, within the new bounds. A pool whose
// source now reads another daemon (another uWSGI's stats or FIFO) starts afresh, as at start:
// what its controller learned was of the other daemon, and the new one's size is adopted from
// its first sample, not pushed to the old one's target. A changed `threads:` pins or unpins, as
// PUT/DELETE /v1/pools/{pool}/pin would.
import { createController, getLaw, modeOf, setPin, withinBounds, withNewCpuReader } from '../core/index.js';
import type { ControllerState, Decision, PoolSpec } from '../core/index.js';
import type { PoolConfig } from '../config/index.js';

/** What a reload changes in a surviving pool (the reload's log line says it): `mode adaptive -> observe`, `source`, parameters by name. */
export function poolChanges(before: PoolConfig, after: PoolConfig): string[] {
  const differ = (a: unknown, b: unknown) => JSON.stringify(a) !== JSON.stringify(b);
  const out: string[] = [];
  if (before.kind !== after.kind) out.push(`kind ${before.kind} -> ${after.kind}`);
  if (before.pinned !== after.pinned) out.push(`threads ${before.pinned ?? 'adaptive'} -> ${after.pinned ?? 'adaptive'}`);
  if (before.mode !== after.mode) out.push(`mode ${before.mode} -> ${after.mode}`);
  const params = new Set([...Object.keys(before.params), ...Object.keys(after.params)]) as Set<keyof PoolConfig['params']>;
  for (const key of params) if (differ(before.params[key], after.params[key])) out.push(key);
  if (differ(before.process, after.process)) out.push('process');
  if (differ(before.source, after.source)) out.push('source');
  return out;
}

/** The settings a pool runs with: what the controller reads, and where its samples and CPU come from (`process`, `source`). */
export function sameSettings(a: PoolConfig, b: PoolConfig): boolean {
  return poolChanges(a, b).length === 0;
}

/** The pool's source reads another daemon than before: another stats address or FIFO (a source added or removed is the same daemon, read another way). */
export function sourceMoved(a: PoolConfig, b: PoolConfig): boolean {
  return a.source !== null && b.source !== null && (a.source.stats !== b.source.stats || a.source.fifo !== b.source.fifo);
}

export function specOf(pool: PoolConfig, cpus: number, enabled: boolean): PoolSpec {
  return { name: pool.name, kind: pool.kind, n: cpus, params: pool.params, mode: pool.mode, pinned: pool.pinned, enabled };
}

export interface Carried {
  state: ControllerState;
  /** the change of target the reload made, if any (a pin, an unpin, a size clipped to new bounds) */
  decision: Decision | null;
  /** a new controller was needed (kind, law or CPUs changed, or another daemon) */
  fresh: boolean;
}

/** `newDaemon`: the pool now reads another daemon (sourceMoved): a new controller that adopts the daemon's size at its first sample. */
export function carryState(prev: ControllerState, spec: PoolSpec, nowMs: number, newDaemon = false): Carried {
  const fresh = newDaemon || prev.spec.kind !== spec.kind || prev.spec.n !== spec.n || prev.spec.params.law !== spec.params.law;
  let state: ControllerState;
  if (!fresh) {
    // The engine reads the changed pool's threads with a new reader (its counts start again).
    state = { ...prev, spec, signalState: withNewCpuReader(prev.signalState) };
  } else if (newDaemon) {
    // No size yet: the daemon's first sample is adopted (a pin, the config's or the API's, holds).
    state = { ...createController({ ...spec, pinned: prev.pinned }, nowMs), lastDecisions: prev.lastDecisions };
  } else {
    const next = createController({ ...spec, pinned: prev.pinned }, nowMs);
    const target = modeOf(next) === 'pinned' || modeOf(next) === 'disabled' ? next.target : withinBounds(next, prev.target);
    state = {
      ...next,
      target,
      recommended: target,
      size: prev.size,
      sizeLimit: prev.sizeLimit,
      lawState: getLaw(spec.params.law).init(target, spec.params),
      lastDecisions: prev.lastDecisions,
    };
  }
  if (prev.spec.pinned !== spec.pinned) {
    const pinned = setPin(state, spec.pinned, nowMs);
    return { state: pinned.state, decision: { ...pinned.decision, from: prev.target }, fresh };
  }
  // Another daemon's size is its own until its first sample: no change of target is decided for it.
  if (newDaemon || state.target === prev.target) return { state, decision: null, fresh };
  const decision: Decision = {
    pool: spec.name,
    ts: nowMs,
    action: state.target > prev.target ? 'grow' : 'shrink',
    from: prev.target,
    to: state.target,
    recommended: state.target,
    reason: 'bound',
    mode: modeOf(state),
    utilization: state.signals.utilization,
    queueStall: state.signals.queueStall,
    workerIdle: state.signals.workerIdle,
    band: spec.params.band,
  };
  return { state, decision, fresh };
}
