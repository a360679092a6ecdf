// Every metric of docs/operator-guide.md, by name, in one file, on a Registry the caller creates (never
// prom-client's global one). Pool gauges are set from the engine's state at scrape time, in
// collect(), so they can never drift from what the API shows.
import { Counter, Gauge, Histogram, collectDefaultMetrics } from 'prom-client';
import type { Registry } from 'prom-client';
import { CLASSIFICATIONS, CPU_SOURCES } from '../core/index.js';
import type { Action, Decision, LawName, PoolQueue, PoolView, Reason } from '../core/index.js';
import type { EngineMetrics } from '../streams/index.js';

export const PREFIX = 'adaptive_threads_';

export type ActuationResult = 'ok' | 'error';

/** What an HTTP limit refused: a connection over the cap, an event stream or long poll over its cap, headers too slow. */
export const REFUSAL_KINDS = ['connections', 'event-streams', 'long-polls', 'header-timeout'] as const;
export type RefusalKind = (typeof REFUSAL_KINDS)[number];

export interface Metrics extends EngineMetrics {
  readonly registry: Registry;
  decision(d: Decision): void;
  sampleRejected(reason: string): void;
  actuation(pool: string, result: ActuationResult): void;
  /** a request or connection refused by an HTTP limit */
  httpRefused(kind: RefusalKind): void;
  /** pools a reload added: their series start at 0 */
  addPools(pools: readonly { name: string; law: LawName }[]): void;
}

export interface MetricsOptions {
  registry: Registry;
  version: string;
  /** OC_ADAPTIVE_THREADS, as read at start */
  enabled: boolean;
  pools: readonly { name: string; law: LawName }[];
  /** n, the CPUs the daemon may use (the CPU ratio's denominator) */
  cpus: number;
  /** the pools' state now; called at scrape time */
  states: () => readonly PoolView[];
  /** the pools' hand-off queues now; called at scrape time */
  queues: () => readonly PoolQueue[];
  /** prom-client's process metrics (off in tests that count series) */
  defaultMetrics?: boolean;
}

/** A gauge per pool: its name, help and value from the pool's state (`n`: the CPUs the daemon may use). */
type PoolGauge = [name: string, help: string, value: (v: PoolView, n: number) => number | null];

const bit = (b: boolean): number => (b ? 1 : 0);

const POOL_GAUGES: readonly PoolGauge[] = [
  ['pool_size', 'Workers (or shards) the daemon reported last.', (v) => v.size],
  ['pool_target_size', 'The size the daemon is told.', (v) => v.target],
  ['pool_min_size', 'Hard lower bound of the pool (docs/operator-guide.md).', (v) => v.bounds.min],
  ['pool_max_size', 'Upper bound of the pool: the hard max, or the most workers its source reads the daemon can run when fewer (docs/operator-guide.md).', (v) => v.bounds.max],
  ['pool_utilization_ratio', 'busy / size over the last period.', (v) => v.utilization],
  ['pool_queue_stall_ratio', 'Fraction of the last period the hand-off queue was at capacity.', (v) => v.queueStall],
  ['pool_worker_idle_ratio', "EWMA of the samples' idle (the fraction of worker time spent off-CPU), or of 1 - busy/size when they carry none.", (v) => v.workerIdle],
  ['pool_throughput_per_second', 'Completions per second over the last period.', (v) => v.throughput],
  ['pool_demand_per_second', 'Completions plus refusals per second over the last period (when the daemon reports refused).', (v) => v.demand],
  ['pool_cpu_ratio', "CPUs' worth the pool's threads used, over n (smoothed over a few seconds).", (v, n) => (v.cpu.cpus === null ? null : v.cpu.cpus / n)],
  ['pool_run_delay_ratio', "Threads' worth waiting for a CPU, over the busy workers' threads (smoothed over a few seconds; 0 when nothing is busy).", (v) => v.cpu.runDelay],
  ['pool_ceiling_size', 'The size growth stops at, when one is learned.', (v) => v.ceiling],
  ['pool_band_low_ratio', 'Lower edge of the utilization band.', (v) => v.band.low],
  ['pool_band_high_ratio', 'Upper edge of the utilization band.', (v) => v.band.high],
  ['pool_stale', '1 when no sample arrived for staleAfterPeriods periods.', (v) => bit(v.stale)],
  ['pool_pinned', '1 when the pool is pinned to a size.', (v) => bit(v.mode === 'pinned')],
];

