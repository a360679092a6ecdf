// One webhook POST, on node:http(s) rather than fetch, because the answer is the daemon's
// and may be hostile: redirects are never followed (a 3xx is a failure: a 303 would turn the
// POST into a bodiless GET, a 307 would re-post the size elsewhere), nothing is decompressed
// (identity is asked for, and whatever comes is read as bytes), and at most
// MAX_ANSWER_BYTES of it are read before the socket is destroyed.
import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** The most of an answer ever read: a status line's worth of explanation, never a body to keep. */
export const MAX_ANSWER_BYTES = 4096;

export interface PostResult {
  /** null when the POST was accepted (2xx), else why not */
  failure: string | null;
  /** answer bytes read (at most MAX_ANSWER_BYTES) */
  bytesRead: number;
}

/** POSTs `body` as JSON; resolves (never rejects) once the status is known and the answer read or cut. */
export function postJson(url: URL, body: string, timeoutMs: number): Promise<PostResult> {
  return new Promise((resolve) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    let settled = false;
    let bytesRead = 0;
    const finish = (failure: string | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ failure, bytesRead });
    };
    const req = request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'accept-encoding': 'identity',
      },
      // No keep-alive pool: a hostile answer's socket is destroyed, never reused.
      agent: false,
    });
    // Unref'd: the request's own socket keeps the process alive while it is open.
    const timer = setTimeout(() => {
      req.destroy();
      finish(`no answer within ${timeoutMs} ms`);
    }, timeoutMs).unref();
    req.on('error', (e) => finish(e.message));
    req.on('response', (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const failure = status >= 200 && status < 300 ? null : status >= 300 && status < 400 ? `HTTP ${status} (redirects are not followed)` : `HTTP ${status}`;
      res.on('data', (chunk: Buffer) => {
        bytesRead += chunk.length;
        if (bytesRead > MAX_ANSWER_BYTES) {
          bytesRead = MAX_ANSWER_BYTES;
          // Enough: the status is known, the rest is not read. Destroying the socket is the
          // only way not to receive it.
          res.destroy();
          req.destroy();
          finish(failure);
        }
      });
      res.on('end', () => finish(failure));
      res.on('error', () => finish(failure));
      res.on('close', () => finish(failure));
    });
    req.end(body);
  });
}
