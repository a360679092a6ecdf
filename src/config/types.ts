// The resolved configuration: what the rest of the program receives, validated, with every
// default filled in and deeply frozen. Passed down explicitly; nothing reads config globally.
import type { ConfiguredMode, ControllerParams, PoolKind } from '../core/types.js';
import type { Listen, LogLevel } from './args.js';
import type { CpusSource } from './host.js';

export interface PoolConfig {
  name: string;
  kind: PoolKind;
  /** the size the pool is pinned to by `threads: <1..4096>`, or null when adaptive */
  pinned: number | null;
  mode: ConfiguredMode;
  /** `defaults` merged with this pool's overrides */
  params: ControllerParams;
  /** where the sidecar reads the pool's CPU itself (the `process` source), or null */
  process: ProcessConfig | null;
  /** a daemon the sidecar drives itself, or null (the daemon posts samples) */
  source: SourceConfig | null;
}

/** The daemon whose threads are the pool: a pid or a pid file, and a pattern on thread names (null: all). */
export interface ProcessConfig {
  pid: number | null;
  pidFile: string | null;
  threads: string | null;
}

/** A daemon the sidecar drives itself; `cheaper` is the fewest workers it leaves running. */
export type SourceConfig = { type: 'uwsgi'; stats: string; fifo: string; cheaper: number };

export type ActuatorConfig =
  | { type: 'webhook'; url: string; timeoutMs: number; maxRetries: number }
  | { type: 'file'; dir: string };

export interface Config {
  /** the config file path used */
  file: string;
  listen: Listen;
  /** the read-only listener (/metrics, /healthz, /readyz), or null */
  metricsListen: Listen | null;
  /** n, the CPUs the daemon may use (docs/operator-guide.md) */
  cpus: number;
  cpusSource: CpusSource;
  token: string | null;
  /** from OC_ADAPTIVE_THREADS: false means every pool runs at its static size */
  enabled: boolean;
  logLevel: LogLevel;
  record: string | null;
  /** in file order */
  pools: readonly PoolConfig[];
  actuators: readonly ActuatorConfig[];
}

/** What loadConfig returns: help and version are answers, not errors, and the CLI prints them. */
export type LoadResult = { kind: 'help' } | { kind: 'version' } | { kind: 'run'; config: Readonly<Config> };
