// The vocabulary of the controller. Everything here is plain data: the core is pure
// functions over these types, with time passed in as `nowMs`.

export type PoolKind = 'transfer' | 'buffer';

/** Every law the core knows; each one is selectable per pool in config. */
export const LAW_NAMES = ['pi', 'band', 'aimd', 'hpa', 'hill', 'cheaper'] as const;
export type LawName = (typeof LAW_NAMES)[number];

/** adaptive: acts; observe: recommends only; pinned: fixed size; disabled: static size. */
export type Mode = 'adaptive' | 'observe' | 'pinned' | 'disabled';
/** What a pool is configured to do (pinned and disabled come from threads, pins and the env switch). */
export type ConfiguredMode = 'adaptive' | 'observe';

export const ACTIONS = ['grow', 'shrink', 'hold', 'pin', 'unpin'] as const;
export type Action = (typeof ACTIONS)[number];

/**
 * Why a decision is what it is. The same word appears in the log line, the API and the
 * metric labels, so it is a closed set.
 */
export const REASONS = [
  'above-band', // utilization over the band: grow
  'below-band', // utilization under the band: shrink
  'in-band', // inside the band: nothing to do
  'cooldown', // a move was wanted but its cooldown is not over
  'guard', // convergence guard: a direction reversal waits for three holds
  'stale', // no sample for staleAfterPeriods periods: hold, never shrink
  'saturated', // the CPUs are the limit (threads wait for a CPU, or use nearly all of them): no grow, step back
  'ceiling', // grows stopped raising throughput while CPUs were free: something else is the limit
  'demand', // a grow sized from the measured demand (Little's law)
  'backlog', // the backlog fast path skipped the grow cooldown
  'bound', // the move was clipped at the pool's min or max
  'pinned', // the pool is pinned to a size
  'disabled', // adaptive sizing is off: static size
  'failed-grow', // the daemon did not apply the last grow: back off
  'stabilized', // a shrink limited by the sizes recommended during the shrink window
  'no-data', // no signal yet (first tick, or a counter reset)
  'law', // a peer law's own rule (its detail is in the law's state)
] as const;
export type Reason = (typeof REASONS)[number];

export const CLASSIFICATIONS = ['cpu-bound', 'io-bound', 'balanced', 'unknown'] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];

/** One telemetry report from the daemon (docs/integration.md). */
export interface Sample {
  /** epoch ms */
  ts: number;
  /** workers (or shards) the pool has now */
  size: number;
  /** workers (or shards) in use; 0 <= busy <= size */
  busy: number;
  queueDepth?: number;
  queueCapacity?: number;
  /** fraction of the period the hand-off queue was at capacity, in [0, 1] */
  queueStall?: number;
  /** fraction of worker time spent off-CPU (waiting for a task or blocked on I/O), in [0, 1] */
  idle?: number;
  /** cumulative completions; a decrease is a daemon restart */
  completed?: number;
  /** cumulative tasks the full hand-off queue turned away; a decrease is a daemon restart */
  refused?: number;
  /** cumulative CPU seconds of the pool's threads; a decrease is a daemon restart */
  cpuSeconds?: number;
  /** cumulative seconds the pool's threads were runnable but waiting for a CPU */
  runDelaySeconds?: number;
  /** the daemon's process id: the sidecar may read that process's threads for CPU */
  pid?: number;
  /**
   * Threads one worker serves requests on at once, when more than one (a source's figure, e.g.
   * uWSGI's `threads`; the HTTP sample has no such field): a busy worker may keep that many CPUs busy.
   */
  workerThreads?: number;
  /**
   * The most workers the daemon can run now (a source's figure, e.g. uWSGI's `processes`; the
   * HTTP sample has no such field): the pool's max comes down to it while it is below the hard max.
   */
  maxSize?: number;
  /**
   * Workers started that take no task yet, beside `size` (a source's figure, e.g. uWSGI's workers
   * loading the app; the HTTP sample has no such field): a grow is applied when size plus these
   * reach it, while utilization is over the workers that serve.
   */
  starting?: number;
}

/** Where a pool's CPU figure comes from, in order of preference. */
export const CPU_SOURCES = ['sample', 'process', 'none'] as const;
export type CpuSource = (typeof CPU_SOURCES)[number];

/**
 * A CPU reading the sidecar took itself (the `process` source: /proc/PID/task/TID/schedstat
 * and friends), at the time of a tick. Every figure is a cumulative counter in seconds; the
 * core derives rates from two readings, and a decrease is a restart (never a negative rate).
 */
export interface CpuReading {
  /** epoch ms of the reading */
  ts: number;
  /** CPU seconds of the pool's threads */
  cpuSeconds: number;
  /** seconds they were runnable but waiting for a CPU; null when only stat (utime + stime) was readable */
  runDelaySeconds: number | null;
  /** threads read */
  threads: number;
  /** seconds the daemon's cgroup was throttled: its throttled CFS periods (cpu.stat nr_throttled) times the period, when readable */
  throttledSeconds?: number;
  /** seconds some task of the daemon's cgroup (or the host) waited for a CPU (PSI cpu.pressure `some total`), when readable */
  pressureSeconds?: number;
}

