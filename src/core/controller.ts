// One pool's controller: a pure step from (state, the period's samples, the sidecar's CPU
// reading, now) to (state, decision). It reads as its order:
//   signals -> mode gate -> law -> the law's stages -> commit
// Time comes in as `nowMs`; nothing here reads a clock, logs or does I/O.
import { isPinSize, PIN_RANGE_TEXT } from '../protocol/pin.js';
import { computeSignals, initSignalState } from './signals.js';
import { NO_CPU } from './cpu.js';
import { decide, modeOf } from './decision.js';
import { modeGate } from './gate.js';
import { getLaw } from './laws/index.js';
import type { LawContext } from './laws/index.js';
import { initMoves, recordAppliedGrow, recordFailedGrow, recordMove } from './moves.js';
import { initProbe, updateProbe } from './probe.js';
import { runStages } from './stages/stage.js';
import type { StageContext } from './stages/stage.js';
import { boundsOf, reportedSize, startedSize, staticSizeOf, withinBounds } from './state.js';
import type { ControllerState, PoolSpec } from './state.js';
import type { CpuReading, Decision, Sample } from './types.js';

export type { ControllerState, PoolSpec } from './state.js';

export class ControllerError extends Error {
  constructor(pool: string, message: string) {
    super(`pool ${pool}: ${message}`);
    this.name = 'ControllerError';
  }
}

export function createController(spec: PoolSpec, nowMs: number): ControllerState {
  const law = getLaw(spec.params.law);
  const s: ControllerState = {
    spec,
    pinned: spec.pinned,
    target: 0,
    recommended: 0,
    size: null,
    signalState: initSignalState(),
    signals: {
      utilization: null, queueStall: null, workerIdle: null, idleReported: false, idleInformative: false,
      throughput: null, completedReported: false, demand: null, queueGrowth: null, busy: null, busyPerTask: null, cpu: NO_CPU,
      classification: 'unknown', size: null, starting: 0, fresh: false,
    },
    lawState: null,
    stages: law.stages.map((stage) => stage.init()),
    moves: initMoves(),
    probe: initProbe(),
    pendingGrow: null,
    startedMs: nowMs,
    lastTickMs: null,
    staleTicks: 0,
    sizeLimit: null,
    lastDecisions: [],
  };
  s.target = s.recommended = spec.pinned ?? staticSizeOf(s);
  s.lawState = law.init(s.target, spec.params);
  return s;
}

/** What the daemon can run: the period's last sample says (without `maxSize`, no limit); without samples, as before. */
function sizeLimitOf(samples: readonly Sample[], before: number | null): number | null {
  const last = samples.at(-1);
  return last === undefined ? before : (last.maxSize ?? null);
}

