// The sidecar's engine: one control loop per pool (pool-loop.ts), one shared decision
// stream that every consumer reads (the HTTP reply, the long poll, SSE, metrics, the log
// and the actuators), and the clock, which is the injected scheduler's (TestScheduler in
// tests, so whole scenarios run in virtual time).
import { BehaviorSubject, Subject, map, race, skip, take, timer } from 'rxjs';
import type { Observable, SchedulerLike, Subscription } from 'rxjs';
import { PIN_RANGE, createController, modeOf, poolView, replyTarget, tick } from '../core/index.js';
import type { Action, ControllerState, Decision, PoolView, Sample } from '../core/index.js';
import type { PoolConfig } from '../config/index.js';
import { EngineError } from './errors.js';
import { createPoolLoop } from './pool-loop.js';
import type { LoopOutput, PoolLoop, ReadCpu } from './pool-loop.js';
import { silentLogger } from './types.js';
import type { EngineMetrics, Ingested, Logger, SampleReply, StepFn } from './types.js';

export interface EngineOptions {
  config: { pools: readonly PoolConfig[]; cpus: number; enabled: boolean };
  scheduler: SchedulerLike;
  logger?: Logger;
  metrics?: EngineMetrics;
  /** the law as a reducer over ticks; default the core's tick */
  step?: StepFn;
  /** the sidecar's own CPU reading of a pool's threads at a tick (the `process` source), by pool */
  readCpu?: (pool: string) => ReadCpu | undefined;
}

export interface Engine {
  readonly pools: readonly string[];
  has(pool: string): boolean;
  /** the scheduler's clock, in epoch ms (virtual under TestScheduler) */
  now(): number;
  /** Queues validated samples for the pool's next tick and answers with the target in force now. */
  ingest(pool: string, samples: readonly Sample[]): SampleReply;
  state(pool: string): PoolView;
  states(): PoolView[];
  /** Pins (size) or unpins (null) at once; throws RangeError for a size outside [1, 4096]. */
  pin(pool: string, size: number | null): { view: PoolView; decision: Decision };
  /** every decision of every pool, holds included, in order */
  readonly decisions$: Observable<Decision>;
  /** accepted samples, after they were queued */
  readonly ingested$: Observable<Ingested>;
  /** the pool's target each time it changes (not its current value) */
  targetChanges(pool: string): Observable<number>;
  /** the new target on the next change, or the current one after waitMs; then completes */
  waitForTarget(pool: string, waitMs: number): Observable<number>;
  /** true once every pool's loop has ticked, until stop() */
  ready(): boolean;
  stop(): void;
}

interface PoolRuntime {
  name: string;
  loop: PoolLoop;
  current: LoopOutput;
  lastAction: Action;
  ticked: boolean;
  /** whether the log already said how to give this pool a CPU source */
  advisedCpu: boolean;
  target$: BehaviorSubject<number>;
}

