// Request guards: the Host header, pool names, body sizes, JSON bodies and the bearer token.
// Each one fails with an HttpError from the catalogue; the routes stay free of checks.
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

/**
 * A declared Content-Length over 256 KiB is refused (413) before a byte of the body is read:
 * body-parser would drain the whole body before answering, minutes for a 10 GB claim. The
 * connection is closed after the answer, so the rest of the body is never read either.
 */
export const declaredLength: RequestHandler = (req, res, next) => {
  const declared = req.get('content-length');
  if (declared !== undefined && (!/^\d{1,15}$/.test(declared) || Number(declared) > MAX_BODY_BYTES)) {
    res.set('Connection', 'close');
    next(new HttpError('too-large'));
    return;
  }
  next();
};

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

/** The host name of a Host header: `[::1]:9464` -> `::1`, `localhost:9464` -> `localhost`. */
export function hostName(header: string): string {
  const bracketed = /^\[([^\]]*)\](?::\d*)?$/.exec(header);
  if (bracketed !== null) return bracketed[1] as string;
  const colon = header.indexOf(':');
  return colon === -1 ? header : header.slice(0, colon);
}

/**
 * On a loopback listener, a request whose Host is not a loopback name or address is refused
 * (403): a web page whose DNS name was rebound to 127.0.0.1 sends its own name, never ours.
 * A listener that is not loopback is reached by names we cannot know; its writes need the token.
 */
export function hostGuard(listenHost: string): RequestHandler {
  if (!isLoopback(listenHost)) return (_req, _res, next) => next();
  return (req, _res, next) => {
    const host = req.headers.host;
    next(host === undefined || isLoopback(hostName(host)) ? undefined : new HttpError('forbidden-host'));
  };
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** The configured token, read on every request: a reload may change it. */
export type TokenSource = () => string | null;

/** `Authorization: Bearer <token>` compared in constant time (both sides hashed, so the
 * buffers have equal length and the token's length does not leak). */
function bearerMatches(req: Request, token: string): boolean {
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
  return m !== null && timingSafeEqual(digest(m[1] as string), digest(token));
}

/**
 * Pin and unpin: with a token configured, the bearer token; without one, only a loopback
 * listener may pin.
 */
export function requireToken(token: TokenSource, listenHost: string): RequestHandler {
  const loopback = isLoopback(listenHost);
  return (req, _res, next) => {
    const expected = token();
    if (expected === null) next(loopback ? undefined : new HttpError('forbidden'));
    else next(bearerMatches(req, expected) ? undefined : new HttpError('unauthorized'));
  };
}

/**
 * Samples: free on a loopback listener (only local processes reach it); on any other
 * listener they need the bearer token, and with no token configured they are refused (403),
 * so nobody who reaches the port can steer the daemon's pools.
 */
export function requireWriteToken(token: TokenSource, listenHost: string): RequestHandler {
  if (isLoopback(listenHost)) return (_req, _res, next) => next();
  return (req, _res, next) => {
    const expected = token();
    if (expected === null) next(new HttpError('forbidden'));
    else next(bearerMatches(req, expected) ? undefined : new HttpError('unauthorized'));
  };
}
