// The one hook the service calls: every pool whose `source` is uWSGI gets a poll each period
// (never two at once: a slow uWSGI skips periods) and its target applied when it changes; a
// reload starts, stops and renews the sources as the pools' sources changed. A
// poll is timed to end just before the pool's tick (POLL_LEAD_MS before it), so the tick decides
// on a sample a few milliseconds old, not one that missed it by a little and waited a period.
import { asyncScheduler } from 'rxjs';
import type { SchedulerLike, Subscription } from 'rxjs';
import type { AttemptHook } from '../../actuators/index.js';
import type { PoolConfig, SourceConfig } from '../../config/index.js';
import { poolBounds } from '../../core/index.js';
import type { Mode, PoolView } from '../../core/index.js';
import type { Engine, Logger } from '../../streams/index.js';
import { nodeFiles } from '../files.js';
import { readListenQueue } from '../listen-queue.js';
import type { ListenQueueReader } from '../listen-queue.js';
import { createCpuReader } from '../proc-cpu.js';
import type { CpuReader } from '../proc-cpu.js';
import { nodeFifo } from './fifo.js';
import type { FifoWriter } from './fifo.js';
import { createUwsgiSource } from './source.js';
import type { UwsgiHandover } from './source.js';
import { nodeStatsReader } from './stats-reader.js';
import type { StatsReader } from './stats-reader.js';

/** A poll starts this long (at most a quarter period) before the pool's tick: a stats read takes milliseconds. */
export const POLL_LEAD_MS = 100;

/**
 * A uWSGI pool ticks this long before each whole second of the epoch (every tick at a period of
 * whole seconds; src/streams/ticks.ts). uWSGI's master applies FIFO commands at its cheaper check,
 * the first turn of its loop in a new wall-clock second, and the source wakes it just after the
 * second starts (WAKE_AFTER_SECOND_MS): the commands of a tick just before the second are applied
 * about 110 ms after it, where a tick at any other time of the second waited up to a second
 * for it (half a second on average). The poll before the tick (POLL_LEAD_MS) reads the stats in
 * the same second, so its wake of the master spends that second's check, not the next one's.
 */
export const TICK_BEFORE_SECOND_MS = 100;

/** How long before each multiple of its period a pool ticks: TICK_BEFORE_SECOND_MS for a pool with a uWSGI source, else null (no phase). */
export function uwsgiTickLeadMs(pool: Pick<PoolConfig, 'source'>): number | null {
  return pool.source?.type === 'uwsgi' ? TICK_BEFORE_SECOND_MS : null;
}

export interface AttachUwsgiDeps {
  /** `state`, when given, tells a source the pool's mode and target while uWSGI runs no worker */
  engine: Pick<Engine, 'ingest' | 'targetChanges' | 'nextTickMs'> & { state?: (pool: string) => Pick<PoolView, 'mode' | 'target'> };
  config: { pools: readonly PoolConfig[]; cpus: number };
  logger: Logger;
  scheduler?: SchedulerLike;
  /** epoch ms; default the scheduler's clock */
  now?: () => number;
  readStats?: StatsReader;
  fifo?: FifoWriter;
  /** the workers' CPU reader for a pool; default the /proc reader; null: none */
  cpu?: ((pool: string) => CpuReader) | null;
  /** the kernel's accept queue of uWSGI's TCP sockets; default read from /proc; null: none (uWSGI's own figure) */
  listenQueue?: ListenQueueReader | null;
  /** each FIFO write of commands (actuations_total{pool, result}) */
  actuation?: AttemptHook;
}

/** The uWSGI sources of the running config's pools. */
export interface UwsgiSources {
  /**
   * A reload (after the engine took it): the sources of pools added with a `source` start;
   * those of pools removed, or whose source left, stop; a pool whose source, kind, period or
   * CPUs changed gets a new one (read afresh from uWSGI, taking over the commands uWSGI still
   * holds); the others go on untouched.
   */
  reconfigure(config: { pools: readonly PoolConfig[]; cpus: number }): void;
  stop(): void;
}

/** A pool's running source. */
interface Attached {
  key: string;
  handover: () => UwsgiHandover;
  stop: () => void;
}

/** What a pool's source is made from: a change in any of it makes a new source. */
const sourceKey = (pool: PoolConfig, cpus: number): string => JSON.stringify([pool.source, pool.kind, pool.params.periodMs, cpus]);

/** The pool's mode and target from the engine; null when it has no such pool (a reload removed it). */
function wantedOf(state: (pool: string) => Pick<PoolView, 'mode' | 'target'>, name: string): () => { mode: Mode; target: number } | null {
  return () => {
    try {
      const view = state(name);
      return { mode: view.mode, target: view.target };
    } catch {
      return null;
    }
  };
}