export function createEngine(options: EngineOptions): Engine {
  const { scheduler, config } = options;
  const logger = options.logger ?? silentLogger;
  const step = options.step ?? tick;
  const metrics = options.metrics;
  const decisions = new Subject<Decision>();
  const ingested = new Subject<Ingested>();
  const subscriptions: Subscription[] = [];
  // A Map, never an object: a pool name from a URL must not reach the prototype chain.
  const runtimes = new Map<string, PoolRuntime>();
  let stopped = false;

  for (const pool of config.pools) {
    const nowMs = scheduler.now();
    const initial = createController(
      { name: pool.name, kind: pool.kind, n: config.cpus, params: pool.params, mode: pool.mode, pinned: pool.pinned, enabled: config.enabled },
      nowMs,
    );
    const loop = createPoolLoop(initial, step, scheduler, options.readCpu?.(pool.name));
    const rt: PoolRuntime = {
      name: pool.name,
      loop,
      current: { event: 'tick', state: initial, decision: null, error: null, tickSeconds: null },
      lastAction: 'hold',
      ticked: false,
      advisedCpu: false,
      target$: new BehaviorSubject(initial.target),
    };
    runtimes.set(pool.name, rt);
  }
  // Subscribed after every pool exists, so the first ticks line up.
  for (const rt of runtimes.values()) {
    subscriptions.push(rt.loop.outputs$.subscribe((out) => onOutput(rt, out)));
  }

  function onOutput(rt: PoolRuntime, out: LoopOutput): void {
    if (out.event === 'tick') rt.ticked = true;
    rt.current = out;
    if (out.error !== null) {
      metrics?.controllerError(rt.name);
      logger.error({ pool: rt.name, event: out.event, err: out.error }, `pool ${rt.name}: controller failed; keeping target ${out.state.target}`);
      return;
    }
    if (out.tickSeconds !== null) metrics?.tickDuration(out.tickSeconds);
    adviseCpuSource(rt, out.state);
    if (out.decision === null) return;
    rt.lastAction = out.decision.action;
    if (out.state.target !== rt.target$.value) rt.target$.next(out.state.target);
    decisions.next(out.decision);
  }

  /**
   * Once per pool, when its samples come without any CPU figure: the sizer then cannot tell
   * workers blocked in I/O from computing ones, so the log says how to give it one.
   */
  function adviseCpuSource(rt: PoolRuntime, state: ControllerState): void {
    if (rt.advisedCpu || !state.signals.fresh || state.signals.cpu.source !== 'none') return;
    rt.advisedCpu = true;
    logger.warn(
      { pool: rt.name, cpuSource: 'none' },
      `pool ${rt.name}: no CPU figure, so blocked workers cannot be told from computing ones; send cpuSeconds and runDelaySeconds (or the daemon's pid) in its samples, or set pools.${rt.name}.process in the config (docs/integration.md, "CPU figures")`,
    );
  }

  function runtime(pool: string): PoolRuntime {
    const rt = runtimes.get(pool);
    if (rt === undefined) throw new EngineError('unknown-pool', `unknown pool "${pool}"`);
    return rt;
  }

  function reply(rt: PoolRuntime, samples: readonly Sample[]): SampleReply {
    const { state } = rt.current;
    const newest = samples.reduce<Sample | undefined>((a, b) => (a === undefined || b.ts >= a.ts ? b : a), undefined);
    return { pool: rt.name, target: replyTarget(state, newest?.size), action: rt.lastAction, mode: modeOf(state) };
  }

  return {
    pools: [...runtimes.keys()],
    has: (pool) => runtimes.has(pool),
    now: () => scheduler.now(),
    ingest(pool, samples) {
      const rt = runtime(pool);
      if (stopped) throw new EngineError('stopped', 'the engine is stopping');
      rt.loop.samples.next(samples);
      metrics?.samplesAccepted(pool, samples.length);
      ingested.next({ pool, receivedAt: scheduler.now(), samples });
      return reply(rt, samples);
    },
    state: (pool) => poolView(runtime(pool).current.state, scheduler.now()),
    states: () => [...runtimes.values()].map((rt) => poolView(rt.current.state, scheduler.now())),
    pin(pool, size) {
      const rt = runtime(pool);
      if (size !== null && (!Number.isInteger(size) || size < PIN_RANGE.min || size > PIN_RANGE.max)) {
        throw new RangeError(`size must be a whole number in [${PIN_RANGE.min}, ${PIN_RANGE.max}]`);
      }
      if (stopped) throw new EngineError('stopped', 'the engine is stopping');
      // The pin goes through the pool's scan like a tick, so it is ordered with the ticks.
      rt.loop.pins.next({ kind: 'pin', size, nowMs: scheduler.now() });
      const out = rt.current;
      if (out.event !== 'pin' || out.decision === null) {
        throw new EngineError('controller-failed', `pool ${pool}: the pin was not applied`);
      }
      return { view: poolView(out.state, scheduler.now()), decision: out.decision };
    },
    decisions$: decisions.asObservable(),
    ingested$: ingested.asObservable(),
    targetChanges: (pool) => runtime(pool).target$.pipe(skip(1)),
    waitForTarget(pool, waitMs) {
      const rt = runtime(pool);
      return race(
        rt.target$.pipe(skip(1), take(1)),
        timer(Math.max(0, waitMs), scheduler).pipe(map(() => rt.target$.value)),
      );
    },
    ready: () => !stopped && [...runtimes.values()].every((rt) => rt.ticked),
    stop() {
      if (stopped) return;
      stopped = true;
      for (const s of subscriptions) s.unsubscribe();
      for (const rt of runtimes.values()) {
        rt.loop.samples.complete();
        rt.loop.pins.complete();
        rt.target$.complete();
      }
      decisions.complete();
      ingested.complete();
    },
  };
}
