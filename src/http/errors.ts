// The HTTP errors, as one catalogue (code, status, message), and the one error middleware
// that turns anything thrown into `{error, code, field?}`. Clients never see a stack or a
// path; unexpected errors are logged here with theirs.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { EngineError } from '../streams/index.js';
import type { Logger } from '../streams/index.js';

export const ERRORS = {
  'invalid-sample': { status: 400, message: 'invalid sample' },
  'invalid-parameter': { status: 400, message: 'invalid parameter' },
  'bad-request': { status: 400, message: 'the request could not be read' },
  unauthorized: { status: 401, message: 'a valid bearer token is required' },
  forbidden: { status: 403, message: 'writes (samples, pin) on a listener that is not loopback need a token: set token in the config and send Authorization: Bearer <token>' },
  'forbidden-host': { status: 403, message: 'the Host header must name a loopback address on a loopback listener' },
  'unknown-pool': { status: 404, message: 'unknown pool' },
  'not-found': { status: 404, message: 'no such route' },
  'too-large': { status: 413, message: 'the body is over 256 KiB' },
  'not-json': { status: 415, message: 'the body is not JSON' },
  'rate-limited': { status: 429, message: 'too many samples for this pool; retry after the Retry-After seconds' },
  'unsupported-media-type': { status: 415, message: 'the body must be application/json' },
  internal: { status: 500, message: 'internal error' },
  'not-ready': { status: 503, message: 'not ready: the control loop is not running' },
  overloaded: { status: 503, message: 'too many open requests of this kind; retry after the Retry-After seconds' },
  stopping: { status: 503, message: 'the sidecar is stopping' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

export class HttpError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly field: string | undefined;
  /** for 429 and 503: the Retry-After header, in whole seconds */
  readonly retryAfterSeconds: number | undefined;
  constructor(code: ErrorCode, detail?: { message?: string; field?: string; retryAfterSeconds?: number }) {
    super(detail?.message ?? ERRORS[code].message);
    this.name = 'HttpError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.field = detail?.field;
    this.retryAfterSeconds = detail?.retryAfterSeconds;
  }
}

/** body-parser's error types, as the catalogue names them. */
const BODY_ERRORS: Record<string, ErrorCode> = {
  'entity.too.large': 'too-large',
  'entity.parse.failed': 'not-json',
  'encoding.unsupported': 'unsupported-media-type',
  'charset.unsupported': 'unsupported-media-type',
  'request.aborted': 'bad-request',
  'request.size.invalid': 'bad-request',
  'stream.encoding.set': 'internal',
};

export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof EngineError) {
    if (err.code === 'unknown-pool') return new HttpError('unknown-pool', { message: err.message, field: 'pool' });
    if (err.code === 'stopped') return new HttpError('stopping');
    return new HttpError('internal');
  }
  if (err instanceof URIError) {
    // The router could not percent-decode a path parameter (e.g. /v1/pools/%E0%A4%A).
    return new HttpError('bad-request', { message: 'the URL path is not valid percent-encoding', field: 'path' });
  }
  if (err !== null && typeof err === 'object' && 'type' in err && typeof err.type === 'string') {
    const code = BODY_ERRORS[err.type];
    if (code !== undefined) return new HttpError(code);
  }
  // Any other client error from body-parser (a gzip, deflate or br body that does not
  // decompress): a 400, never a 500 with the library's message.
  if (clientErrorStatus(err) !== null) return new HttpError('bad-request', { message: 'the body could not be decoded as its Content-Encoding says', field: 'content-encoding' });
  return new HttpError('internal');
}

function clientErrorStatus(err: unknown): number | null {
  if (err === null || typeof err !== 'object' || !('status' in err)) return null;
  const status = err.status;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : null;
}

export function errorBody(e: HttpError): { error: string; code: ErrorCode; field?: string } {
  return e.field === undefined ? { error: e.message, code: e.code } : { error: e.message, code: e.code, field: e.field };
}

/**
 * Answers an error from the catalogue. A sample turned away is handed to `onSamplesRejected`
 * with what was refused and why (`POST /v1/pools/x/samples from 10.0.0.5: unknown pool "x"
 * (404)`): a daemon posting to a pool this sidecar does not have, or without the token, would
 * otherwise retry unseen.
 */
export function errorMiddleware(logger: Logger, onSamplesRejected: (code: ErrorCode, detail: string) => void): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    const e = toHttpError(err);
    if (e.code === 'internal') logger.error({ err, method: req.method, path: req.path }, 'request failed');
    if (res.locals['samples'] === true) onSamplesRejected(e.code, `${req.method} ${req.path.slice(0, 120)} from ${req.socket.remoteAddress ?? 'an unknown address'}: ${e.message} (${e.status})`);
    if (res.headersSent) {
      next(err);
      return;
    }
    if (e.status === 401) res.set('WWW-Authenticate', 'Bearer');
    // Over 256 KiB: the rest of the body is never read, so the connection cannot be reused.
    if (e.status === 413) res.set('Connection', 'close');
    if (e.retryAfterSeconds !== undefined) res.set('Retry-After', String(e.retryAfterSeconds));
    res.status(e.status).json(errorBody(e));
  };
}

export const notFound: RequestHandler = (_req, _res, next) => next(new HttpError('not-found'));
