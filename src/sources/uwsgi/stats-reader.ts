// uWSGI's stats server writes one JSON document to each connection and closes it. The
// address is HOST:PORT (IPv6 as [::1]:PORT) or the path of a unix socket, as in uWSGI's own
// `stats` option. Every read has a deadline and a size cap, so a stuck or hostile peer costs
// one failed period, never a hung loop or unbounded memory.
import { connect } from 'node:net';
import type { NetConnectOpts } from 'node:net';

/** Reads the whole document at `address`, or rejects (refused, reset, timeout, too large). */
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

export const nodeStatsReader: StatsReader = (address, timeoutMs) =>
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
    const socket = connect(opts);
    const fail = (err: Error) => {
      socket.destroy();
      reject(err);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error(`no complete answer from ${address} within ${timeoutMs} ms`)));
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > MAX_STATS_BYTES) fail(new Error(`the answer from ${address} passed ${MAX_STATS_BYTES} bytes`));
      else chunks.push(chunk);
    });
    socket.on('error', fail);
    socket.on('end', () => {
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
