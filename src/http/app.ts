// createApp(deps): the express 5 application. It holds no state of its own beyond the open
// SSE streams and long polls (capped; `drain()` closes them on shutdown), the token (a reload
// may change it) and the rate limit's buckets. With `readOnly` it is the metrics listener's
// app: /metrics, /healthz and /readyz only.
import express from 'express';
import type { Express } from 'express';
import type { Metrics } from '../metrics/index.js';
import type { Engine, Logger } from '../streams/index.js';
import { errorMiddleware, notFound } from './errors.js';
import type { ErrorCode } from './errors.js';
import { hostGuard } from './guards.js';
import { createLive } from './live.js';
import { DEFAULT_SAMPLE_RATE, sampleLimiter } from './rate-limit.js';
import type { SampleRate } from './rate-limit.js';
import { refusalLog, throttledWarn } from './refusals.js';
import type { RefusalHook } from './refusals.js';
import { probeRoutes, routes } from './routes.js';

export const HEARTBEAT_MS = 15_000;
export const MAX_WAIT_MS = 60_000;

export interface LiveLimits {
  /** open event streams at most (default 500) */
  maxEventStreams: number;
  /** pending long polls at most (default 500) */
  maxLongPolls: number;
  /** an event stream ends after this long and the client reconnects (default 10 min) */
  streamMaxMs: number;
}

export const DEFAULT_LIVE_LIMITS: LiveLimits = { maxEventStreams: 500, maxLongPolls: 500, streamMaxMs: 600_000 };

export interface AppDeps {
  engine: Engine;
  metrics: Metrics;
  logger: Logger;
  /** the bearer token for pin/unpin (and for every write off loopback), or null */
  token: string | null;
  /** the host the server listens on: loopback checks Host; elsewhere writes need the token */
  listenHost: string;
  /** the sidecar's version, shown by /healthz */
  version?: string;
  /** only /metrics, /healthz and /readyz (the metricsListen listener) */
  readOnly?: boolean;
  /** SSE heartbeat comment period (default 15 s) */
  heartbeatMs?: number;
  /** the cap of a long poll's waitMs (default 60 s) */
  maxWaitMs?: number;
  /** the per-pool sample rate limit (default 200 samples/s, bursts of one full batch) */
  sampleRate?: SampleRate;
  /** a monotonic clock in ms for the rate limit (default performance.now) */
  clockMs?: () => number;
  limits?: Partial<LiveLimits>;
  /** where refusals by a limit go (default: logged, at most once per 10 s per kind, and counted) */
  onRefused?: RefusalHook;
}

export interface AppHandle {
  app: Express;
  /** open SSE clients and pending long polls */
  connections(): { sse: number; longPolls: number };
  /** answers pending long polls and ends SSE streams (for a graceful shutdown) */
  drain(): void;
  /** a reload: the new token, and the pools the rate limit keeps buckets for */
  reconfigure(change: { token: string | null; pools: readonly string[] }): void;
  /** logs and counts a refusal (the server's connection cap and header timeout use it too) */
  refused: RefusalHook;
}

export function createApp(deps: AppDeps): AppHandle {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  const refused = deps.onRefused ?? refusalLog(deps.logger, (kind) => deps.metrics.httpRefused(kind));
  const limits = { ...DEFAULT_LIVE_LIMITS, ...deps.limits };
  const live = createLive(deps.engine, {
    heartbeatMs: deps.heartbeatMs ?? HEARTBEAT_MS,
    ...limits,
    onRefused: (kind, cap) => refused(kind, `${kind === 'event-streams' ? 'an event stream' : 'a long poll'} over the cap of ${cap} (503)`),
  });
  let token = deps.token;
  const limiter = sampleLimiter(deps.engine.pools, deps.sampleRate ?? DEFAULT_SAMPLE_RATE);
  app.use(hostGuard(deps.listenHost));
  if (deps.readOnly !== true) {
    app.use(
      routes({
        engine: deps.engine,
        live,
        token: () => token,
        listenHost: deps.listenHost,
        maxWaitMs: deps.maxWaitMs ?? MAX_WAIT_MS,
        limiter,
        clockMs: deps.clockMs ?? (() => performance.now()),
      }),
    );
  }
  app.use(probeRoutes({ engine: deps.engine, metrics: deps.metrics, version: deps.version ?? 'unknown' }));
  app.use(notFound);
  const rejected = throttledWarn<ErrorCode>(deps.logger, deps.clockMs);
  app.use(
    errorMiddleware(deps.logger, (code, detail) => {
      deps.metrics.sampleRejected(code);
      rejected(code, { rejected: code }, `rejected a sample: ${detail}`);
    }),
  );
  return {
    app,
    connections: () => live.counts(),
    drain: () => live.drain(),
    reconfigure(change) {
      token = change.token;
      limiter.setPools(change.pools);
    },
    refused,
  };
}
