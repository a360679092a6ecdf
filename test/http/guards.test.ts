// Who may do what: Host on a loopback listener (DNS rebinding), the token for every write
// off loopback, and a declared Content-Length over 256 KiB refused before the body is read.
import test from 'ava';
import { hostName } from '../../src/http/index.js';
import { FROZEN, rawRequest, rawSocket, startHarness } from './harness.js';

const SAMPLE = '{"size":16,"busy":8}';
const JSON_HEADERS = { 'content-type': 'application/json' };

test('hostName takes the name out of a Host header, brackets and port removed', (t) => {
  t.is(hostName('127.0.0.1:9464'), '127.0.0.1');
  t.is(hostName('[::1]:9464'), '::1');
  t.is(hostName('[::1]'), '::1');
  t.is(hostName('localhost'), 'localhost');
  t.is(hostName('evil.example:80'), 'evil.example');
});

test('when a loopback listener gets a Host that is not loopback (DNS rebinding), then every route is 403 and nothing changes', async (t) => {
  const h = await startHarness({ params: FROZEN });
  try {
    const port = new URL(h.url).port;
    for (const host of [`evil.example:${port}`, 'rebind.attacker.test', `127.0.0.1.nip.io:${port}`]) {
      const pin = await rawRequest(h.url, { method: 'PUT', path: '/v1/pools/transfer/pin', headers: { ...JSON_HEADERS, host }, body: '{"size":3}' });
      t.is(pin.status, 403, host);
      t.like(JSON.parse(pin.text), { code: 'forbidden-host' });
      t.is((await rawRequest(h.url, { method: 'POST', path: '/v1/pools/transfer/samples', headers: { ...JSON_HEADERS, host }, body: SAMPLE })).status, 403);
      t.is((await rawRequest(h.url, { path: '/v1/pools', headers: { host } })).status, 403);
    }
    t.is(h.engine.state('transfer').mode, 'adaptive');
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'LOCALHOST']) {
      t.is((await rawRequest(h.url, { path: '/v1/pools', headers: { host } })).status, 200, host);
    }
  } finally {
    await h.close();
  }
});

test('when the listener is not loopback and no token is configured, then samples are 403 and never reach the engine', async (t) => {
  const h = await startHarness({ params: FROZEN, listenHost: '0.0.0.0', token: null });
  let ingested = 0;
  h.engine.ingested$.subscribe(() => (ingested += 1));
  try {
    const res = await rawRequest(h.url, { method: 'POST', path: '/v1/pools/transfer/samples', headers: JSON_HEADERS, body: SAMPLE });
    t.is(res.status, 403);
    t.like(JSON.parse(res.text), { code: 'forbidden' });
    t.is(ingested, 0);
    // Reads stay open, whatever the Host (the listener is reached by names we cannot know).
    t.is((await rawRequest(h.url, { path: '/v1/pools', headers: { host: 'sidecar.internal' } })).status, 200);
  } finally {
    await h.close();
  }
});

test('when the listener is not loopback and a token is configured, then samples need it (401 without, 202 with)', async (t) => {
  const h = await startHarness({ params: FROZEN, listenHost: '0.0.0.0', token: 'a-long-secret-token' });
  try {
    const post = (auth?: string) =>
      rawRequest(h.url, { method: 'POST', path: '/v1/pools/transfer/samples', headers: { ...JSON_HEADERS, ...(auth ? { authorization: auth } : {}) }, body: SAMPLE });
    t.is((await post()).status, 401);
    t.is((await post('Bearer wrong')).status, 401);
    t.is((await post('Bearer a-long-secret-token')).status, 202);
    h.handle.reconfigure({ token: 'rotated-token', pools: h.engine.pools });
    t.is((await post('Bearer a-long-secret-token')).status, 401, 'a reload replaces the token');
    t.is((await post('Bearer rotated-token')).status, 202);
  } finally {
    await h.close();
  }
});

test('when a loopback listener gets samples without a token, then they are accepted (only local processes reach it)', async (t) => {
  const h = await startHarness({ params: FROZEN, token: 'a-long-secret-token' });
  try {
    t.is((await rawRequest(h.url, { method: 'POST', path: '/v1/pools/transfer/samples', headers: JSON_HEADERS, body: SAMPLE })).status, 202);
  } finally {
    await h.close();
  }
});

test('when a request declares a Content-Length over 256 KiB, then it is a 413 at once, before any of the body is sent, and the connection closes', async (t) => {
  const h = await startHarness({ params: FROZEN });
  try {
    for (const path of ['/v1/pools/transfer/samples', '/v1/pools/transfer/pin']) {
      const method = path.endsWith('pin') ? 'PUT' : 'POST';
      const head = `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 10000000000\r\n\r\n`;
      const res = await rawSocket(h.url, head, 3000);
      t.regex(res.reply, /^HTTP\/1\.1 413 /, path);
      t.regex(res.reply, /"code":"too-large"/);
      t.true(res.closed, 'the server closed the connection instead of reading 10 GB');
    }
  } finally {
    await h.close();
  }
});
