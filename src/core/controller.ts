// One pool's controller: a pure step from (state, the period's samples, now) to (state,
// decision). The order of stages is fixed and named:
//   signals -> mode (disabled, pinned, stale, failed grow) -> law proposal
//   -> saturation -> stabilization -> guard -> cooldown -> step -> bounds -> observe
// Time comes in as `nowMs`; nothing here reads a clock, logs or does I/O.
import { poolBounds, staticSize } from './bounds.js';
import { getLaw } from './laws/index.js';
import type { AnyLaw } from './laws/index.js';
import { cpusFree, initSaturation, learnCovered, observe, retryStep, stepBackSize, SATURATION_RETRY_COOLDOWNS } from './saturation.js';
import { computeSignals, initSignalState } from './signals.js';
import { bound, cooldown, guard, limitStep, stabilize, GUARD_HOLDS } from './stages.js';
import type { Proposal } from './stages.js';
import { copyState } from './state.js';
import type { ControllerState, PoolSpec } from './state.js';
import { applyMove, cooldownGate } from './timers.js';
import type { Action, CpuReading, Decision, DecisionSummary, Mode, Sample } from './types.js';

export type { ControllerState, PoolSpec } from './state.js';
export { BACKLOG_STALL } from './timers.js';

/** SPEC §3: the last four decisions of each pool are kept and shown. */
export const KEPT_DECISIONS = 4;
/** A pin is a whole number of workers in [1, 4096] (SPEC §4). */
export const PIN_RANGE = { min: 1, max: 4096 } as const;

export class ControllerError extends Error {
  constructor(pool: string, message: string) {
    super(`pool ${pool}: ${message}`);
    this.name = 'ControllerError';
  }
}

export function createController(spec: PoolSpec, nowMs: number): ControllerState {
  const bounds = poolBounds(spec.kind, spec.n);
  const fixed = staticSize(spec.kind, spec.n);
  const initial = spec.pinned ?? fixed;
  return {
    spec,
    bounds,
    staticSize: fixed,
    pinned: spec.pinned,
    target: initial,
    recommended: initial,
    size: fixed,
    seenSample: false,
    signalState: initSignalState(),
    signals: {
      utilization: null,
      queueStall: null,
      workerIdle: null,
      idleReported: false,
      throughput: null,
      classification: 'unknown',
      size: null,
      fresh: false,
    },
    lawState: getLaw(spec.params.law).init(initial, spec.params),
    startedMs: nowMs,
    lastTickMs: null,
    staleTicks: 0,
    stale: false,
    lastGrowMs: null,
    lastShrinkMs: null,
    lastMove: 0,
    lastMoveMs: null,
    holdsSinceMove: GUARD_HOLDS,
    shrinkScale: 1,
    shrinkScaleSinceMs: null,
    proposals: [],
    growWindow: null,
    saturation: initSaturation(),
    pendingGrow: null,
    growBackoffUntilMs: null,
    lastDecisions: [],
  };
}

export function modeOf(state: ControllerState): Mode {
  if (state.pinned !== null) return 'pinned';
  if (!state.spec.enabled) return 'disabled';
  return state.spec.mode;
}

