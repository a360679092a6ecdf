// uWSGI's stats server document (the `stats` option: one JSON document per connection), read
// into the few figures the sidecar uses. Only what is needed is checked; a document that is not
// uWSGI's is refused with what is wrong, never half-read.
import { parseListener } from '../listen-queue.js';
import type { Listener } from '../listen-queue.js';

/** One slot of uWSGI's worker table (`processes` slots): live, cheaped (status `cheap`), or ended and not yet respawned (pid 0). */
export interface UwsgiWorker {
  /** index in the worker table: stable across respawns, unlike the pid */
  slot: number;
  pid: number;
  status: string;
  /** cumulative requests served by the slot */
  requests: number;
  /** cumulative microseconds spent in requests, credited when each request ends */
  runningTimeUs: number;
  /** the worker's cores (`threads`, or async cores): requests it can serve at once, at least 1 */
  cores: number;
  /** per core (thread) of the worker: the epoch second its current request started, or null */
  requestStarts: (number | null)[];
  /**
   * per core: the requests it completed (uWSGI counts them when each ends), which tell a core's
   * request in progress from one after it; null when the stats do not give every core's
   */
  coreRequests: number[] | null;
  /** uWSGI's `avg_rt`: its running average of the slot's request time, microseconds (0 before the first request) */
  avgRtUs: number;
  /**
   * uWSGI's `respawn_count`: the slot's spawns by this master image, counting up with each
   * respawn (max-requests, max-worker-lifetime, a `+` after a cheap) and starting again at a
   * reload; null when the stats do not give it
   */
  respawns: number | null;
  /**
   * uWSGI's `last_spawn`: the epoch second the slot's worker was spawned (null when the stats do
   * not give it, or 0: never). With its pid it names one process: a uWSGI restarted in its own
   * PID namespace (a container) gives its new workers the pids of the old ones
   */
  spawnedAt: number | null;
  /** uWSGI's `harakiri_count`: the slot's workers killed for running a request past `harakiri` (cumulative) */
  harakiris: number;
  /**
   * uWSGI's `accepting`: false from the worker's spawn until it is ready to take requests (a
   * moment after the fork; with `lazy-apps`, until it has loaded the app, seconds for a large
   * one); true when the stats do not give it
   */
  accepting: boolean;
}

export interface UwsgiStats {
  masterPid: number;
  /** connections waiting in the listen queue (uWSGI's `listen_queue`); null: not known (see UwsgiSource) */
  listenQueue: number | null;
  /** uWSGI's `listen_queue_errors` (cumulative; 0 when uWSGI does not count them); null: not known */
  listenQueueErrors: number | null;
  /** the listen queue's size (the sockets' `max_queue`), or null when unknown */
  queueCapacity: number | null;
  /** the sockets uWSGI listens on over TCP (from their names), whose accept queue the kernel can tell */
  listeners: Listener[];
  /** the names of its other sockets (unix: a path, `@abstract`), whose backlog a stock Linux tells neither uWSGI nor the sidecar */
  otherSockets: string[];
  workers: UwsgiWorker[];
}

export class UwsgiStatsError extends Error {}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function count(obj: Json, key: string, where: string, fallback?: number): number {
  const v = obj[key];
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new UwsgiStatsError(`${where}.${key} must be a number >= 0, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** The text the stats server wrote (optionally behind HTTP headers, `stats-http`) into UwsgiStats. */
export function parseUwsgiStats(text: string): UwsgiStats {
  const body = text.startsWith('HTTP/') ? text.slice(text.indexOf('\r\n\r\n') + 4) : text;
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (e) {
    throw new UwsgiStatsError(`the stats server's answer is not JSON (${(e as Error).message})`);
  }
  if (!isObject(doc)) throw new UwsgiStatsError("the stats server's answer is not a JSON object");
  if (!Array.isArray(doc['workers'])) throw new UwsgiStatsError('the stats document has no workers array (is this uWSGI\'s stats server?)');
  const workers = doc['workers'].map((w: unknown, slot): UwsgiWorker => {
    const where = `workers[${slot}]`;
    if (!isObject(w)) throw new UwsgiStatsError(`${where} must be an object`);
    const status = w['status'];
    if (typeof status !== 'string') throw new UwsgiStatsError(`${where}.status must be a string`);
    const cores = Array.isArray(w['cores']) ? w['cores'] : [];
    const requestStarts = cores.map((c: unknown) => {
      if (!isObject(c) || c['in_request'] !== 1 || !isObject(c['req_info'])) return null;
      const start = c['req_info']['request_start'];
      return typeof start === 'number' && Number.isFinite(start) ? start : null;
    });
    const coreRequests = cores.map((c: unknown) => (isObject(c) && typeof c['requests'] === 'number' && Number.isFinite(c['requests']) ? c['requests'] : null));
    return {
      slot,
      pid: count(w, 'pid', where),
      status,
      requests: count(w, 'requests', where, 0),
      runningTimeUs: count(w, 'running_time', where, 0),
      cores: Math.max(1, cores.length),
      requestStarts,
      coreRequests: coreRequests.length > 0 && coreRequests.every((r) => r !== null) ? (coreRequests as number[]) : null,
      avgRtUs: count(w, 'avg_rt', where, 0),
      respawns: w['respawn_count'] === undefined ? null : count(w, 'respawn_count', where),
      harakiris: count(w, 'harakiri_count', where, 0),
      spawnedAt: w['last_spawn'] === undefined ? null : count(w, 'last_spawn', where) || null,
      accepting: w['accepting'] === undefined || count(w, 'accepting', where) > 0,
    };
  });
  const sockets = Array.isArray(doc['sockets']) ? doc['sockets'].filter(isObject) : [];
  const maxQueues = sockets.map((s) => s['max_queue']).filter((q): q is number => typeof q === 'number' && q > 0);
  return {
    masterPid: count(doc, 'pid', 'stats', 0),
    listenQueue: count(doc, 'listen_queue', 'stats', 0),
    listenQueueErrors: count(doc, 'listen_queue_errors', 'stats', 0),
    queueCapacity: maxQueues.length > 0 ? Math.max(...maxQueues) : null,
    listeners: sockets.flatMap((s) => {
      const l = typeof s['name'] === 'string' ? parseListener(s['name']) : null;
      return l === null ? [] : [l];
    }),
    otherSockets: sockets.flatMap((s) => (typeof s['name'] === 'string' && parseListener(s['name']) === null ? [s['name']] : [])),
    workers,
  };
}

/** A slot uWSGI has cheaped: it runs no worker until a `+` (or uWSGI's own algorithm) brings one back. */
export const isCheaped = (w: UwsgiWorker): boolean => w.status === 'cheap';

/** A worker process of the pool: spawned (pid > 0) and not cheaped. */
export const isLive = (w: UwsgiWorker): boolean => w.pid > 0 && !isCheaped(w);

/** A slot whose worker ended and is not cheaped: uWSGI respawns it (a reload, a recycled or killed worker). */
export const hasEnded = (w: UwsgiWorker): boolean => w.pid === 0 && !isCheaped(w);

/** Whether two readings of a slot name one process: the same pid, spawned at the same second when both say. */
export const sameProcess = (a: { pid: number; spawnedAt: number | null }, b: { pid: number; spawnedAt: number | null }): boolean =>
  a.pid === b.pid && (a.spawnedAt === null || b.spawnedAt === null || a.spawnedAt === b.spawnedAt);

/** A live worker that takes requests (not one still starting: see UwsgiWorker.accepting). */
export const isServing = (w: UwsgiWorker): boolean => isLive(w) && w.accepting;
