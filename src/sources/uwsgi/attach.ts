// The one hook the service calls: every pool whose `source` is uWSGI gets a poll each period
// (never two at once: a slow uWSGI skips periods) and its target applied when it changes. A
// poll is timed to end just before the pool's tick (POLL_LEAD_MS before it), so the tick decides
// on a sample a few milliseconds old, not one that missed it by a little and waited a period.
import { asyncScheduler } from 'rxjs';
import type { SchedulerLike, Subscription } from 'rxjs';
import type { PoolConfig } from '../../config/index.js';
import { poolBounds } from '../../core/index.js';
import type { Engine, Logger } from '../../streams/index.js';
import { nodeFiles } from '../files.js';
import { readListenQueue } from '../listen-queue.js';
import type { ListenQueueReader } from '../listen-queue.js';
import { createCpuReader } from '../proc-cpu.js';
import type { CpuReader } from '../proc-cpu.js';
import { nodeFifo } from './fifo.js';
import type { FifoWriter } from './fifo.js';
import { createUwsgiSource } from './source.js';
import { nodeStatsReader } from './stats-reader.js';
import type { StatsReader } from './stats-reader.js';

/** A poll starts this long (at most a quarter period) before the pool's tick: a stats read takes milliseconds. */
export const POLL_LEAD_MS = 100;

export interface AttachUwsgiDeps {
  engine: Pick<Engine, 'ingest' | 'targetChanges' | 'nextTickMs'>;
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
}

/** Starts the uWSGI sources of the config's pools; returns the function that stops them. */
export function attachUwsgiSources(deps: AttachUwsgiDeps): () => void {
  const scheduler = deps.scheduler ?? asyncScheduler;
  const now = deps.now ?? (() => scheduler.now());
  const subs: Subscription[] = [];
  const stops: (() => void)[] = [];
  for (const pool of deps.config.pools) {
    if (pool.source?.type !== 'uwsgi') continue;
    const src = createUwsgiSource({
      pool: pool.name,
      source: pool.source,
      periodMs: pool.params.periodMs,
      bounds: poolBounds(pool.kind, deps.config.cpus),
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
        return periodMs; // the pool left the engine (a reload): the sources stop with the service
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
    stops.push(() => {
      stopped = true;
      polling?.unsubscribe();
      src.stop();
    });
    subs.push(deps.engine.targetChanges(pool.name).subscribe((target) => src.apply(target)));
  }
  return () => {
    for (const stop of stops) stop();
    for (const s of subs) s.unsubscribe();
  };
}
