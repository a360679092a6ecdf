// The sidecar's engine: one control loop per pool (pool-loop.ts), one shared decision
// stream that every consumer reads (the HTTP reply, the long poll, SSE, metrics, the log
// and the actuators), and the clock, which is the injected scheduler's (TestScheduler in
// tests, so whole scenarios run in virtual time). A reload reconfigures it in place: pools
// added, removed, changed (reconfigure.ts), each surviving pool keeping its state.
import { BehaviorSubject, Subject, map, race, skip, take, timer } from 'rxjs';
import type { Observable, SchedulerLike, Subscription } from 'rxjs';
import { createController, modeOf, poolQueue, poolView, replyTarget, tick } from '../core/index.js';
import type { Action, ControllerState, Decision, PoolQueue, PoolView, Sample } from '../core/index.js';
import type { PoolConfig } from '../config/index.js';
import { isPinSize, PIN_RANGE_TEXT } from '../protocol/index.js';
import type { SampleReply } from '../protocol/index.js';
import { initCadence, onArrival } from './cadence.js';
import type { Cadence } from './cadence.js';
import { EngineError } from './errors.js';
import { createPoolLoop } from './pool-loop.js';
import type { LoopOutput, PoolLoop, ReadCpu } from './pool-loop.js';
import { carryState, sameSettings, sourceMoved, specOf } from './reconfigure.js';
import { silentLogger } from './types.js';
import type { EngineMetrics, Ingested, Logger, StepFn } from './types.js';

export interface EngineOptions {
  config: { pools: readonly PoolConfig[]; cpus: number; enabled: boolean };
  scheduler: SchedulerLike;
  logger?: Logger;
  metrics?: EngineMetrics;
  /** the law as a reducer over ticks; default the core's tick */
  step?: StepFn;
  /** the sidecar's own CPU reading of a pool's threads at a tick (the `process` source), made per pool (and again when a reload changes it) */
  readCpu?: (pool: PoolConfig) => ReadCpu | undefined;
  /**
   * For a pool whose ticks must keep a phase of the wall clock: how long before each multiple of
   * its period on the epoch's clock it ticks (src/streams/ticks.ts); null or absent: every period
   * from the loop's start
   */
  tickLeadMs?: (pool: PoolConfig) => number | null;
}

/** What a reload did: pool names added, removed, changed (and of those, the ones that needed a new controller). */
export interface Reconfigured {
  added: string[];
  removed: string[];
  changed: string[];
  restarted: string[];
}

export interface Engine {
  /** the pools now (a reload may change them) */
  readonly pools: readonly string[];
  has(pool: string): boolean;
  /** the scheduler's clock, in epoch ms (virtual under TestScheduler) */
  now(): number;
  /** Queues validated samples for the pool's next tick and answers with the target in force now. */
  ingest(pool: string, samples: readonly Sample[]): SampleReply;
  state(pool: string): PoolView;
  states(): PoolView[];
  /** each pool's hand-off queue as its last sample that reported one saw it */
  queues(): PoolQueue[];
  /** Pins (size) or unpins (null) at once; throws RangeError for a size outside [1, 4096]. */
  pin(pool: string, size: number | null): { view: PoolView; decision: Decision };
  /** every decision of every pool, holds included, in order */
  readonly decisions$: Observable<Decision>;
  /** accepted samples, after they were queued */
  readonly ingested$: Observable<Ingested>;
  /** the pool's target each time it changes (not its current value) */
  targetChanges(pool: string): Observable<number>;
  /** when the pool's next tick is due (epoch ms): its last tick, or its loop's start, plus its period; for a pool with a tick lead, the next tick of its grid */
  nextTickMs(pool: string): number;
  /** the new target on the next change, or the current one after waitMs; then completes */
  waitForTarget(pool: string, waitMs: number): Observable<number>;
  /** true once every pool's loop has started (from creation), until stop() */
  ready(): boolean;
  /** a reload: pools added, removed and changed; surviving pools keep their state */
  reconfigure(config: { pools: readonly PoolConfig[]; cpus: number }): Reconfigured;
  stop(): void;
}

