// Request guards: pool names, JSON bodies and the bearer token. Each one fails with an
// HttpError from the catalogue; the routes stay free of checks.
import { createHash, timingSafeEqual } from 'node:crypto';
import express from 'express';
import type { Request, RequestHandler } from 'express';
import { isPoolName } from '../protocol/index.js';
import { HttpError } from './errors.js';

export const MAX_BODY_BYTES = 256 * 1024;

/** The pool of the route, known to the engine, or a 404 naming the field. */
export function poolParam(req: Request, has: (pool: string) => boolean): string {
  const pool = req.params['pool'];
  if (!isPoolName(pool) || !has(pool)) {
    throw new HttpError('unknown-pool', { message: `unknown pool "${String(pool).slice(0, 64)}"`, field: 'pool' });
  }
  return pool;
}

const parseJson = express.json({ limit: MAX_BODY_BYTES, strict: false, type: () => true });

/** A JSON body up to 256 KiB: 415 when it is not declared or not parsable as JSON, 413 over the limit. */
export const jsonBody: RequestHandler = (req, res, next) => {
  if (req.is('application/json') === false || req.get('content-type') === undefined) {
    next(new HttpError('unsupported-media-type'));
    return;
  }
  // body-parser reads an empty body as {}; an empty body is not JSON.
  if (req.get('content-length') === '0') {
    next(new HttpError('not-json'));
    return;
  }
  parseJson(req, res, next);
};

export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || /^::ffff:127\.\d+\.\d+\.\d+$/.test(h);
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * Pin and unpin: with a token configured, `Authorization: Bearer <token>` compared in
 * constant time (both sides hashed, so the buffers have equal length and the token's length
 * does not leak); without one, only a loopback listener may pin.
 */
export function requireToken(token: string | null, listenHost: string): RequestHandler {
  const expected = token === null ? null : digest(token);
  return (req, _res, next) => {
    if (expected === null) {
      next(isLoopback(listenHost) ? undefined : new HttpError('forbidden'));
      return;
    }
    const m = /^Bearer[ ]+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
    const ok = m !== null && timingSafeEqual(digest(m[1] as string), expected);
    next(ok ? undefined : new HttpError('unauthorized'));
  };
}
