// One pool's control loop as a stream: the samples received during a period are windowed
// by a tick at the pool's period, and each tick (or a run-time pin) is reduced into the
// controller state with `scan`. The reducer is guarded: an exception in the controller is
// caught here, at the pool's boundary, and the pool keeps its last-known-good state, so the
// stream never errors and the other pools never notice.
import { Subject, buffer, defer, map, merge, scan, tap } from 'rxjs';
import type { Observable, SchedulerLike } from 'rxjs';
import { performance } from 'node:perf_hooks';
import { setPin } from '../core/index.js';
import type { ControllerState, CpuReading, Decision, Sample } from '../core/index.js';
import { nextTickAfter, poolTicks } from './ticks.js';
import type { StepFn } from './types.js';

/**
 * At most this many samples are fed to one tick (the newest). A daemon reporting faster
 * than this per period gains nothing from more, and memory stays bounded.
 */
export const MAX_SAMPLES_PER_TICK = 10_000;

export type LoopEvent =
  | { kind: 'tick'; samples: readonly Sample[]; nowMs: number; cpu: CpuReading | null }
  | { kind: 'pin'; size: number | null; nowMs: number };

/** The reducer's output: the state after the event, its decision, or the error it threw. */
export interface LoopOutput {
  event: LoopEvent['kind'];
  state: ControllerState;
  decision: Decision | null;
  error: Error | null;
  tickSeconds: number | null;
}

export interface PoolLoop {
  /** where accepted samples go; the next tick sees them */
  readonly samples: Subject<readonly Sample[]>;
  readonly pins: Subject<LoopEvent & { kind: 'pin' }>;
  /** every tick and pin, reduced: subscribe once (the engine does) */
  readonly outputs$: Observable<LoopOutput>;
  /** the samples received since the last tick, which the next tick will see (a reload hands them to the new loop) */
  pending(): readonly Sample[];
  /** when the loop ticks next (epoch ms) */
  nextTickMs(): number;
}

/** A reading that fails (a /proc race, a permission) is no reading: the tick goes on without it. */
function readCpuSafely(readCpu: ReadCpu, samples: readonly Sample[]): CpuReading | null {
  try {
    return readCpu(samples);
  } catch {
    return null;
  }
}

/** A reducer that never throws: on an exception it returns the previous state and the error. */
export function guardedReducer(step: StepFn): (prev: LoopOutput, ev: LoopEvent) => LoopOutput {
  return (prev, ev) => {
    const started = performance.now();
    try {
      const out = ev.kind === 'tick' ? step(prev.state, ev.samples, ev.nowMs, ev.cpu) : setPin(prev.state, ev.size, ev.nowMs);
      const tickSeconds = ev.kind === 'tick' ? (performance.now() - started) / 1000 : null;
      return { event: ev.kind, state: out.state, decision: out.decision, error: null, tickSeconds };
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      return { event: ev.kind, state: prev.state, decision: null, error, tickSeconds: null };
    }
  };
}

/** The sidecar's own CPU reading of the pool's threads at a tick (the `process` source), or null. */
export type ReadCpu = (samples: readonly Sample[]) => CpuReading | null;

export function createPoolLoop(
  initial: ControllerState,
  step: StepFn,
  scheduler: SchedulerLike,
  readCpu: ReadCpu = () => null,
  /** ticks this long before each multiple of the period on the epoch's clock (src/streams/ticks.ts); null: every period from the start */
  leadMs: number | null = null,
): PoolLoop {
  const periodMs = initial.spec.params.periodMs;
  const samples = new Subject<readonly Sample[]>();
  const pins = new Subject<LoopEvent & { kind: 'pin' }>();
  let held: (readonly Sample[])[] = [];
  // The time of the last tick (on a grid: the time it was due, though its timer fired early), or of the loop's start.
  let lastTickMs = scheduler.now();
  const ticks = defer(() => {
    lastTickMs = scheduler.now();
    return poolTicks(periodMs, leadMs, scheduler);
  }).pipe(tap((at) => void (lastTickMs = at)));
  const ticks$: Observable<LoopEvent> = samples.pipe(
    tap((batch) => void held.push(batch)),
    buffer(ticks),
    map((batches): LoopEvent => {
      held = [];
      const window = batches.flat();
      const samples = window.length > MAX_SAMPLES_PER_TICK ? window.slice(-MAX_SAMPLES_PER_TICK) : window;
      return { kind: 'tick', samples, nowMs: scheduler.now(), cpu: readCpuSafely(readCpu, samples) };
    }),
  );
  const seed: LoopOutput = { event: 'tick', state: initial, decision: null, error: null, tickSeconds: null };
  const outputs$ = merge(ticks$, pins).pipe(scan(guardedReducer(step), seed));
  return { samples, pins, outputs$, pending: () => held.flat(), nextTickMs: () => nextTickAfter(lastTickMs, periodMs, leadMs) };
}