export interface Bounds {
  min: number;
  max: number;
}

export interface Band {
  low: number;
  high: number;
}

/** The tuning of one pool's controller (docs/operator-guide.md), every field overridable in config. */
export interface ControllerParams {
  law: LawName;
  periodMs: number;
  band: Band;
  growCooldownMs: number;
  shrinkCooldownMs: number;
  staleAfterPeriods: number;
  idleEwmaSeconds: number;
  failedGrowBackoffMs: number;
  /** largest step of the `pi` law; null: max(1, ceil(size / 4)) */
  maxStep: number | null;
  // Peer laws' own parameters (optional: each law falls back to its published default).
  /** `hpa`: scale-down stabilization window (Kubernetes' default 300 s) */
  hpaStabilizationMs?: number;
  /** `hpa`: the period of its scale-up policies, +4 or +100 % per period (Kubernetes' default 15 s) */
  hpaPolicyPeriodMs?: number;
  /** `hill`: seed of the PRNG that draws its sample interval (.NET draws it from an unseeded Random) */
  hillSeed?: number;
  /** `cheaper`: true (default) uses uWSGI's own band of 25 %..50 % busy; false uses `band` */
  cheaperOwnBand?: boolean;
  /** `cheaper`: workers added above the band (uWSGI's cheaper-step, default 1) */
  cheaperStep?: number;
  /** `cheaper`: the period busyness is averaged over (uWSGI's cheaper-overload, default 3 s) */
  cheaperOverloadMs?: number;
}

/** What the pool's CPU figures say over the tick (all null with source `none` or before two readings). */
export interface CpuSignals {
  source: CpuSource;
  /** CPUs' worth the pool's threads used (CPU seconds per second) */
  cpus: number | null;
  /** threads' worth runnable but waiting for a CPU (run-delay seconds per second) */
  waiting: number | null;
  /** `waiting` over the busy workers' threads: the share of them waiting for a CPU */
  runDelay: number | null;
  /** the share of a busy worker's thread's time it is runnable, on a CPU or waiting for one ((cpus + waiting) / busy threads) */
  runnablePerBusy: number | null;
  /** threads a worker serves requests on (1 but for a source's multi-threaded workers): a busy worker is that many busy threads */
  threadsPerWorker: number;
  /** the daemon's cgroup was throttled this share of the time (when readable) */
  throttled: number | null;
  /** some task waited for a CPU this share of the time (PSI `some`, when readable) */
  pressure: number | null;
  /**
   * this tick's own figures, unsmoothed (null without them): the smoothed ones lag a load that
   * came a tick or two ago, and a grow must not go into CPUs that are full now
   */
  tick: { cpus: number; waiting: number | null; runDelay: number | null } | null;
}

/** What one tick's samples say about a pool. */
export interface Signals {
  /** busy / size over the period, or null when no sample arrived */
  utilization: number | null;
  queueStall: number | null;
  /** EWMA of the idle fraction (time constant idleEwmaSeconds) */
  workerIdle: number | null;
  /**
   * whether the daemon reports `idle`; without it workerIdle stands in as 1 - utilization,
   * which cannot tell a worker blocked in I/O from one computing, so nothing that needs
   * that difference (the classification, CPU coverage) is judged on it
   */
  idleReported: boolean;
  /**
   * whether the reported idle says more than busy / size (a daemon that sends idle = 1 - busy/size
   * counts a worker blocked in I/O as busy: its idle cannot tell computing from blocked)
   */
  idleInformative: boolean;
  /** completions per second, or null when unknown (first sample, counter reset) */
  throughput: number | null;
  /** whether the daemon reports `completed` (its newest sample carries it): grows can be judged */
  completedReported: boolean;
  /** completions plus refusals per second, when `refused` is reported; else null */
  demand: number | null;
  /** the hand-off queue's growth per second since the last tick's depth (negative: draining), when the daemon reports `queueDepth` */
  queueGrowth: number | null;
  /** busy workers (averaged over the period) */
  busy: number | null;
  /** busy worker-seconds per completed task (Little's law: busy = throughput x this), when known */
  busyPerTask: number | null;
  cpu: CpuSignals;
  classification: Classification;
  /** the size the daemon reported last */
  size: number | null;
  /** the workers its last sample said were starting (Sample.starting; 0 without a sample) */
  starting: number;
  /** whether any sample arrived in this period */
  fresh: boolean;
}

export interface Decision {
  pool: string;
  ts: number;
  action: Action;
  from: number;
  to: number;
  /** the size the controller would set now (the pool state's `recommended`): what the law recommended, before observe mode kept the size; observing, a move's size through its cooldown */
  recommended: number;
  reason: Reason;
  mode: Mode;
  utilization: number | null;
  queueStall: number | null;
  workerIdle: number | null;
  band: Band;
}

/** The short form kept in a pool's state and shown in the API. */
export interface DecisionSummary {
  ts: number;
  action: Action;
  from: number;
  to: number;
  reason: Reason;
}
