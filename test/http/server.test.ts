// The server's own limits: headers within the timeout (408, logged and counted), connections
// capped below the fd limit (one more is closed, logged and counted), Node's answers to bad
// requests kept.
import test from 'ava';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { connectionCap, HEADERS_TIMEOUT_MS, listenHttp } from '../../src/http/index.js';
import type { RefusalHook } from '../../src/http/index.js';
import { rawSocket } from './harness.js';

const ok = (_req: unknown, res: { end(s: string): void }): void => res.end('ok');

function recorder(): { hook: RefusalHook; seen: string[] } {
  const seen: string[] = [];
  return { seen, hook: (kind) => void seen.push(kind) };
}

test('the connection cap keeps 10 % of the fd limit (at least 128) free; 1,024 assumed when unknown', (t) => {
  t.is(connectionCap(20_000), 18_000);
  t.is(connectionCap(1024), 896);
  t.is(connectionCap(null), 896);
  t.is(connectionCap(100), 16);
});

test('the header timeout is 10 s by default', async (t) => {
  const { server } = await listenHttp(ok, { host: '127.0.0.1', port: 0, maxConnections: 10, refused: () => undefined });
  try {
    t.is(HEADERS_TIMEOUT_MS, 10_000);
    t.is(server.headersTimeout, 10_000);
  } finally {
    server.close();
  }
});

test('when headers do not arrive within the timeout, then the answer is 408, the connection closes, and it is counted', async (t) => {
  const r = recorder();
  const { server, address } = await listenHttp(ok, { host: '127.0.0.1', port: 0, maxConnections: 10, refused: r.hook, headersTimeoutMs: 200, timeoutCheckMs: 50 });
  try {
    const res = await rawSocket(`http://127.0.0.1:${address.port}`, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n', 3000);
    t.regex(res.reply, /^HTTP\/1\.1 408 /);
    t.true(res.closed);
    t.deepEqual(r.seen, ['header-timeout']);
    const garbage = await rawSocket(`http://127.0.0.1:${address.port}`, 'NOT HTTP\r\n\r\n', 3000);
    t.regex(garbage.reply, /^HTTP\/1\.1 400 /, 'a bad request is still a 400, not counted as a timeout');
    t.deepEqual(r.seen, ['header-timeout']);
  } finally {
    server.close();
  }
});

test('when the connections are at their cap, then one more is closed at once, logged and counted, and a freed place is taken again', async (t) => {
  const r = recorder();
  const { server, address } = await listenHttp(ok, { host: '127.0.0.1', port: 0, maxConnections: 2, refused: r.hook });
  const open: Socket[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const s = connect(address.port, '127.0.0.1');
      open.push(s);
      await new Promise((resolve) => s.once('connect', resolve));
    }
    // Both are accepted before the third arrives.
    await new Promise((resolve) => server.getConnections(() => resolve(undefined)));
    const third = await rawSocket(`http://127.0.0.1:${address.port}`, 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 3000);
    t.true(third.closed);
    t.is(third.reply, '');
    t.deepEqual(r.seen, ['connections']);
    open[0]?.destroy();
    const count = (): Promise<number> => new Promise((resolve) => server.getConnections((_e, n) => resolve(n)));
    for (let i = 0; i < 200 && (await count()) > 1; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    const fourth = await rawSocket(`http://127.0.0.1:${address.port}`, 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n', 3000);
    t.regex(fourth.reply, /^HTTP\/1\.1 200 /);
  } finally {
    for (const s of open) s.destroy();
    server.close();
  }
});
