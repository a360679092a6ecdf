// What the Node client takes in and tells back. A daemon embeds the client; these are
// the only shapes it has to know.
import type { Sample } from '../protocol/index.js';

export type { Sample };

/** A pool the client reports on and resizes: WorkerPool, BufferPool, or a daemon's own. */
export interface SampleSource {
  /** the sample over the period since the previous call */
  sample(): Sample;
  resize(n: number): void;
  /** the size now, if the pool knows it; else the size in the last sample is used */
  readonly size?: number;
}

/** pino's info/warn fit here, as does console. */
export interface ClientLogger {
  info(message: string): void;
  warn(message: string): void;
}

/** Opaque timer handle: whatever the injected setTimeout returns. */
export type TimerHandle = unknown;

export interface ClientTimers {
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export type { SampleReply } from '../protocol/index.js';

export interface ClientOptions {
  /** the sidecar; default http://127.0.0.1:9464 */
  baseUrl?: string;
  pool: string;
  source: SampleSource;
  /** the sidecar's bearer token: needed when its API listens off loopback; default none */
  token?: string;
  /** one sample per period; default 1000 (the sidecar's default tick) */
  periodMs?: number;
  /** a request that takes longer is abandoned and counts as a failure; default 2000 */
  timeoutMs?: number;
  /** the back-off after failures doubles from periodMs up to this; default 30000 */
  maxBackoffMs?: number;
  logger?: ClientLogger;
  /** default: global fetch */
  fetch?: typeof fetch;
  /** ms clock for the back-off; default Date.now */
  now?: () => number;
  /** default: global setTimeout/clearTimeout, unref'd so the client never keeps a process alive */
  timers?: ClientTimers;
}

/** What one tick did. */
export type TickResult = 'posted' | 'failed' | 'skipped-in-flight' | 'skipped-backoff' | 'stopped';

export interface ClientStats {
  /** samples the sidecar accepted */
  posted: number;
  /** requests that failed: unreachable, timed out, refused, or a reply without a valid target */
  failed: number;
  /** periods with no request, because one was in flight or the back-off was running */
  skipped: number;
  /** resize() calls made for a target that differed from the size */
  appliedResizes: number;
  /** resize() calls that threw */
  resizeErrors: number;
  lastTarget: number | null;
  lastAction: string | null;
  lastMode: string | null;
  /** the last request reached the sidecar and was accepted */
  connected: boolean;
  lastError: string | null;
  consecutiveFailures: number;
}
