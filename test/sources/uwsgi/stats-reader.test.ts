import test from 'ava';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { join } from 'node:path';
import { createNodeStatsReader, HTTP_REQUEST, nodeStatsReader, parseUwsgiStats, statsAddress } from '../../../src/sources/uwsgi/index.js';
import { tempDir } from '../../fixtures/temp.js';

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
  const path = join(tempDir(t, 'at-stats-'), 'stats.sock');
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
    await t.throwsAsync(nodeStatsReader(`127.0.0.1:${(server.address() as AddressInfo).port}`, 100), { message: /within 100 ms/, code: 'ETIMEDOUT' });
  } finally {
    await close(server);
  }
});

test('when the server trickles its answer a byte at a time, then the read still rejects at the deadline', async (t) => {
  const server = createServer((socket) => {
    const timer = setInterval(() => socket.write('{'), 20);
    socket.on('close', () => clearInterval(timer));
    socket.on('error', () => clearInterval(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await t.throwsAsync(nodeStatsReader(`127.0.0.1:${(server.address() as AddressInfo).port}`, 150), { message: /within 150 ms/, code: 'ETIMEDOUT' });
  } finally {
    server.close();
  }
});

/**
 * A stats server with `stats-http`, like uWSGI's: it waits for a request and answers behind
 * HTTP headers; `eager` answers of the list are written on connect instead, unasked. What each
 * connection sent is kept.
 */
async function serveHttp(doc: string, eager: boolean[] = []): Promise<{ server: Server; port: number; received: string[] }> {
  const received: string[] = [];
  const open = new Set<Socket>();
  const answer = `HTTP/1.0 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\n\r\n${doc}`;
  let connections = 0;
  const server = createServer((socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    const index = received.push('') - 1;
    socket.on('data', (chunk) => {
      received[index] += chunk.toString('utf8');
      if (!eager[index]) socket.end(answer);
    });
    if (eager[connections] === true) socket.end(answer);
    connections += 1;
  });
  openSockets.set(server, open);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, received };
}

test('when the stats server waits for an HTTP request (stats-http), then the reader asks and reads the document behind the headers', async (t) => {
  const doc = JSON.stringify({ pid: 7, workers: [{ id: 1, pid: 8, status: 'idle', requests: 3, running_time: 0, cores: [] }] });
  const { server, port, received } = await serveHttp(doc);
  try {
    const text = await createNodeStatsReader(20)(`127.0.0.1:${port}`, 2000);
    t.true(text.startsWith('HTTP/1.0 200 OK'));
    t.is(parseUwsgiStats(text).workers.length, 1, 'the document behind the headers parses');
    t.deepEqual(received, [HTTP_REQUEST], 'one request, after the silence');
  } finally {
    await close(server);
  }
});

test('when a server answered in HTTP before, then the next read asks at once instead of waiting for its silence', async (t) => {
  // The first answer comes unasked, behind HTTP headers; the second only when asked. A reader
  // that waited the silence (a minute here) before asking would miss the 2 s deadline.
  const { server, port, received } = await serveHttp('{"workers":[]}', [true, false]);
  try {
    const read = createNodeStatsReader(60_000);
    t.true((await read(`127.0.0.1:${port}`, 2000)).startsWith('HTTP/'));
    t.true((await read(`127.0.0.1:${port}`, 2000)).startsWith('HTTP/'));
    t.is(received[1], HTTP_REQUEST);
  } finally {
    await close(server);
  }
});

test('when a plain stats server answers at once, then the reader sends it nothing (an unread request would reset the connection)', async (t) => {
  const received: string[] = [];
  const doc = JSON.stringify({ workers: [], pad: 'x'.repeat(200_000) });
  const server = createServer((socket) => {
    socket.on('data', (chunk) => received.push(chunk.toString('utf8')));
    socket.end(doc);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const read = createNodeStatsReader(60_000);
    t.is(await read(`127.0.0.1:${(server.address() as AddressInfo).port}`, 2000), doc);
    t.is(await read(`127.0.0.1:${(server.address() as AddressInfo).port}`, 2000), doc);
    t.deepEqual(received, []);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('when a plain stats server that answered before is slow to answer, then it is still sent nothing; after a failed read, a silent server is asked again (uWSGI back with stats-http)', async (t) => {
  const doc = '{"workers":[]}';
  const received: string[] = [];
  // per connection: answer at once; answer after 300 ms of silence (a master stalled respawning
  // workers); then, as uWSGI with stats-http, answer only when asked
  const plans: ('now' | 'late' | 'asked')[] = ['now', 'late', 'asked', 'asked'];
  const server = createServer((socket) => {
    const plan = plans.shift() ?? 'asked';
    socket.on('data', (chunk) => {
      received.push(chunk.toString('utf8'));
      if (plan === 'asked') socket.end(`HTTP/1.0 200 OK\r\n\r\n${doc}`);
    });
    socket.on('error', () => undefined);
    if (plan === 'now') socket.end(doc);
    if (plan === 'late') setTimeout(() => socket.end(doc), 300);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const read = createNodeStatsReader(50);
    t.is(await read(address, 2000), doc);
    t.is(await read(address, 2000), doc, 'answered late, unasked');
    t.deepEqual(received, [], 'nothing sent to a server known to answer without HTTP');
    await t.throwsAsync(read(address, 300), { code: 'ETIMEDOUT' }, 'now it waits to be asked, and is not: the read fails');
    t.true((await read(address, 2000)).startsWith('HTTP/'), 'after the failure, its silence gets the request');
    t.deepEqual(received, [HTTP_REQUEST]);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
