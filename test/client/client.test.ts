import test from 'ava';
import type { ExecutionContext } from 'ava';
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SidecarClient } from '../../src/client/client.js';
import { BufferPool } from '../../src/pool/buffer-pool.js';
import type { WorkerPool } from '../../src/pool/worker-pool.js';
import type { ClientOptions, Sample, SampleSource } from '../../src/client/types.js';

interface FakeSidecar {
  port: number;
  bodies: Array<{ path: string; body: unknown; authorization: string | undefined }>;
  close(): Promise<void>;
}

type Reply = (body: Sample) => { status: number; json: unknown } | Promise<{ status: number; json: unknown }>;

/** A stand-in for the sidecar's sample route, on 127.0.0.1 (port 0 unless one is given). */
async function fakeSidecar(t: ExecutionContext, reply: Reply, port = 0): Promise<FakeSidecar> {
  const app = express();
  app.use(express.json());
  const bodies: FakeSidecar['bodies'] = [];
  app.post('/v1/pools/:pool/samples', async (req, res) => {
    bodies.push({ path: req.path, body: req.body, authorization: req.get('authorization') });
    const { status, json } = await reply(req.body as Sample);
    res.status(status).json(json);
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(port, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const close = (): Promise<void> => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  t.teardown(close);
  return { port: (server.address() as AddressInfo).port, bodies, close };
}

function grant(target: number): Reply {
  return () => ({ status: 202, json: { pool: 'transfer', target, action: 'grow', mode: 'adaptive' } });
}

/** A pool that only records: its samples are numbered so a test can tell them apart. */
function fakePool(size: number): SampleSource & { size: number; resizes: number[]; samples: number } {
  return {
    size,
    resizes: [],
    samples: 0,
    sample() {
      this.samples++;
      return { ts: this.samples, size: this.size, busy: Math.min(this.size, 2), completed: this.samples };
    },
    resize(n: number) {
      this.resizes.push(n);
      this.size = n;
    },
  };
}

function recordingLogger(): { lines: string[]; info(m: string): void; warn(m: string): void } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`) };
}

function makeClient(t: ExecutionContext, options: ClientOptions): SidecarClient {
  const client = new SidecarClient(options);
  t.teardown(() => client.stop());
  return client;
}

/** A port nothing listens on: bound once, then closed. */
async function deadPort(t: ExecutionContext): Promise<number> {
  const sidecar = await fakeSidecar(t, grant(1));
  await sidecar.close();
  return sidecar.port;
}

test('when the sidecar answers a sample with a new target, then the client posts the sample and resizes the pool', async (t) => {
  const sidecar = await fakeSidecar(t, grant(5));
  const pool = fakePool(3);
  const client = makeClient(t, { baseUrl: `http://127.0.0.1:${sidecar.port}`, pool: 'transfer', source: pool });

  t.is(await client.tick(), 'posted');
  t.deepEqual(sidecar.bodies, [{ path: '/v1/pools/transfer/samples', body: { ts: 1, size: 3, busy: 2, completed: 1 }, authorization: undefined }]);
  t.deepEqual(pool.resizes, [5]);
  t.like(client.stats(), { posted: 1, failed: 0, appliedResizes: 1, lastTarget: 5, lastAction: 'grow', lastMode: 'adaptive', connected: true });
});

test('when the source is one of the reference pools, then the target becomes its size', async (t) => {
  const sidecar = await fakeSidecar(t, grant(6));
  const pool = new BufferPool({ bufferSize: 16, shards: 4, shardCapacity: 2 });
  const client = makeClient(t, { baseUrl: `http://127.0.0.1:${sidecar.port}`, pool: 'buffer', source: pool });
  await client.tick();
  t.is(pool.size, 6);
  t.like(sidecar.bodies[0]?.body, { size: 4, busy: 0, queueStall: 0 });
  // WorkerPool fits the same slot (checked by the compiler; no threads started here).
  const fits: (p: WorkerPool) => SampleSource = (p) => p;
  t.is(typeof fits, 'function');
});

test('when the target is the current size, then the pool is not resized', async (t) => {
  const sidecar = await fakeSidecar(t, grant(3));
  const pool = fakePool(3);
  const client = makeClient(t, { baseUrl: `http://127.0.0.1:${sidecar.port}`, pool: 'transfer', source: pool });
  await client.tick();
  t.deepEqual(pool.resizes, []);
  t.is(client.stats().appliedResizes, 0);
});

test('when the sidecar is down, then the pool keeps its size, retries with a doubling back-off and logs one line for the outage', async (t) => {
  const port = await deadPort(t);
  let nowMs = 0;
  const logger = recordingLogger();
  const pool = fakePool(4);
  const client = makeClient(t, {
    baseUrl: `http://127.0.0.1:${port}`, pool: 'transfer', source: pool, logger, periodMs: 100, maxBackoffMs: 400, now: () => nowMs,
  });

  const results: string[] = [];
  for (const at of [0, 99, 100, 299, 300, 699, 700, 1099, 1100]) {
    nowMs = at;
    results.push(`${at}:${await client.tick()}`);
  }
  t.deepEqual(results, [
    '0:failed', '99:skipped-backoff', // back-off 100
    '100:failed', '299:skipped-backoff', // 200
    '300:failed', '699:skipped-backoff', // 400
    '700:failed', '1099:skipped-backoff', // capped at 400
    '1100:failed',
  ]);
  t.is(pool.size, 4);
  t.deepEqual(pool.resizes, []);
  t.is(pool.samples, 5, 'a skipped period takes no sample, so the next one covers it');
  t.is(logger.lines.length, 1);
  t.regex(logger.lines[0] ?? '', /^warn .*pool=transfer.*unavailable.*keeping size 4/);
  t.like(client.stats(), { failed: 5, posted: 0, connected: false, consecutiveFailures: 5 });
  t.regex(client.stats().lastError ?? '', /ECONNREFUSED/);
});

test('when the sidecar comes back after an outage, then the client logs one recovery line and applies the target', async (t) => {
  const port = await deadPort(t);
  let nowMs = 0;
  const logger = recordingLogger();
  const pool = fakePool(4);
  const client = makeClient(t, {
    baseUrl: `http://127.0.0.1:${port}`, pool: 'transfer', source: pool, logger, periodMs: 100, now: () => nowMs,
  });
  t.is(await client.tick(), 'failed');
  nowMs = 100;
  t.is(await client.tick(), 'failed');

  await fakeSidecar(t, grant(6), port);
  nowMs = 300;
  t.is(await client.tick(), 'posted');
  nowMs = 400;
  t.is(await client.tick(), 'posted', 'a success ends the back-off');

  t.is(pool.size, 6);
  t.is(logger.lines.length, 2);
  t.regex(logger.lines[1] ?? '', /^info .*reachable again after 2 failed attempts/);
  t.like(client.stats(), { connected: true, consecutiveFailures: 0, posted: 2, failed: 2 });
});

test('when a request is still in flight, then the next period sends nothing and takes no sample', async (t) => {
  let answer: () => void = () => {};
  const answered = new Promise<void>((resolve) => (answer = resolve));
  const sidecar = await fakeSidecar(t, async () => {
    await answered;
    return grant(3)(undefined as unknown as Sample);
  });
  const pool = fakePool(3);
  const client = makeClient(t, { baseUrl: `http://127.0.0.1:${sidecar.port}`, pool: 'transfer', source: pool });
  const first = client.tick();
  t.is(await client.tick(), 'skipped-in-flight');
  answer();
  t.is(await first, 'posted');
  t.is(pool.samples, 1);
  t.is(sidecar.bodies.length, 1);
});

test('when the sidecar does not answer in time, then the request is abandoned and counted as a failure', async (t) => {
  const sidecar = await fakeSidecar(t, () => new Promise(() => {}));
  const pool = fakePool(3);
  const client = makeClient(t, { baseUrl: `http://127.0.0.1:${sidecar.port}`, pool: 'transfer', source: pool, timeoutMs: 50 });
  t.is(await client.tick(), 'failed');
  t.regex(client.stats().lastError ?? '', /timeout|aborted/i);
  t.is(pool.size, 3);
});

test('when the sidecar refuses the sample or replies without a valid target, then it is a failure and the size is kept', async (t) => {
  const replies = [
    { status: 404, json: { error: 'unknown pool', field: 'pool' } },
    { status: 202, json: { pool: 'transfer', target: -1, action: 'grow', mode: 'adaptive' } },
  ];
  const sidecar = await fakeSidecar(t, () => replies.shift() ?? { status: 500, json: {} });
  const pool = fakePool(3);
  let nowMs = 0;
  const client = makeClient(t, { baseUrl: `http://127.0.0.1:${sidecar.port}`, pool: 'transfer', source: pool, now: () => nowMs });
  t.is(await client.tick(), 'failed');
  t.regex(client.stats().lastError ?? '', /HTTP 404.*unknown pool/);
  nowMs = 10_000;
  t.is(await client.tick(), 'failed');
  t.regex(client.stats().lastError ?? '', /no valid target/);
  t.deepEqual(pool.resizes, []);
});

test('when started, then it posts on its own every period until stopped', async (t) => {
  const sidecar = await fakeSidecar(t, grant(3));
  const pool = fakePool(3);
  const client = makeClient(t, { baseUrl: `http://127.0.0.1:${sidecar.port}`, pool: 'transfer', source: pool, periodMs: 10 });
  client.start();
  while (sidecar.bodies.length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
  await client.stop();
  // A post in flight at stop() is aborted, though its body may reach the sidecar after: what
  // stop() must end is new posts, each of which samples the pool first.
  const sampled = pool.samples;
  await new Promise((resolve) => setTimeout(resolve, 30));
  t.is(pool.samples, sampled, 'nothing is sampled or posted after stop()');
  t.true(sidecar.bodies.length <= sampled);
  t.is(await client.tick(), 'stopped');
});

test('when a token is given, then every sample carries it as a bearer token (a sidecar listening off loopback needs it)', async (t) => {
  const sidecar = await fakeSidecar(t, grant(4));
  const pool = fakePool(4);
  const client = makeClient(t, { baseUrl: `http://127.0.0.1:${sidecar.port}`, pool: 'transfer', source: pool, token: 'a-long-secret-token' });
  t.is(await client.tick(), 'posted');
  t.is(sidecar.bodies[0]?.authorization, 'Bearer a-long-secret-token');
  const plain = makeClient(t, { baseUrl: `http://127.0.0.1:${sidecar.port}`, pool: 'transfer', source: pool });
  t.is(await plain.tick(), 'posted');
  t.is(sidecar.bodies[1]?.authorization, undefined);
});
