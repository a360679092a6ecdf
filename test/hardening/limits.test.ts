// Limits and security: loopback by default, pin auth, the per-pool sample rate limit, the
// body limit (compressed bodies too) and error bodies that never carry a stack or a path.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../../src/config/load.js';
import { createApp, isLoopback } from '../../src/http/index.js';
import type { Engine } from '../../src/streams/index.js';
import { FROZEN, startHarness } from '../http/harness.js';
import { GOOD, assertCleanError, counterOf, observe, post, stateOf } from './helpers.js';

const host = { cpuMax: () => null, availableParallelism: () => 4 };

test('the listener is loopback unless configured otherwise: an empty config and the shipped default.yaml', (t) => {
  const empty = loadConfig(['--config', 'empty.yaml'], {}, { ...host, readFile: () => '' }, () => undefined);
  t.true(empty.kind === 'run' && empty.config.listen.host === '127.0.0.1');
  const shipped = loadConfig([], {}, { ...host, readFile: (p) => readFileSync(p, 'utf8') }, () => undefined);
  t.true(shipped.kind === 'run' && shipped.config.file === DEFAULT_CONFIG_PATH && shipped.config.listen.host === '127.0.0.1');
});

test('isLoopback: only loopback addresses and localhost', (t) => {
  for (const h of ['127.0.0.1', '127.9.8.7', '::1', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1']) t.true(isLoopback(h), h);
  for (const h of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.10', '::ffff:10.0.0.1', '127.0.0.1.nip.io', 'localhost.example.com', '']) t.false(isLoopback(h), h);
});

async function pin(url: string, method: 'PUT' | 'DELETE', auth?: string): Promise<number> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (auth !== undefined) headers['authorization'] = auth;
  const res = await fetch(`${url}/v1/pools/transfer/pin`, { method, headers, ...(method === 'PUT' ? { body: '{"size":5}' } : {}) });
  return res.status;
}

test('pin and unpin without a token are 403 on every non-loopback listener; with a token they need it', async (t) => {
  for (const listenHost of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.10']) {
    const h = await startHarness({ params: FROZEN, listenHost, token: null });
    try {
      t.is(await pin(h.url, 'PUT'), 403, listenHost);
      t.is(await pin(h.url, 'DELETE'), 403, listenHost);
      t.is(await pin(h.url, 'PUT', 'Bearer anything'), 403, listenHost);
      t.is(h.engine.state('transfer').mode, 'adaptive');
    } finally {
      await h.close();
    }
  }
  const h = await startHarness({ params: FROZEN, listenHost: '0.0.0.0', token: 'a-long-secret-token' });
  try {
    // Tokens of every length are compared (hashed first, then timingSafeEqual): none throws, all are 401.
    for (const guess of ['', 'a', 'a-long-secret-toke', 'a-long-secret-tokenX', 'x'.repeat(4096)]) t.is(await pin(h.url, 'PUT', `Bearer ${guess}`), 401, guess.slice(0, 20));
    t.is(await pin(h.url, 'PUT', 'Bearer a-long-secret-token'), 200);
    t.is(await pin(h.url, 'DELETE', 'Bearer a-long-secret-token'), 200);
  } finally {
    await h.close();
  }
});

test('the rate limit is a token bucket in samples per pool: past it a 429 with Retry-After, nothing applied, counted as rate-limited', async (t) => {
  let nowMs = 0;
  const h = await startHarness({ params: FROZEN, sampleRate: { samplesPerSecond: 200, burstSamples: 1000 }, clockMs: () => nowMs });
  const seen = observe(h);
  try {
    const batch = (n: number): string => JSON.stringify(Array.from({ length: n }, () => GOOD));
    t.is((await post(h.url, 'transfer', batch(1000))).status, 202, 'a full batch fits the bucket');
    const before = await stateOf(h.url, 'transfer');
    const refused = await post(h.url, 'transfer', JSON.stringify(GOOD));
    t.is(refused.status, 429);
    t.like(refused.json, { code: 'rate-limited', field: 'pool' });
    t.true(assertCleanError(refused));
    t.is(refused.headers?.get('retry-after'), '1');
    t.is((await post(h.url, 'buffer', batch(10))).status, 202, 'another pool has its own bucket');

    nowMs += 50; // 10 samples' worth
    t.is((await post(h.url, 'transfer', batch(11))).status, 429, 'a batch that does not fit is refused whole');
    // Until the refused batch would fit (1 sample at 200/s: 5 ms), the pool takes no request:
    // refused before its body is read, so a flood of big batches is never parsed.
    const closed = await post(h.url, 'transfer', 'not json at all');
    t.is(closed.status, 429, 'refused before the body is parsed (else 415)');
    nowMs += 5;
    t.is((await post(h.url, 'transfer', batch(10))).status, 202);
    t.is((await post(h.url, 'transfer', JSON.stringify(GOOD))).status, 202);
    t.is((await post(h.url, 'transfer', JSON.stringify(GOOD))).status, 429);

    nowMs += 60_000; // refills up to the burst, not beyond
    t.is((await post(h.url, 'transfer', batch(1000))).status, 202);
    t.is((await post(h.url, 'transfer', JSON.stringify(GOOD))).status, 429);

    t.is(seen.samples(), 1000 + 10 + 10 + 1 + 1000);
    t.deepEqual(await stateOf(h.url, 'transfer'), before);
    t.is(await counterOf(h.url, 'adaptive_threads_samples_total{pool="transfer"}'), 2011);
    t.is(await counterOf(h.url, 'adaptive_threads_samples_rejected_total{reason="rate-limited"}'), 5);
  } finally {
    await h.close();
  }
});

test('a runaway client flooding one pool is held to its rate and does not starve the other pool or the loop', async (t) => {
  const h = await startHarness({ cpus: 16 });
  const seen = observe(h);
  let accepted = 0;
  h.engine.ingested$.subscribe((i) => (accepted += i.pool === 'transfer' ? i.samples.length : 0));
  try {
    const started = performance.now();
    let flooding = true;
    const statuses = new Map<number, number>();
    const flood = Array.from({ length: 16 }, async () => {
      while (flooding) {
        const res = await post(h.url, 'transfer', JSON.stringify(Array.from({ length: 50 }, () => GOOD)));
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }
    });
    const latencies: number[] = [];
    const bufferTicksBefore = h.decisions.filter((d) => d.pool === 'buffer').length;
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      t.is((await post(h.url, 'buffer', JSON.stringify({ size: 32, busy: 20 }))).status, 202);
      latencies.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 50));
    }
    flooding = false;
    await Promise.all(flood);
    const elapsedS = (performance.now() - started) / 1000;
    t.true((statuses.get(429) ?? 0) > 0, `the flood was refused (${JSON.stringify([...statuses])})`);
    t.true(accepted <= 1000 + 200 * elapsedS + 50, `${accepted} samples accepted in ${elapsedS.toFixed(1)} s`);
    latencies.sort((a, b) => a - b);
    t.true((latencies[Math.floor(latencies.length / 2)] as number) < 250, `median buffer reply ${latencies[10]?.toFixed(0)} ms under the flood`);
    t.true(h.decisions.filter((d) => d.pool === 'buffer').length - bufferTicksBefore >= 5, 'the buffer pool kept ticking');
    t.true(seen.ingested() > 0);
  } finally {
    await h.close();
  }
});

