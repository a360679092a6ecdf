import test from 'ava';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeStatsReader, statsAddress } from '../../../src/sources/uwsgi/index.js';

/** A stats server like uWSGI's: writes the document on connect and closes (or, stuck, never does). */
const openSockets = new WeakMap<Server, Set<Socket>>();

async function serve(listenOn: number | string, doc: string | null): Promise<Server> {
  const open = new Set<Socket>();
  const server = createServer((socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    if (doc !== null) socket.end(doc);
  });
  openSockets.set(server, open);
  await new Promise<void>((resolve) => (typeof listenOn === 'number' ? server.listen(listenOn, '127.0.0.1', resolve) : server.listen(listenOn, resolve)));
  return server;
}

function close(server: Server): Promise<void> {
  for (const socket of openSockets.get(server) ?? []) socket.destroy();
  return new Promise<void>((resolve) => server.close(() => resolve()));
}

for (const [address, expected] of [
  ['127.0.0.1:9191', { host: '127.0.0.1', port: 9191 }],
  [':9191', { host: '127.0.0.1', port: 9191 }],
  ['[::1]:9191', { host: '::1', port: 9191 }],
  ['/run/uwsgi/stats.sock', { path: '/run/uwsgi/stats.sock' }],
] as const) {
  test(`when the stats address is ${address}, then it is read as ${JSON.stringify(expected)}`, (t) => {
    t.deepEqual(statsAddress(address), expected);
  });
}

test('when the stats address is neither HOST:PORT nor a path, then it is refused with what is allowed', (t) => {
  t.throws(() => statsAddress('localhost'), { message: /neither HOST:PORT nor a socket path/ });
  t.throws(() => statsAddress('127.0.0.1:70000'), { message: /neither HOST:PORT/ });
});

test('when the stats server answers on TCP, then its whole document is read', async (t) => {
  const doc = JSON.stringify({ workers: [], pad: 'x'.repeat(200_000) });
  const server = await serve(0, doc);
  try {
    t.is(await nodeStatsReader(`127.0.0.1:${(server.address() as AddressInfo).port}`, 2000), doc);
  } finally {
    await close(server);
  }
});

test('when the stats server is a unix socket, then it is read too', async (t) => {
  const path = join(mkdtempSync(join(tmpdir(), 'at-stats-')), 'stats.sock');
  const server = await serve(path, '{"workers":[]}');
  try {
    t.is(await nodeStatsReader(path, 2000), '{"workers":[]}');
  } finally {
    await close(server);
  }
});

test('when nothing listens, then the read rejects', async (t) => {
  const server = await serve(0, '');
  const port = (server.address() as AddressInfo).port;
  await close(server);
  await t.throwsAsync(nodeStatsReader(`127.0.0.1:${port}`, 2000), { message: /ECONNREFUSED/ });
});

test('when the server never finishes its answer, then the read rejects at the deadline', async (t) => {
  const server = await serve(0, null);
  try {
    await t.throwsAsync(nodeStatsReader(`127.0.0.1:${(server.address() as AddressInfo).port}`, 100), { message: /within 100 ms/ });
  } finally {
    await close(server);
  }
});