/** One tick: the samples received during the period, the sidecar's CPU reading if any, and the time. */
export function tick(
  prev: ControllerState,
  samples: readonly Sample[],
  nowMs: number,
  cpu: CpuReading | null = null,
): { state: ControllerState; decision: Decision } {
  const { params, n } = prev.spec;
  const law = getLaw(params.law);
  const computed = computeSignals(prev.signalState, samples, { idleEwmaSeconds: params.idleEwmaSeconds, n, cpu });
  const { signals } = computed;
  const reported = signals.fresh ? signals.size : null;
  // One fresh state a tick, written in place below (`prev` is never touched); a literal of
  // the full shape, not a spread: at 10,000 pools a spread's copy and garbage show.
  const s: ControllerState = {
    spec: prev.spec,
    pinned: prev.pinned,
    target: prev.target,
    recommended: prev.recommended,
    size: reported ?? prev.size,
    signalState: computed.state,
    signals,
    lawState: prev.lawState,
    stages: prev.stages,
    moves: prev.moves,
    probe: updateProbe(prev.probe, prev.moves, reported, signals.throughput, params.periodMs),
    pendingGrow: prev.pendingGrow,
    startedMs: prev.startedMs,
    lastTickMs: nowMs,
    staleTicks: signals.fresh ? 0 : prev.staleTicks + 1,
    sizeLimit: sizeLimitOf(samples, prev.sizeLimit),
    lastDecisions: prev.lastDecisions,
  };
  const started = startedSize(s);
  if (s.pendingGrow !== null && started !== null && started >= s.pendingGrow.to) {
    s.pendingGrow = null; // applied
    s.moves = recordAppliedGrow(s.moves);
  } else if (started !== null && s.moves.failedGrowAt !== null && started > s.moves.failedGrowAt) {
    // A grow given up on went through late: the daemon has no limit at the size it stayed at.
    s.moves = recordAppliedGrow(s.moves);
  }
  const mode = modeOf(s);
  // Control starts from the size the daemon reports (a restarted sidecar resumes from it).
  if (started !== null && prev.size === null && (mode === 'adaptive' || mode === 'observe')) s.target = started;

  const gated = modeGate(s, prev.target, nowMs);
  if (gated !== null) {
    if (gated.reason === 'failed-grow') {
      // The daemon did not apply the grow: keep its size and back off before growing again.
      s.pendingGrow = null;
      s.moves = recordFailedGrow(s.moves, gated.target, nowMs);
    }
    s.target = gated.target;
    s.recommended = gated.recommended;
    return decide(s, nowMs, gated.from, gated.target, gated.recommended, gated.reason);
  }

  const base = mode === 'observe' ? reportedSize(s) : s.target;
  const bounds = boundsOf(s);
  const dtMs = prev.lastTickMs === null ? params.periodMs : Math.max(0, nowMs - prev.lastTickMs);
  const lawCtx: LawContext = { signals, samples, utilization: signals.utilization as number, size: base, bounds, band: params.band, params, n, nowMs, dtMs };
  const stepped = law.step(prev.lawState, lawCtx);
  if (!Number.isInteger(stepped.proposal.size)) {
    throw new ControllerError(s.spec.name, `law ${law.name} proposed ${stepped.proposal.size}, not a whole number`);
  }
  const ctx: StageContext = {
    spec: s.spec, bounds, staticSize: staticSizeOf(s), signals, base, reported, nowMs, startedMs: s.startedMs,
    moves: s.moves, probe: s.probe, maxStep: law.maxStep(base, params),
  };
  const { proposal, states } = runStages(law.stages, prev.stages, stepped.proposal, ctx);
  if (!Number.isInteger(proposal.size) || proposal.size < bounds.min || proposal.size > bounds.max) {
    throw new ControllerError(s.spec.name, `decision ${proposal.size} is outside ${bounds.min}..${bounds.max}`);
  }

  // Commit: the law learns what went through, the move is recorded, the target set.
  s.lawState = law.settle === undefined ? stepped.state : law.settle(stepped.state, lawCtx, stepped.proposal, proposal.size);
  s.stages = states;
  const acting = mode === 'adaptive';
  s.moves = recordMove(s.moves, base, proposal.size, nowMs, acting, params.shrinkCooldownMs);
  if (proposal.size > base) s.pendingGrow = acting ? { to: proposal.size, atMs: nowMs } : null;
  else if (proposal.size < base) s.pendingGrow = null;
  s.target = mode === 'observe' ? reportedSize(s) : proposal.size;
  // Observing, the size stays put, so a recommended move's cooldown holds at the size: acting,
  // the target would stay where the move took it, and so does the recommendation.
  const cooling = mode === 'observe' && proposal.reason === 'cooldown' && proposal.size === base;
  s.recommended = cooling ? prev.recommended : proposal.size;
  return decide(s, nowMs, base, s.target, proposal.size, proposal.reason);
}

/**
 * Pins the pool to `size`, or unpins it with null (control resumes from the size in force).
 * Throws a RangeError for a size that is not a whole number in the pin range (src/protocol/pin.ts).
 */
export function setPin(s: ControllerState, size: number | null, nowMs: number): { state: ControllerState; decision: Decision } {
  if (size !== null && !isPinSize(size)) throw new RangeError(`pin size must be a whole number in ${PIN_RANGE_TEXT}, got ${size}`);
  const from = s.target;
  // A pin may lie outside the hard bounds; unpinned, the pool is back inside them at once.
  const to = size ?? withinBounds(s, from);
  const next: ControllerState = { ...s, pinned: size, target: to, recommended: to, pendingGrow: null };
  return decide(next, nowMs, from, to, to, 'pinned', size === null ? 'unpin' : 'pin');
}

/**
 * The target a reply to a sample carries: until a pool has taken control (its first sample
 * ticked), the size the daemon reports, so a restarted sidecar never tells a running daemon
 * its static size; after that, the target.
 */
export function replyTarget(s: ControllerState, newestReported: number | undefined): number {
  const mode = modeOf(s);
  const waiting = s.size === null && (mode === 'adaptive' || mode === 'observe') && newestReported !== undefined;
  return waiting ? (newestReported as number) : s.target;
}
