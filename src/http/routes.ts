// The routes of docs/integration.md, thin: check, hand to the engine, answer. No control logic here.
import { Router } from 'express';
import type { Request, Response } from 'express';
import { isPinSize, PIN_RANGE_TEXT, SAMPLE_TS_WINDOW, validateSampleBody } from '../protocol/index.js';
import { renderMetrics, wantsOpenMetrics } from '../metrics/index.js';
import type { Metrics } from '../metrics/index.js';
import type { Engine } from '../streams/index.js';
import { HttpError } from './errors.js';
import { declaredLength, jsonBody, poolParam, requireToken, requireWriteToken } from './guards.js';
import type { TokenSource } from './guards.js';
import type { Live } from './live.js';
import type { SampleLimiter } from './rate-limit.js';

export interface ProbeDeps {
  engine: Engine;
  metrics: Metrics;
  /** the sidecar's version, shown by /healthz */
  version: string;
}

export interface RouteDeps {
  engine: Engine;
  live: Live;
  token: TokenSource;
  listenHost: string;
  maxWaitMs: number;
  limiter: SampleLimiter;
  /** a monotonic clock for the rate limit, in ms */
  clockMs: () => number;
}

/** The parsed body; an empty body is not JSON. */
function bodyOf(req: Request): unknown {
  if (req.body === undefined) throw new HttpError('not-json');
  return req.body;
}

function parseWaitMs(req: Request, maxWaitMs: number): number | null {
  const raw = req.query['waitMs'];
  if (raw === undefined) return null;
  if (typeof raw !== 'string' || !/^\d{1,9}$/.test(raw)) {
    throw new HttpError('invalid-parameter', { message: 'waitMs must be a whole number of milliseconds', field: 'waitMs' });
  }
  return Math.min(Number(raw), maxWaitMs);
}

function rateLimited(pool: string, retryMs: number): HttpError {
  const retryAfterSeconds = Number.isFinite(retryMs) ? Math.max(1, Math.ceil(retryMs / 1000)) : 60;
  return new HttpError('rate-limited', {
    message: `pool ${pool} is over its sample rate limit; retry in ${retryAfterSeconds} s (batches count every sample)`,
    field: 'pool',
    retryAfterSeconds,
  });
}

function parsePinSize(body: unknown): number {
  const size = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>)['size'] : undefined;
  if (!isPinSize(size)) {
    throw new HttpError('invalid-parameter', { message: `size must be a whole number in ${PIN_RANGE_TEXT}`, field: 'size' });
  }
  return size;
}

export function routes(deps: RouteDeps): Router {
  const { engine, live, limiter, clockMs } = deps;
  const has = (pool: string): boolean => engine.has(pool);
  const r = Router();

  const writeAuth = requireWriteToken(deps.token, deps.listenHost);
  r.post(
    '/v1/pools/:pool/samples',
    (_req, res, next) => {
      // Refusals from here on are counted in samples_rejected_total by the error middleware.
      res.locals['samples'] = true;
      next();
    },
    writeAuth,
    (req, _res, next) => {
      const pool = poolParam(req, has);
      // An empty bucket refuses before the body is read: a flood costs no parsing.
      const waitMs = limiter.waitMs(pool, clockMs());
      if (waitMs > 0) throw rateLimited(pool, waitMs);
      next();
    },
    declaredLength,
    jsonBody,
    (req: Request, res: Response) => {
      const pool = poolParam(req, has);
      const result = validateSampleBody(bodyOf(req), engine.now(), SAMPLE_TS_WINDOW);
      if (!result.ok) throw new HttpError('invalid-sample', { message: result.error, field: result.field });
      // All or none: a batch that does not fit the bucket is refused whole.
      const retryMs = limiter.take(pool, result.samples.length, clockMs());
      if (retryMs > 0) throw rateLimited(pool, retryMs);
      res.status(202).json(engine.ingest(pool, result.samples));
    },
  );

  r.get('/v1/pools', (_req, res) => {
    res.json({ pools: engine.states() });
  });
  r.get('/v1/pools/:pool', (req, res) => {
    res.json(engine.state(poolParam(req, has)));
  });
  r.get('/v1/pools/:pool/target', (req, res) => {
    const pool = poolParam(req, has);
    const waitMs = parseWaitMs(req, deps.maxWaitMs);
    if (waitMs === null || waitMs === 0) res.json({ pool, target: engine.state(pool).target });
    else live.longPoll(res, pool, waitMs);
  });

  const auth = requireToken(deps.token, deps.listenHost);
  r.put('/v1/pools/:pool/pin', auth, (req, _res, next) => {
    poolParam(req, has);
    next();
  }, declaredLength, jsonBody, (req, res) => {
    const pool = poolParam(req, has);
    res.json(engine.pin(pool, parsePinSize(bodyOf(req))).view);
  });
  r.delete('/v1/pools/:pool/pin', auth, (req, res) => {
    res.json(engine.pin(poolParam(req, has), null).view);
  });

  r.get('/v1/events', (_req, res) => live.events(res));
  return r;
}

/** /healthz, /readyz and /metrics: all the read-only listener serves. */
export function probeRoutes(deps: ProbeDeps): Router {
  const { engine, metrics, version } = deps;
  const r = Router();
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', version });
  });
  r.get('/readyz', (_req, res) => {
    if (!engine.ready()) throw new HttpError('not-ready');
    res.json({ status: 'ready' });
  });
  r.get('/metrics', async (req, res) => {
    const out = await renderMetrics(metrics.registry, wantsOpenMetrics(req.get('accept')));
    res.set('Content-Type', out.contentType).send(out.body);
  });
  return r;
}
