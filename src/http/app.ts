// createApp(deps): the express 5 application of SPEC §5. It holds no state of its own
// beyond the open SSE streams and long polls, which `drain()` closes on shutdown.
import express from 'express';
import type { Express } from 'express';
import type { Metrics } from '../metrics/index.js';
import type { Engine, Logger } from '../streams/index.js';
import { errorMiddleware, notFound } from './errors.js';
import { createLive } from './live.js';
import { DEFAULT_SAMPLE_RATE, sampleLimiter } from './rate-limit.js';
import type { SampleRate } from './rate-limit.js';
import { routes } from './routes.js';

export const HEARTBEAT_MS = 15_000;
export const MAX_WAIT_MS = 60_000;

export interface AppDeps {
  engine: Engine;
  metrics: Metrics;
  logger: Logger;
  /** the bearer token for pin/unpin, or null */
  token: string | null;
  /** the host the server listens on: without a token, only a loopback listener may pin */
  listenHost: string;
  /** SSE heartbeat comment period (default 15 s) */
  heartbeatMs?: number;
  /** the cap of a long poll's waitMs (default 60 s) */
  maxWaitMs?: number;
  /** the per-pool sample rate limit (default 200 samples/s, bursts of one full batch) */
  sampleRate?: SampleRate;
  /** a monotonic clock in ms for the rate limit (default performance.now) */
  clockMs?: () => number;
}

export interface AppHandle {
  app: Express;
  /** open SSE clients and pending long polls */
  connections(): { sse: number; longPolls: number };
  /** answers pending long polls and ends SSE streams (for a graceful shutdown) */
  drain(): void;
}

export function createApp(deps: AppDeps): AppHandle {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  const live = createLive(deps.engine, { heartbeatMs: deps.heartbeatMs ?? HEARTBEAT_MS });
  app.use(
    routes({
      engine: deps.engine,
      metrics: deps.metrics,
      live,
      token: deps.token,
      listenHost: deps.listenHost,
      maxWaitMs: deps.maxWaitMs ?? MAX_WAIT_MS,
      limiter: sampleLimiter(deps.engine.pools, deps.sampleRate ?? DEFAULT_SAMPLE_RATE),
      clockMs: deps.clockMs ?? (() => performance.now()),
    }),
  );
  app.use(notFound);
  app.use(errorMiddleware(deps.logger, (code) => deps.metrics.sampleRejected(code)));
  return { app, connections: () => live.counts(), drain: () => live.drain() };
}