/** One tick: the samples received during the period, and the time of the tick. */
export function tick(
  prev: ControllerState,
  samples: readonly Sample[],
  nowMs: number,
  _cpu: CpuReading | null = null,
): { state: ControllerState; decision: Decision } {
  const { params } = prev.spec;
  const law = getLaw(params.law);
  const dtMs = prev.lastTickMs === null ? params.periodMs : Math.max(0, nowMs - prev.lastTickMs);
  const computed = computeSignals(prev.signalState, samples, params.idleEwmaSeconds);
  const signals = computed.signals;
  const staleTicks = signals.fresh ? 0 : prev.staleTicks + 1;
  const reported = signals.fresh ? signals.size : null;
  // One fresh draft per tick, written in place below: `prev` is never touched, and the tick
  // copies the state once instead of once per stage (the overhead bench's core figure).
  // (A full-shape literal copy (copyState), then assignments: a spread copy of this many
  // fields cost a kilobyte of garbage a tick, and a spread overridden key by key is slower.)
  const s = copyState(prev);
  s.signalState = computed.state;
  s.signals = signals;
  s.lastTickMs = nowMs;
  s.staleTicks = staleTicks;
  s.stale = staleTicks >= params.staleAfterPeriods;
  s.size = reported ?? prev.size;
  const mode = modeOf(s);
  if (reported !== null && !prev.seenSample) {
    // Control starts from the size the daemon reports (a restarted sidecar resumes from it).
    s.seenSample = true;
    if (mode === 'adaptive' || mode === 'observe') s.target = reported;
  }

  if (mode === 'pinned' || mode === 'disabled') {
    const target = mode === 'pinned' ? (s.pinned as number) : s.staticSize;
    s.target = target;
    s.recommended = target;
    return finish(s, nowMs, prev.target, target, target, mode === 'pinned' ? 'pinned' : 'disabled');
  }
  const base = mode === 'observe' ? s.size : s.target;
  if (s.stale) return finish(s, nowMs, base, s.target, base, 'stale');
  if (signals.utilization === null) return finish(s, nowMs, base, s.target, base, 'no-data');

  // Only a reported idle share tells computing workers from blocked ones (CPU coverage).
  const cpuIdle = signals.idleReported ? signals.workerIdle : null;
  if (law.features.saturationGuard) {
    s.saturation = observe(
      s.saturation,
      reported,
      signals.throughput,
      signals.utilization,
      params.band.high,
      signals.classification,
      nowMs,
      params.shrinkCooldownMs * SATURATION_RETRY_COOLDOWNS,
      cpusFree(reported, signals.workerIdle, s.spec.n),
    );
    s.saturation = learnCovered(s.saturation, reported, cpuIdle, s.spec.n, signals.utilization, params.band.high, signals.classification, nowMs);
  }
  if (s.pendingGrow !== null && reported !== null) {
    if (reported >= s.pendingGrow.to) {
      s.pendingGrow = null;
    } else if (nowMs - s.pendingGrow.atMs >= (params.staleAfterPeriods + 1) * params.periodMs) {
      // The daemon did not apply the grow: keep its size and back off before growing again.
      s.pendingGrow = null;
      s.target = reported;
      s.recommended = reported;
      s.growBackoffUntilMs = nowMs + params.failedGrowBackoffMs;
      return finish(s, nowMs, reported, reported, reported, 'failed-grow');
    }
  }

  const gate = cooldownGate(s, base, nowMs);
  const maxStep = law.maxStep(base, params);
  const saturated = law.features.saturationGuard && s.saturation.saturated !== null;
  const stepped = law.step(s.lawState, {
    signals,
    samples,
    utilization: signals.utilization,
    size: base,
    bounds: s.bounds,
    band: params.band,
    params,
    n: s.spec.n,
    nowMs,
    dtMs,
    canGrow: !saturated && !gate.growBackedOff && !guardBlocks(law, s, 1) && (gate.growReady || (gate.fastGrowUpTo ?? 0) > base),
    canShrink: gate.shrinkReady && !guardBlocks(law, s, -1),
    maxStep,
  });
  if (!Number.isInteger(stepped.proposal.size)) {
    throw new ControllerError(s.spec.name, `law ${law.name} proposed ${stepped.proposal.size}, not a whole number`);
  }
  s.lawState = stepped.state;

  let p: Proposal = stepped.proposal;
  if (saturated && p.size > base && s.saturation.saturated !== null) {
    const back = stepBackSize(s.saturation.saturated, s.spec.n, cpuIdle, s.bounds.min);
    p = { size: Math.min(base, back), reason: 'saturated' };
  } else if (law.features.saturationGuard) {
    const size = retryStep(p.size, base, s.saturation);
    if (size !== p.size) p = { size, reason: p.reason };
  }
  if (law.features.shrinkStabilization) {
    // The window holds what was recommended (before stabilization), as HPA's does, except a
    // saturated pool's step back: it says what the CPUs can run, not what the load needs.
    const window = slideWindow(s.proposals, nowMs - params.shrinkCooldownMs * s.shrinkScale);
    const recentMax = window.length > 0 ? (window[0] as { size: number }).size : null;
    s.proposals = p.reason === 'saturated' ? window : pushMax(window, { ts: nowMs, size: p.size });
    p = stabilize(p, base, recentMax);
  }
  if (law.features.guard) p = guard(p, base, s.lastMove, s.holdsSinceMove);
  if (law.features.cooldowns) p = cooldown(p, base, gate);
  else if (p.size > base && gate.growBackedOff) p = { size: base, reason: 'failed-grow' };
  p = bound(limitStep(p, base, maxStep), s.bounds);
  if (!Number.isInteger(p.size) || p.size < s.bounds.min || p.size > s.bounds.max) {
    throw new ControllerError(s.spec.name, `decision ${p.size} is outside ${s.bounds.min}..${s.bounds.max}`);
  }
  applyMove(s, base, p.size, nowMs, mode === 'adaptive', law.features.thrashPenalty);
  s.target = mode === 'observe' ? s.size : p.size;
  s.recommended = p.size;
  return finish(s, nowMs, base, s.target, p.size, p.reason);
}

