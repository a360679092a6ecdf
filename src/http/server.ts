// The HTTP server around an app, with the limits no route can enforce: headers within 10 s
// (a slow client cannot hold a connection by trickling them), and connections capped below
// the process's file-descriptor limit, so an accept never fails for want of a descriptor and
// the sidecar's own files and sockets always have one. Every refusal is logged and counted.
import { createServer } from 'node:http';
import type { RequestListener, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { RefusalHook } from './refusals.js';

export const HEADERS_TIMEOUT_MS = 10_000;
/** A whole request (headers and a body of at most 256 KiB) within this long. */
export const REQUEST_TIMEOUT_MS = 30_000;
/** How often Node checks the two timeouts above (its default, 30 s, would let a header timeout run to 40 s). */
export const TIMEOUT_CHECK_MS = 1_000;

/** Descriptors kept free for everything but client connections: files, the log, actuators' sockets. */
export const RESERVED_FDS = 128;
/** With no readable limit (not Linux), the cap assumes the common soft limit of 1,024. */
export const ASSUMED_FD_LIMIT = 1024;

/** The connection cap of all listeners together: the descriptor limit less a reserve (10 %, at least 128). */
export function connectionCap(fdLimit: number | null): number {
  const limit = fdLimit ?? ASSUMED_FD_LIMIT;
  return Math.max(16, limit - Math.max(RESERVED_FDS, Math.ceil(limit * 0.1)));
}

export interface HttpServerOptions {
  host: string;
  port: number;
  /** open connections at most; one more is closed at once, logged and counted */
  maxConnections: number;
  refused: RefusalHook;
  /** default 10 s */
  headersTimeoutMs?: number;
  /** default 1 s */
  timeoutCheckMs?: number;
}

/** Resolves with the listening server, or rejects with the listen error (EADDRINUSE...). */
export async function listenHttp(app: RequestListener, o: HttpServerOptions): Promise<{ server: Server; address: AddressInfo }> {
  const headersTimeout = o.headersTimeoutMs ?? HEADERS_TIMEOUT_MS;
  const server = createServer(
    {
      headersTimeout,
      requestTimeout: Math.max(REQUEST_TIMEOUT_MS, headersTimeout),
      connectionsCheckingInterval: o.timeoutCheckMs ?? TIMEOUT_CHECK_MS,
    },
    app,
  );
  server.maxConnections = o.maxConnections;
  server.on('drop', (data?: { remoteAddress?: string }) => {
    o.refused('connections', `a connection from ${data?.remoteAddress ?? 'a client'} over the cap of ${o.maxConnections} open connections (closed)`);
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => onClientError(err, socket, o.refused, headersTimeout));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { server, address: server.address() as AddressInfo };
}

/**
 * Node's own answer to a bad or slow request (400, 431, 408, then close), plus the count and
 * the log of a header timeout. A listener here replaces Node's default, so it is restated.
 */
function onClientError(err: NodeJS.ErrnoException, socket: Duplex, refused: RefusalHook, headersTimeout: number): void {
  const timeout = err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
  if (timeout) refused('header-timeout', `a request whose headers did not arrive within ${headersTimeout} ms (408)`);
  // As Node's default: no answer when a response is already under way on this connection.
  const busy = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
  if (err.code === 'ECONNRESET' || !socket.writable || busy) {
    socket.destroy();
    return;
  }
  const status = timeout ? '408 Request Timeout' : err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