/** A gauge per pool from its hand-off queue (not part of the API's pool state). */
const QUEUE_GAUGES: readonly [name: string, help: string, value: (q: PoolQueue) => number | null][] = [
  ['pool_queue_depth', "Tasks in the hand-off queue in the daemon's last sample that reported a depth (a uWSGI source: its listen queue).", (q) => q.depth],
  ['pool_queue_capacity', "The hand-off queue's capacity in that sample, when it reported one (a uWSGI source: the socket's listen backlog).", (q) => q.capacity],
];

/** Tick durations are microseconds to milliseconds: the core is a few pure functions. */
const TICK_BUCKETS = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05];

/**
 * The decisions_total series created at 0 for every pool at start-up, so that increase() and
 * rate() see the first grow or shrink (the Flapping alert, the "Resize decisions" panel): the
 * reasons a move can carry (a hold's reasons come every tick and need no head start). `law`
 * is added for the peer laws only (hpa, hill, cheaper): pi, band and aimd never give it, and
 * every series costs scrape time (three labels, for each pool).
 */
export const INITIAL_DECISIONS: readonly { action: Action; reasons: readonly Reason[] }[] = [
  { action: 'grow', reasons: ['above-band', 'backlog', 'bound'] },
  { action: 'shrink', reasons: ['below-band', 'stabilized', 'saturated', 'bound'] },
  { action: 'hold', reasons: ['in-band'] },
];
const BAND_LAWS: readonly LawName[] = ['pi', 'band', 'aimd'];

/** samples_rejected_total's reasons created at 0: the refusals a daemon's samples can get. */
export const INITIAL_REJECT_REASONS = ['invalid-sample', 'not-json', 'too-large', 'unsupported-media-type', 'rate-limited', 'bad-request', 'unknown-pool'] as const;

export const ACTUATION_RESULTS: readonly ActuationResult[] = ['ok', 'error'];