interface PoolRuntime {
  name: string;
  config: PoolConfig;
  loop: PoolLoop;
  /** the engine's subscription to the loop's outputs */
  sub: Subscription | null;
  current: LoopOutput;
  lastAction: Action;
  /** whether the log already said how to give this pool a CPU source */
  advisedCpu: boolean;
  /** fresh ticks in a row without a CPU figure */
  ticksWithoutCpu: number;
  target$: BehaviorSubject<number>;
  cadence: Cadence;
}

/** Fresh ticks in a row without a CPU figure before the log says how to give the pool one. */
export const ADVISE_CPU_AFTER_TICKS = 5;

export function createEngine(options: EngineOptions): Engine {
  const { scheduler, config } = options;
  const logger = options.logger ?? silentLogger;
  const step = options.step ?? tick;
  const metrics = options.metrics;
  const decisions = new Subject<Decision>();
  const ingested = new Subject<Ingested>();
  // A Map, never an object: a pool name from a URL must not reach the prototype chain.
  const runtimes = new Map<string, PoolRuntime>();
  let cpus = config.cpus;
  let pools: readonly string[] = config.pools.map((p) => p.name);
  let stopped = false;

  /** The pool's loop from `state`: its CPU reading and tick lead are the pool's config's. */
  const loopOf = (pool: PoolConfig, state: ControllerState) => createPoolLoop(state, step, scheduler, options.readCpu?.(pool), options.tickLeadMs?.(pool) ?? null);

  /** A pool's runtime with a fresh controller; its loop starts when start() subscribes. */
  function newRuntime(pool: PoolConfig, n: number, nowMs: number): PoolRuntime {
    const initial = createController(specOf(pool, n, config.enabled), nowMs);
    return {
      name: pool.name,
      config: pool,
      loop: loopOf(pool, initial),
      sub: null,
      current: { event: 'tick', state: initial, decision: null, error: null, tickSeconds: null },
      lastAction: 'hold',
      advisedCpu: false,
      ticksWithoutCpu: 0,
      target$: new BehaviorSubject(initial.target),
      cadence: initCadence(),
    };
  }

  for (const pool of config.pools) runtimes.set(pool.name, newRuntime(pool, cpus, scheduler.now()));
  // Subscribed after every pool exists, so the first ticks line up.
  for (const rt of runtimes.values()) start(rt);

  function start(rt: PoolRuntime): void {
    rt.sub = rt.loop.outputs$.subscribe((out) => onOutput(rt, out));
  }

  function halt(rt: PoolRuntime): void {
    rt.sub?.unsubscribe();
    rt.loop.samples.complete();
    rt.loop.pins.complete();
  }

  function onOutput(rt: PoolRuntime, out: LoopOutput): void {
    rt.current = out;
    if (out.error !== null) {
      metrics?.controllerError(rt.name);
      logger.error({ pool: rt.name, event: out.event, err: out.error }, `pool ${rt.name}: controller failed; keeping target ${out.state.target}`);
      return;
    }
    if (out.tickSeconds !== null) metrics?.tickDuration(out.tickSeconds);
    adviseCpuSource(rt, out.state);
    // The core's decisions say every change of target (a failed grow's fall-back is a shrink).
    if (out.decision !== null) publish(rt, out.decision, out.state.target);
  }

  /** The decision first, then the target it sets: the log says why before an actuator says what it did. */
  function publish(rt: PoolRuntime, decision: Decision, target: number): void {
    rt.lastAction = decision.action;
    decisions.next(decision);
    if (target !== rt.target$.value) rt.target$.next(target);
  }

  function watchCadence(rt: PoolRuntime, nowMs: number): void {
    const periodMs = rt.config.params.periodMs;
    const event = onArrival(rt.cadence, nowMs, periodMs);
    if (event?.kind === 'slow') {
      // A pool the sidecar reads itself (a source) misses samples when the daemon answers late or not at all.
      const remedy = rt.config.source !== null ? `the reads of ${rt.config.source.stats} fail or answer late (see the source's warnings), or raise periodMs` : 'post a sample every period, or raise periodMs';
      logger.warn(
        { pool: rt.name, gapMs: event.gapMs, periodMs },
        `pool ${rt.name}: samples arrive every ${event.gapMs} ms or so, slower than its period of ${periodMs} ms: most ticks see no sample; ${remedy}`,
      );
    } else if (event?.kind === 'recovered') {
      logger.info({ pool: rt.name, periodMs }, `pool ${rt.name}: samples arrive within its period of ${periodMs} ms again`);
    }
  }

  /**
   * Once per pool, when its samples come without any CPU figure for ADVISE_CPU_AFTER_TICKS fresh
   * ticks in a row (one sample without it, as a uWSGI reload's, is no reason): the sizer then
   * cannot tell workers blocked in I/O from computing ones, so the log says how to give it one.
   */
  function adviseCpuSource(rt: PoolRuntime, state: ControllerState): void {
    if (rt.advisedCpu || !state.signals.fresh) return;
    rt.ticksWithoutCpu = state.signals.cpu.source === 'none' ? rt.ticksWithoutCpu + 1 : 0;
    if (rt.ticksWithoutCpu < ADVISE_CPU_AFTER_TICKS) return;
    rt.advisedCpu = true;
    if (rt.config.source?.type === 'uwsgi') {
      logger.warn(
        { pool: rt.name, cpuSource: 'none' },
        `pool ${rt.name}: no CPU figure, so blocked workers cannot be told from computing ones: the sidecar cannot read the uWSGI workers' /proc/PID/task/*/schedstat (or stat); run it in uWSGI's PID namespace, as uWSGI's user (docs/operator-guide.md, "Driving uWSGI")`,
      );
      return;
    }
    const pattern = rt.config.process?.threads ?? null;
    logger.warn(
      { pool: rt.name, cpuSource: 'none' },
      pattern === null
        ? `pool ${rt.name}: no CPU figure, so blocked workers cannot be told from computing ones; send cpuSeconds and runDelaySeconds (or the daemon's pid) in its samples, or set pools.${rt.name}.process in the config (docs/integration.md, "CPU figures")`
        : `pool ${rt.name}: no CPU figure, so blocked workers cannot be told from computing ones: the process is not readable, or pools.${rt.name}.process.threads (${pattern}) matches none of its threads' names (the kernel keeps the first 15 characters of a thread's name, /proc/PID/task/TID/comm: match those); fix the pattern, or send cpuSeconds and runDelaySeconds in its samples (docs/integration.md, "CPU figures")`,
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
    get pools() {
      return pools;
    },
    has: (pool) => runtimes.has(pool),
    now: () => scheduler.now(),
    ingest(pool, samples) {
      const rt = runtime(pool);
      if (stopped) throw new EngineError('stopped', 'the engine is stopping');
      rt.loop.samples.next(samples);
      watchCadence(rt, scheduler.now());
      metrics?.samplesAccepted(pool, samples.length);
      ingested.next({ pool, receivedAt: scheduler.now(), samples });
      return reply(rt, samples);
    },
    state: (pool) => poolView(runtime(pool).current.state, scheduler.now()),
    states: () => [...runtimes.values()].map((rt) => poolView(rt.current.state, scheduler.now())),
    queues: () => [...runtimes.values()].map((rt) => poolQueue(rt.current.state)),
    pin(pool, size) {
      const rt = runtime(pool);
      if (size !== null && !isPinSize(size)) {
        throw new RangeError(`size must be a whole number in ${PIN_RANGE_TEXT}`);
      }
      if (stopped) throw new EngineError('stopped', 'the engine is stopping');
      // The pin goes through the pool's scan like a tick, so it is ordered with the ticks.
      rt.loop.pins.next({ kind: 'pin', size, nowMs: scheduler.now() });
      const out = rt.current;
      if (out.event !== 'pin' || out.decision === null) {
        throw new EngineError('controller-failed', `pool ${pool}: the pin was not applied`);
      }
      const configured = rt.config.pinned;
      if (size === null && configured !== null) {
        logger.warn(
          { pool, pinned: configured },
          `pool ${pool}: unpinned through the API although its config pins it (threads: ${configured}): control resumes, and only a restart of the sidecar (or a reload that changes its threads) pins it again; remove threads from the config to unpin it for good`,
        );
      }
      return { view: poolView(out.state, scheduler.now()), decision: out.decision };
    },
    decisions$: decisions.asObservable(),
    ingested$: ingested.asObservable(),
    targetChanges: (pool) => runtime(pool).target$.pipe(skip(1)),
    nextTickMs: (pool) => runtime(pool).loop.nextTickMs(),
    waitForTarget(pool, waitMs) {
      const rt = runtime(pool);
      return race(
        rt.target$.pipe(skip(1), take(1)),
        timer(Math.max(0, waitMs), scheduler).pipe(map(() => rt.target$.value)),
      );
    },
    // Every loop is subscribed when the engine is created: ready at once, not after the
    // slowest pool's first tick (a periodMs of 20 s would hold readiness for 20 s).
    ready: () => !stopped,
    reconfigure(next) {
      if (stopped) throw new EngineError('stopped', 'the engine is stopping');
      const out: Reconfigured = { added: [], removed: [], changed: [], restarted: [] };
      const nowMs = scheduler.now();
      const wanted = new Map(next.pools.map((p) => [p.name, p]));
      for (const rt of [...runtimes.values()]) {
        if (wanted.has(rt.name)) continue;
        halt(rt);
        rt.target$.complete();
        runtimes.delete(rt.name);
        out.removed.push(rt.name);
      }
      for (const pool of next.pools) {
        const rt = runtimes.get(pool.name);
        if (rt === undefined) {
          const added = newRuntime(pool, next.cpus, nowMs);
          runtimes.set(pool.name, added);
          start(added);
          out.added.push(pool.name);
          continue;
        }
        if (sameSettings(rt.config, pool) && next.cpus === cpus) continue;
        // The loop is rebuilt (its period may have changed) from the state it has now.
        const moved = sourceMoved(rt.config, pool);
        const carried = carryState(rt.current.state, specOf(pool, next.cpus, config.enabled), nowMs, moved);
        // The samples accepted since the last tick go to the new loop's first tick (they were
        // answered), unless they are another daemon's: a pool that reads a new one adopts its size.
        const pending = moved ? [] : rt.loop.pending();
        halt(rt);
        rt.config = pool;
        rt.loop = loopOf(pool, carried.state);
        rt.current = { event: 'tick', state: carried.state, decision: null, error: null, tickSeconds: null };
        rt.cadence = initCadence();
        start(rt);
        if (pending.length > 0) rt.loop.samples.next(pending);
        if (carried.decision !== null) publish(rt, carried.decision, carried.state.target);
        out.changed.push(pool.name);
        if (carried.fresh) out.restarted.push(pool.name);
      }
      // Map order is insertion order: keep the file's order for the API and the metrics.
      const order = new Map(runtimes);
      runtimes.clear();
      for (const p of next.pools) runtimes.set(p.name, order.get(p.name) as PoolRuntime);
      cpus = next.cpus;
      pools = next.pools.map((p) => p.name);
      return out;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      for (const rt of runtimes.values()) {
        halt(rt);
        rt.target$.complete();
      }
      decisions.complete();
      ingested.complete();
    },
  };
}