test('a body over 256 KiB is a 413, also when it arrives gzipped; pin bodies too', async (t) => {
  const h = await startHarness({ params: FROZEN, sampleRate: { samplesPerSecond: 1e9, burstSamples: 1e9 } });
  const seen = observe(h);
  try {
    const plain = `${JSON.stringify(GOOD)}${' '.repeat(300 * 1024)}`;
    t.is((await post(h.url, 'transfer', plain)).status, 413);
    const bomb = gzipSync(Buffer.from(`${JSON.stringify(GOOD)}${' '.repeat(20 * 1024 * 1024)}`));
    t.true(bomb.length < 100 * 1024, 'a small request that inflates to 20 MB');
    const res = await fetch(`${h.url}/v1/pools/transfer/samples`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: bomb });
    t.is(res.status, 413);
    t.like(await res.json(), { code: 'too-large' });
    const pinRes = await fetch(`${h.url}/v1/pools/transfer/pin`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: `{"size":5}${' '.repeat(300 * 1024)}` });
    t.is(pinRes.status, 413);
    t.is(seen.ingested(), 0);
    const gzipped = await fetch(`${h.url}/v1/pools/transfer/samples`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync(JSON.stringify(GOOD)) });
    t.is(gzipped.status, 202, 'a small gzipped body is fine');
  } finally {
    await h.close();
  }
});

test('an internal error is a 500 {error, code} without the stack, the message or any path', async (t) => {
  const h = await startHarness({ params: FROZEN });
  const broken: Engine = {
    ...h.engine,
    states: () => {
      throw new Error('ENOENT: /work/main/src/secret.ts:12:3 exploded');
    },
  };
  const logged: unknown[] = [];
  const logger = { error: (obj: object) => void logged.push(obj), warn: () => undefined, info: () => undefined, debug: () => undefined };
  const app = createApp({ engine: broken, metrics: h.metrics, logger, token: null, listenHost: '127.0.0.1' });
  const server = createServer(app.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/pools`);
    t.is(res.status, 500);
    const body = (await res.json()) as Record<string, unknown>;
    t.deepEqual(body, { error: 'internal error', code: 'internal' });
    t.true(assertCleanError({ status: 500, json: body }));
    t.is(logged.length, 1, 'the stack goes to the log instead');
  } finally {
    server.closeAllConnections();
    server.close();
    await h.close();
  }
});
