// uWSGI's stats server writes one JSON document to each connection and closes it. The
// address is HOST:PORT (IPv6 as [::1]:PORT) or the path of a unix socket, as in uWSGI's own
// `stats` option. Every read has a deadline and a size cap, so a stuck or hostile peer costs
// one failed period, never a hung loop or unbounded memory.
//
// With `stats-http`, uWSGI's master first waits for a request (up to its socket-timeout, 4 s,
// its whole loop stalled meanwhile) and answers behind HTTP headers. A plain stats server never
// reads: a request sent to it would be unread when it closes, and on TCP that close resets the
// connection, which can cut the document short. So the reader sends a request only to a server
// that stays silent for HTTP_AFTER_MS and has not answered without HTTP since its last failed
// read (a master slow to answer, stalled while it respawns workers, is still a plain one), and
// at once to one that answered in HTTP before.
import { connect } from 'node:net';
import type { NetConnectOpts } from 'node:net';

/** Reads the whole document at `address`, or rejects (refused, reset, too large; a timeout with code ETIMEDOUT). */
export type StatsReader = (address: string, timeoutMs: number) => Promise<string>;

/** 64 workers with a few cores each is ~300 KiB of pretty JSON; far above is not a stats server. */
export const MAX_STATS_BYTES = 16 * 1024 * 1024;

export function statsAddress(address: string): NetConnectOpts {
  if (address.includes('/')) return { path: address };
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(address);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port < 1 || port > 65535) {
    throw new Error(`uWSGI stats address "${address}" is neither HOST:PORT nor a socket path`);
  }
  return { host: m[1] ?? (m[2] === '' ? '127.0.0.1' : m[2]), port };
}

/** A plain stats server writes at once; one silent this long is waiting for an HTTP request (`stats-http`). */
export const HTTP_AFTER_MS = 100;

/** The request a `stats-http` server waits for (it reads one buffer and answers any). */
export const HTTP_REQUEST = 'GET / HTTP/1.0\r\n\r\n';

/**
 * A reader that remembers, per address, whether the server answered in HTTP, so a `stats-http`
 * server gets its request at once from the second read on. `httpAfterMs`: the silence after
 * which a request is sent to a server not yet known to speak HTTP.
 */
export function createNodeStatsReader(httpAfterMs: number = HTTP_AFTER_MS): StatsReader {
  const http = new Set<string>();
  // A server that answered without HTTP is never sent the request: a master slow to answer
  // (stalled by respawning workers) would close with it unread, and reset the connection.
  const plain = new Set<string>();
  return (address, timeoutMs) =>
    new Promise<string>((resolve, reject) => {
      let opts: NetConnectOpts;
      try {
        opts = statsAddress(address);
      } catch (e) {
        reject(e as Error);
        return;
      }
      const chunks: Buffer[] = [];
      let bytes = 0;
      let asked: ReturnType<typeof setTimeout> | null = null;
      const socket = connect(opts);
      const ask = () => {
        asked = null;
        if (!socket.destroyed) socket.write(HTTP_REQUEST);
      };
      /** The server spoke (or the read is over): no request is to be sent any more. */
      const dontAsk = () => {
        if (asked !== null) clearTimeout(asked);
        asked = null;
      };
      // A deadline on the whole read, not an idle timer: a peer that trickles bytes is cut too.
      const deadline = setTimeout(() => fail(Object.assign(new Error(`no complete answer from ${address} within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })), timeoutMs);
      const done = () => {
        dontAsk();
        clearTimeout(deadline);
        socket.destroy();
      };
      const fail = (err: Error) => {
        done();
        // uWSGI may come back with stats-http: the next read waits for it to speak again.
        plain.delete(address);
        reject(err);
      };
      socket.on('connect', () => {
        if (http.has(address)) ask();
        else if (!plain.has(address)) asked = setTimeout(ask, httpAfterMs);
      });
      socket.on('data', (chunk: Buffer) => {
        dontAsk();
        bytes += chunk.length;
        if (bytes > MAX_STATS_BYTES) fail(new Error(`the answer from ${address} passed ${MAX_STATS_BYTES} bytes`));
        else chunks.push(chunk);
      });
      socket.on('error', fail);
      socket.on('end', () => {
        done();
        const text = Buffer.concat(chunks).toString('utf8');
        if (text.startsWith('HTTP/')) {
          http.add(address);
          plain.delete(address);
        } else if (text !== '') {
          http.delete(address);
          plain.add(address);
        }
        resolve(text);
      });
    });
}

/** The process's stats reader (each address's HTTP or not remembered for the process's life). */
export const nodeStatsReader: StatsReader = createNodeStatsReader();