/** Whether the convergence guard would hold a move in direction `dir` now. */
function guardBlocks(law: AnyLaw, s: ControllerState, dir: 1 | -1): boolean {
  return law.features.guard && s.lastMove === -dir && s.holdsSinceMove < GUARD_HOLDS;
}

/**
 * The shrink window as a monotonic queue: sizes strictly falling from oldest to newest, so the
 * oldest entry is the window's largest recommendation. An older entry no larger than a newer
 * one can never be the largest again (it leaves the window first), so it is not kept.
 */
type Recommendation = { ts: number; size: number };

function slideWindow(window: readonly Recommendation[], sinceMs: number): readonly Recommendation[] {
  let first = 0;
  while (first < window.length && (window[first] as Recommendation).ts <= sinceMs) first += 1;
  return first === 0 ? window : window.slice(first);
}

function pushMax(window: readonly Recommendation[], r: Recommendation): Recommendation[] {
  let keep = window.length;
  while (keep > 0 && (window[keep - 1] as Recommendation).size <= r.size) keep -= 1;
  // One new array of the exact length (a slice and a push would grow a mostly empty store).
  if (keep === window.length) return window.concat([r]);
  const next = window.slice(0, keep + 1);
  next[keep] = r;
  return next;
}

function finish(
  s: ControllerState,
  nowMs: number,
  from: number,
  to: number,
  recommended: number,
  reason: Decision['reason'],
): { state: ControllerState; decision: Decision } {
  const mode = modeOf(s);
  const shown = mode === 'observe' ? recommended : to;
  const action: Action = shown > from ? 'grow' : shown < from ? 'shrink' : 'hold';
  const decision: Decision = {
    pool: s.spec.name,
    ts: nowMs,
    action,
    from,
    to: shown,
    recommended,
    reason,
    mode,
    utilization: s.signals.utilization,
    queueStall: s.signals.queueStall,
    workerIdle: s.signals.workerIdle,
    band: s.spec.params.band,
  };
  return { state: remember(s, decision), decision };
}

/** Keeps a decision that moved (or fell back) among the last four; `s` is a fresh draft. */
function remember(s: ControllerState, d: Decision): ControllerState {
  if (d.action === 'hold' && d.reason !== 'failed-grow') return s;
  const summary: DecisionSummary = { ts: d.ts, action: d.action, from: d.from, to: d.to, reason: d.reason };
  const kept = s.lastDecisions;
  s.lastDecisions = (kept.length < KEPT_DECISIONS ? kept : kept.slice(kept.length - KEPT_DECISIONS + 1)).concat([summary]);
  return s;
}

/**
 * Pins the pool to `size`, or unpins it with null (control resumes from the size in force).
 * Throws a RangeError for a size that is not a whole number in [1, 4096].
 */
export function setPin(
  s: ControllerState,
  size: number | null,
  nowMs: number,
): { state: ControllerState; decision: Decision } {
  if (size !== null && (!Number.isInteger(size) || size < PIN_RANGE.min || size > PIN_RANGE.max)) {
    throw new RangeError(`pin size must be a whole number in [${PIN_RANGE.min}, ${PIN_RANGE.max}], got ${size}`);
  }
  const from = s.target;
  const to = size ?? from;
  const next = copyState(s);
  next.pinned = size;
  next.target = to;
  next.recommended = to;
  const decision: Decision = {
    pool: s.spec.name,
    ts: nowMs,
    action: size === null ? 'unpin' : 'pin',
    from,
    to,
    recommended: to,
    reason: 'pinned',
    mode: modeOf(next),
    utilization: s.signals.utilization,
    queueStall: s.signals.queueStall,
    workerIdle: s.signals.workerIdle,
    band: s.spec.params.band,
  };
  return { state: remember(next, decision), decision };
}
