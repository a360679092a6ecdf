import test from 'ava';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { MAX_ANSWER_BYTES, postJson, redactUrl, urlCredentials, webhookActuator, backoffMs } from '../../src/actuators/index.js';
import type { Sleep } from '../../src/actuators/index.js';
import type { Decision } from '../../src/core/index.js';

function decision(to: number, over: Partial<Decision> = {}): Decision {
  return { pool: 'transfer', ts: 0, action: 'grow', from: to - 1, to, recommended: to, reason: 'above-band', mode: 'adaptive', utilization: 0.9, queueStall: 0, workerIdle: 0.1, band: { low: 0.6, high: 0.85 }, ...over };
}

interface Hook {
  url: string;
  received: { path: string; body: unknown }[];
  close(): Promise<void>;
}

/** A daemon's webhook endpoint that answers each request with `status(n)` (n from 1). */
async function endpoint(status: (n: number) => number | 'hang'): Promise<Hook> {
  const received: Hook['received'] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(body) as unknown });
      const s = status(received.length);
      if (s === 'hang') return;
      res.statusCode = s;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/pools/{pool}/size`,
    received,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function recordingSleep(): { sleep: Sleep; delays: number[] } {
  const delays: number[] = [];
  return { delays, sleep: async (ms) => void delays.push(ms) };
}

test('a webhook that fails three times then succeeds receives the size, after exponential back-offs', async (t) => {
  const hook = await endpoint((n) => (n <= 3 ? 503 : 200));
  const { sleep, delays } = recordingSleep();
  const attempts: string[] = [];
  const actuator = webhookActuator({ url: hook.url, timeoutMs: 1000, maxRetries: 3, sleep, onAttempt: (pool, result) => attempts.push(`${pool}:${result}`) });
  try {
    const out = await actuator.apply(decision(9));
    t.deepEqual(out, { status: 'ok', pool: 'transfer', size: 9, attempts: 4 });
    t.is(hook.received.length, 4);
    t.deepEqual(hook.received.at(-1), { path: '/pools/transfer/size', body: { pool: 'transfer', size: 9, action: 'grow', reason: 'above-band' } });
    t.deepEqual(delays, [200, 400, 800]);
    t.deepEqual(attempts, ['transfer:error', 'transfer:error', 'transfer:error', 'transfer:ok']);
  } finally {
    await hook.close();
  }
});

test('a webhook that keeps failing is given up after maxRetries, every failure counted', async (t) => {
  const hook = await endpoint(() => 500);
  const { sleep } = recordingSleep();
  const attempts: string[] = [];
  const actuator = webhookActuator({ url: hook.url, timeoutMs: 1000, maxRetries: 2, sleep, onAttempt: (_p, r) => attempts.push(r) });
  try {
    const out = await actuator.apply(decision(9));
    t.like(out, { status: 'error', attempts: 3, error: 'HTTP 500' });
    t.deepEqual(attempts, ['error', 'error', 'error']);
  } finally {
    await hook.close();
  }
});

test('an attempt that takes longer than timeoutMs fails', async (t) => {
  const hook = await endpoint(() => 'hang');
  const actuator = webhookActuator({ url: hook.url, timeoutMs: 50, maxRetries: 0 });
  try {
    const out = await actuator.apply(decision(9));
    t.is(out.status, 'error');
  } finally {
    await hook.close();
  }
});

test('only the newest size per pool is pending: a retry gives way to a newer size', async (t) => {
  const hook = await endpoint((n) => (n === 1 ? 500 : 200));
  let release: () => void = () => undefined;
  let retrying: () => void = () => undefined;
  const retryWaits = new Promise<void>((resolve) => (retrying = resolve));
  const sleep: Sleep = () =>
    new Promise((resolve) => {
      release = resolve;
      retrying();
    });
  const actuator = webhookActuator({ url: hook.url, timeoutMs: 1000, maxRetries: 3, sleep });
  try {
    const first = actuator.apply(decision(9));
    await retryWaits; // the first POST failed; its retry waits
    const second = actuator.apply(decision(10));
    const third = actuator.apply(decision(11));
    release();
    t.like(await first, { status: 'superseded', size: 9 });
    t.like(await second, { status: 'superseded', size: 10 });
    t.like(await third, { status: 'ok', size: 11, attempts: 1 });
    t.deepEqual(hook.received.map((r) => (r.body as { size: number }).size), [9, 11]);
  } finally {
    await hook.close();
  }
});

test('a delivered size counts as applied only when the daemon reports it', async (t) => {
  const hook = await endpoint(() => 204);
  const actuator = webhookActuator({ url: hook.url, timeoutMs: 1000, maxRetries: 0 });
  try {
    await actuator.apply(decision(12));
    t.deepEqual(actuator.status('transfer'), { delivered: 12, applied: null });
    actuator.reported?.('transfer', 11);
    t.is(actuator.status('transfer').applied, null);
    actuator.reported?.('transfer', 12);
    t.is(actuator.status('transfer').applied, 12);
  } finally {
    await hook.close();
  }
});

test('back-off doubles from the base up to the cap', (t) => {
  t.deepEqual([1, 2, 3, 4, 10].map((r) => backoffMs(r, 200, 1000)), [200, 400, 800, 1000, 1000]);
});

/** A server on 127.0.0.1 port 0 with a raw handler; counts the requests it got. */
async function server(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; requests: () => number; close(): Promise<void> }> {
  let requests = 0;
  const s = createServer((req, res) => {
    requests++;
    req.resume();
    req.on('end', () => handler(req, res));
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: () => new Promise((resolve) => {
      s.closeAllConnections();
      s.close(() => resolve());
    }),
  };
}

for (const status of [303, 307, 308, 301]) {
  test(`when the webhook answers ${status}, then it is a failure and the redirect is never followed`, async (t) => {
    const elsewhere = await server((_req, res) => res.end());
    const hook = await server((_req, res) => {
      res.writeHead(status, { location: `${elsewhere.url}/stolen` });
      res.end();
    });
    const attempts: string[] = [];
    const actuator = webhookActuator({ url: `${hook.url}/pools/{pool}/size`, timeoutMs: 1000, maxRetries: 0, onAttempt: (_p, r) => attempts.push(r) });
    try {
      const out = await actuator.apply(decision(9));
      t.like(out, { status: 'error', error: `HTTP ${status} (redirects are not followed)` });
      t.deepEqual(attempts, ['error']);
      t.is(elsewhere.requests(), 0);
    } finally {
      await hook.close();
      await elsewhere.close();
    }
  });
}

test('when the webhook answers 400 MB, then at most 4 KiB is read and the connection is cut', async (t) => {
  let sent = 0;
  let closed: () => void = () => undefined;
  const cut = new Promise<void>((resolve) => (closed = resolve));
  const hook = await server((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 400 * 2 ** 20 });
    res.on('close', closed);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const pump = (): void => {
      while (sent < 400 * 2 ** 20 && !res.destroyed) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
    };
    pump();
  });
  const actuator = webhookActuator({ url: `${hook.url}/pools/{pool}/size`, timeoutMs: 10_000, maxRetries: 0 });
  try {
    t.like(await actuator.apply(decision(9)), { status: 'ok' });
    await cut;
    // What the sockets' buffers took before the cut, never the 400 MB.
    t.true(sent < 32 * 2 ** 20, `the server got to send ${sent} bytes`);
    const direct = await postJson(new URL(`${hook.url}/x`), '{}', 10_000);
    t.true(direct.bytesRead <= MAX_ANSWER_BYTES, `read ${direct.bytesRead} bytes`);
  } finally {
    await hook.close();
  }
});

test('when the webhook answers with a gzip bomb, then identity was asked for and nothing is decompressed', async (t) => {
  const bomb = gzipSync(Buffer.alloc(64 * 2 ** 20));
  let acceptEncoding: string | undefined;
  const hook = await server((req, res) => {
    acceptEncoding = req.headers['accept-encoding'];
    res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': bomb.length });
    res.end(bomb);
  });
  const actuator = webhookActuator({ url: `${hook.url}/pools/{pool}/size`, timeoutMs: 10_000, maxRetries: 0 });
  try {
    t.like(await actuator.apply(decision(9)), { status: 'ok' });
    t.is(acceptEncoding, 'identity');
    const result = await postJson(new URL(`${hook.url}/x`), '{}', 10_000);
    t.is(result.failure, null);
    t.true(result.bytesRead <= MAX_ANSWER_BYTES, 'the compressed bytes, at most 4 KiB of them, never the 64 MB inside');
  } finally {
    await hook.close();
  }
});

test('when the webhook URL carries credentials, then the actuator is refused without showing the password', (t) => {
  const err = t.throws(() => webhookActuator({ url: 'http://admin:s3cret@127.0.0.1:8873/pools/{pool}/size', timeoutMs: 1000, maxRetries: 0 }));
  t.notRegex(err?.message ?? '', /s3cret/);
  t.regex(err?.message ?? '', /credentials/);
  t.true(urlCredentials('http://admin@127.0.0.1/'));
  t.false(urlCredentials('http://127.0.0.1:8873/pools/{pool}/size'));
  t.is(redactUrl('https://admin:s3cret@example.com/pools/{pool}/size'), 'https://***@example.com/pools/{pool}/size');
});