/** Starts the uWSGI sources of the config's pools. */
export function attachUwsgiSources(deps: AttachUwsgiDeps): UwsgiSources {
  const scheduler = deps.scheduler ?? asyncScheduler;
  const now = deps.now ?? (() => scheduler.now());
  const attached = new Map<string, Attached>();
  const engineState = deps.engine.state?.bind(deps.engine);
  /** The pool that has each FIFO (its file, links followed) first: one uWSGI is one pool (UwsgiSourceDeps.sharedWith). */
  const writers = new Map<string, string>();
  const release = (pool: string, but: string | null = null) => {
    for (const [file, p] of writers) if (p === pool && file !== but) writers.delete(file);
  };
  const sharedWith = (pool: string) => (fifo: string | null): string | null => {
    release(pool, fifo);
    if (fifo === null) return null;
    const first = writers.get(fifo);
    if (first !== undefined && first !== pool) return first;
    writers.set(fifo, pool);
    return null;
  };

  /** One pool's source: polled before each of the pool's ticks, its target applied. */
  function attach(pool: PoolConfig, source: SourceConfig, cpus: number, handover: UwsgiHandover | undefined): Attached {
    if (pool.kind !== 'transfer') {
      const { min, max } = poolBounds(pool.kind, cpus);
      deps.logger.warn(
        { pool: pool.name, kind: pool.kind, stats: source.stats },
        `pool ${pool.name}: kind ${pool.kind} with a uWSGI source: uWSGI's workers are sized within a ${pool.kind} pool's bounds (${min}..${max}); kind transfer gives a worker pool's (docs/operator-guide.md, "Driving uWSGI")`,
      );
    }
    const src = createUwsgiSource({
      pool: pool.name,
      source,
      periodMs: pool.params.periodMs,
      bounds: poolBounds(pool.kind, cpus),
      engine: deps.engine,
      now,
      later: (fn, delayMs) => {
        const timer = scheduler.schedule(fn, delayMs);
        return () => timer.unsubscribe();
      },
      readStats: deps.readStats ?? nodeStatsReader,
      fifo: deps.fifo ?? nodeFifo,
      cpu: deps.cpu === null ? null : (deps.cpu ?? ((): CpuReader => createCpuReader({ files: nodeFiles, now })))(pool.name),
      listenQueue: deps.listenQueue === undefined ? (pid, listeners) => readListenQueue(nodeFiles, pid, listeners) : deps.listenQueue,
      logger: deps.logger,
      ...(deps.actuation ? { actuation: deps.actuation } : {}),
      ...(handover ? { handover } : {}),
      ...(engineState ? { wanted: wantedOf(engineState, pool.name) } : {}),
      sharedWith: sharedWith(pool.name),
    });
    const periodMs = pool.params.periodMs;
    const leadMs = Math.min(POLL_LEAD_MS, periodMs / 4);
    /** Until the pool's next tick but the lead (the one after, when that is past), or a period without one. */
    const untilNextPoll = (): number => {
      const nowMs = now();
      let at: number;
      try {
        at = deps.engine.nextTickMs(pool.name) - leadMs;
      } catch {
        return periodMs; // the pool left the engine (a reload): its source is stopped with it
      }
      while (at <= nowMs) at += periodMs;
      return at - nowMs;
    };
    let polling: Subscription | null = null;
    let stopped = false;
    const pollIn = (delayMs: number) => {
      polling = scheduler.schedule(() => {
        void src.poll().then(() => {
          if (!stopped) pollIn(untilNextPoll());
        });
      }, delayMs);
    };
    pollIn(0);
    const targets = deps.engine.targetChanges(pool.name).subscribe((target) => src.apply(target));
    return {
      key: sourceKey(pool, cpus),
      handover: () => src.handover(),
      stop: () => {
        stopped = true;
        polling?.unsubscribe();
        src.stop();
        targets.unsubscribe();
        release(pool.name);
      },
    };
  }

  function reconfigure(config: { pools: readonly PoolConfig[]; cpus: number }): void {
    const wanted = new Map(config.pools.map((p) => [p.name, p]));
    // A renewed source takes over the commands its predecessor sent that uWSGI still holds: sent
    // again, a pending `-` would retire one more worker later.
    const handovers = new Map<string, UwsgiHandover>();
    for (const [name, a] of attached) {
      const pool = wanted.get(name);
      if (pool?.source?.type === 'uwsgi' && sourceKey(pool, config.cpus) === a.key) continue;
      if (pool?.source?.type === 'uwsgi') handovers.set(name, a.handover());
      a.stop();
      attached.delete(name);
    }
    for (const pool of config.pools) {
      if (pool.source?.type !== 'uwsgi' || attached.has(pool.name)) continue;
      attached.set(pool.name, attach(pool, pool.source, config.cpus, handovers.get(pool.name)));
    }
  }

  reconfigure(deps.config);
  return {
    reconfigure,
    stop() {
      for (const a of attached.values()) a.stop();
      attached.clear();
    },
  };
}