export const MISNAMED_DEFAULT_GAUGES = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export function createMetrics(options: MetricsOptions): Metrics {
  const { registry, states } = options;
  const registers = [registry];

  /** A gauge per pool from rows named by pool; unknown (no sample yet) is an absent series, not a made-up 0. */
  const poolGauge = <T extends { name: string }>(name: string, help: string, rows: () => Iterable<T>, value: (row: T) => number | null): void => {
    new Gauge({
      name: PREFIX + name,
      help,
      labelNames: ['pool'],
      registers,
      collect() {
        this.reset();
        for (const row of rows()) {
          const x = value(row);
          if (x !== null && Number.isFinite(x)) this.set({ pool: row.name }, x);
        }
      },
    });
  };
  for (const [name, help, value] of POOL_GAUGES) poolGauge(name, help, states, (v) => value(v, options.cpus));
  for (const [name, help, value] of QUEUE_GAUGES) poolGauge(name, help, options.queues, value);
  new Gauge({
    name: `${PREFIX}pool_cpu_source`,
    help: "Where the pool's CPU figure comes from: 1 for the source in use (sample, process or none), 0 for the others.",
    labelNames: ['pool', 'source'],
    registers,
    collect() {
      this.reset();
      for (const v of states()) {
        for (const source of CPU_SOURCES) this.set({ pool: v.name, source }, bit(v.cpu.source === source));
      }
    },
  });
  new Gauge({
    name: `${PREFIX}pool_classification`,
    help: 'The pool\'s current classification: 1 for its class, 0 for the others.',
    labelNames: ['pool', 'class'],
    registers,
    collect() {
      this.reset();
      for (const v of states()) {
        for (const c of CLASSIFICATIONS) this.set({ pool: v.name, class: c }, bit(v.classification === c));
      }
    },
  });

  const decisions = new Counter({
    name: `${PREFIX}decisions_total`,
    help: 'Decisions taken, by pool, action and reason (holds included).',
    labelNames: ['pool', 'action', 'reason'],
    registers,
  });
  const samples = new Counter({ name: `${PREFIX}samples_total`, help: 'Samples accepted, by pool.', labelNames: ['pool'], registers });
  const sampleCounters = new Map<string, ReturnType<typeof samples.labels>>();
  const rejected = new Counter({
    name: `${PREFIX}samples_rejected_total`,
    help: 'Sample requests refused, by reason (the error code of the reply).',
    labelNames: ['reason'],
    registers,
  });
  const actuations = new Counter({
    name: `${PREFIX}actuations_total`,
    help: 'Actuation attempts (webhook POSTs, file writes, uWSGI FIFO writes), by pool and result.',
    labelNames: ['pool', 'result'],
    registers,
  });
  const controllerErrors = new Counter({
    name: `${PREFIX}controller_errors_total`,
    help: 'Exceptions caught at a pool\'s boundary; the pool kept its last-known-good target.',
    labelNames: ['pool'],
    registers,
  });
  const httpRefused = new Counter({
    name: `${PREFIX}http_refused_total`,
    help: 'Connections and requests refused by an HTTP limit, by reason: connections (over the cap), event-streams and long-polls (503 over their caps), header-timeout.',
    labelNames: ['reason'],
    registers,
  });
  for (const kind of REFUSAL_KINDS) httpRefused.inc({ reason: kind }, 0);
  const enabled = new Gauge({ name: `${PREFIX}enabled`, help: 'OC_ADAPTIVE_THREADS as read at start: 1 adaptive sizing on, 0 off.', registers });
  const info = new Gauge({ name: `${PREFIX}info`, help: 'The sidecar\'s version and the control laws in use.', labelNames: ['version', 'law'], registers });
  const tickDuration = new Histogram({
    name: `${PREFIX}tick_duration_seconds`,
    help: 'Time one pool\'s controller took for one tick.',
    buckets: TICK_BUCKETS,
    registers,
  });

  enabled.set(bit(options.enabled));
  // Series exist from the start (and from a reload for the pools it adds), so rate() and
  // increase() see a 0 before the first event, and a healthy sidecar's panels show 0, not "no data".
  const addPools = (pools: readonly { name: string; law: LawName }[]): void => {
    for (const p of pools) {
      info.set({ version: options.version, law: p.law }, 1);
      samples.inc({ pool: p.name }, 0);
      controllerErrors.inc({ pool: p.name }, 0);
      for (const result of ACTUATION_RESULTS) actuations.inc({ pool: p.name, result }, 0);
      for (const { action, reasons } of INITIAL_DECISIONS) {
        for (const reason of reasons) decisions.inc({ pool: p.name, action, reason }, 0);
        if (action !== 'hold' && !BAND_LAWS.includes(p.law)) decisions.inc({ pool: p.name, action, reason: 'law' }, 0);
      }
    }
  };
  addPools(options.pools);
  for (const reason of INITIAL_REJECT_REASONS) rejected.inc({ reason }, 0);
  if (options.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry, prefix: '' });
    // prom-client names three gauges with a counter's `_total` suffix, which promtool flags
    // (docs/operator-guide.md: it must report nothing); handle and request counts are not worth the noise.
    for (const name of MISNAMED_DEFAULT_GAUGES) registry.removeSingleMetric(name);
  }

  return {
    registry,
    decision: (d) => decisions.inc({ pool: d.pool, action: d.action, reason: d.reason }),
    // On the ingest hot path: the labelled child is looked up once per pool, not per request.
    samplesAccepted: (pool, count) => {
      let child = sampleCounters.get(pool);
      if (child === undefined) {
        child = samples.labels({ pool });
        sampleCounters.set(pool, child);
      }
      child.inc(count);
    },
    sampleRejected: (reason) => rejected.inc({ reason }),
    actuation: (pool, result) => actuations.inc({ pool, result }),
    httpRefused: (kind) => httpRefused.inc({ reason: kind }),
    addPools,
    controllerError: (pool) => controllerErrors.inc({ pool }),
    tickDuration: (seconds) => tickDuration.observe(seconds),
  };
}
