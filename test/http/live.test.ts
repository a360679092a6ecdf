import { get } from 'node:http';
import test from 'ava';
import { FAST, FROZEN, eventually, getJson, postJson, readSse, sseDecisions, startHarness } from './harness.js';

test('a long poll without waitMs answers at once', async (t) => {
  const h = await startHarness({ params: FROZEN });
  try {
    const res = await getJson(`${h.url}/v1/pools/transfer/target`);
    t.deepEqual(res.json, { pool: 'transfer', target: 16 });
  } finally {
    await h.close();
  }
});

test('a long poll with nothing changing answers with the current target at its timeout', async (t) => {
  const h = await startHarness({ params: FROZEN });
  try {
    const res = await getJson(`${h.url}/v1/pools/transfer/target?waitMs=300`);
    t.is(res.status, 200);
    t.deepEqual(res.json, { pool: 'transfer', target: 16 });
    t.true(res.ms >= 290, `answered after ${res.ms} ms`);
    t.is(h.handle.connections().longPolls, 0);
  } finally {
    await h.close();
  }
});

test('a long poll answers when the target changes, long before its timeout', async (t) => {
  const h = await startHarness({ params: FAST });
  try {
    const poll = getJson(`${h.url}/v1/pools/transfer/target?waitMs=20000`);
    t.true(await eventually(() => h.handle.connections().longPolls === 1));
    await postJson(`${h.url}/v1/pools/transfer/samples`, { size: 16, busy: 16, idle: 0.9 });
    const res = await poll;
    t.is(res.json['pool'], 'transfer');
    t.true((res.json['target'] as number) > 16);
    t.true(res.ms < 5000);
  } finally {
    await h.close();
  }
});

test('waitMs is capped, and one that is not a whole number is a 400 naming it', async (t) => {
  const h = await startHarness({ params: FROZEN, maxWaitMs: 200 });
  try {
    const capped = await getJson(`${h.url}/v1/pools/transfer/target?waitMs=999999999`);
    t.is(capped.status, 200);
    t.true(capped.ms < 3000);
    for (const bad of ['abc', '-1', '1.5', '']) {
      const res = await getJson(`${h.url}/v1/pools/transfer/target?waitMs=${bad}`);
      t.is(res.status, 400, bad);
      t.is(res.json['field'], 'waitMs');
    }
  } finally {
    await h.close();
  }
});

test('SSE sends one decision event per pin/unpin/grow, with the decision JSON as data, and heartbeats', async (t) => {
  const h = await startHarness({ params: FROZEN, heartbeatMs: 50 });
  try {
    const put = async (): Promise<void> => {
      await fetch(`${h.url}/v1/pools/transfer/pin`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"size":9}' });
      await fetch(`${h.url}/v1/pools/transfer/pin`, { method: 'DELETE' });
    };
    const sse = await readSse(`${h.url}/v1/events`, (text) => sseDecisions(text).length >= 2 && text.includes(': heartbeat'), put);
    t.regex(sse.contentType ?? '', /^text\/event-stream/);
    const events = sseDecisions(sse.text);
    t.deepEqual(events.map((d) => [d.action, d.from, d.to]), [['pin', 16, 9], ['unpin', 9, 9]]);
    t.deepEqual(Object.keys(events[0] ?? {}).sort(), ['action', 'band', 'from', 'mode', 'pool', 'queueStall', 'reason', 'recommended', 'to', 'ts', 'utilization', 'workerIdle']);
    t.false(sse.text.includes('"action":"hold"'));
  } finally {
    await h.close();
  }
});

test('a closed SSE client is forgotten', async (t) => {
  const h = await startHarness({ params: FROZEN });
  try {
    await readSse(`${h.url}/v1/events`, () => true);
    t.true(await eventually(() => h.handle.connections().sse === 0));
    const ac = new AbortController();
    await fetch(`${h.url}/v1/events`, { signal: ac.signal });
    t.is(h.handle.connections().sse, 1);
    ac.abort();
    t.true(await eventually(() => h.handle.connections().sse === 0));
  } finally {
    await h.close();
  }
});

test('the pool routes answer with the state of docs/integration.md', async (t) => {
  const h = await startHarness({ params: FROZEN });
  try {
    const all = await getJson(`${h.url}/v1/pools`);
    const pools = all.json['pools'] as Record<string, unknown>[];
    t.deepEqual(pools.map((p) => p['name']), ['transfer', 'buffer']);
    const one = await getJson(`${h.url}/v1/pools/buffer`);
    t.deepEqual(Object.keys(one.json).sort(), [
      'band', 'bounds', 'ceiling', 'classification', 'cpu', 'demand', 'growReadyInMs', 'kind', 'lastDecisions', 'law', 'mode', 'name', 'queueStall',
      'recommended', 'shrinkReadyInMs', 'size', 'stale', 'target', 'throughput', 'utilization', 'workerIdle',
    ]);
    t.like(one.json, { name: 'buffer', kind: 'buffer', bounds: { min: 4, max: 32 }, band: { low: 0.6, high: 0.85 } });
    t.is((await getJson(`${h.url}/v1/pools/hasOwnProperty`)).status, 404);
    const missing = await getJson(`${h.url}/v2/nothing`);
    t.is(missing.status, 404);
    t.is(missing.json['code'], 'not-found');
  } finally {
    await h.close();
  }
});

test('healthz answers at once with the version; readyz once every pool\'s loop has started, not after the slowest first tick; 503 after stop', async (t) => {
  const h = await startHarness({ params: { periodMs: 20_000 } });
  try {
    t.deepEqual((await getJson(`${h.url}/healthz`)).json, { status: 'ok', version: '0.0.0-test' });
    t.is((await getJson(`${h.url}/readyz`)).status, 200);
    h.engine.stop();
    const stopped = await getJson(`${h.url}/readyz`);
    t.is(stopped.status, 503);
    t.is(stopped.json['code'], 'not-ready');
  } finally {
    await h.close();
  }
});

test('drain answers pending long polls and ends SSE streams', async (t) => {
  const h = await startHarness({ params: FROZEN });
  try {
    const poll = getJson(`${h.url}/v1/pools/transfer/target?waitMs=30000`);
    const sse = readSse(`${h.url}/v1/events`, () => false);
    t.true(await eventually(() => h.handle.connections().longPolls === 1 && h.handle.connections().sse === 1));
    h.handle.drain();
    const res = await poll;
    t.deepEqual(res.json, { pool: 'transfer', target: 16 });
    t.true(res.ms < 5000);
    await sse;
    t.deepEqual(h.handle.connections(), { sse: 0, longPolls: 0 });
  } finally {
    await h.close();
  }
});

/** An event stream held open over its own connection; close() ends that connection (a fetch's abort may leave it to the agent). */
interface OpenStream {
  status: number;
  close(): void;
}

function openStream(url: string): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false }, (res) => {
      res.resume();
      res.on('error', () => undefined); // the close below cuts the stream short
      resolve({ status: res.statusCode ?? 0, close: () => void req.destroy() });
    });
    req.on('error', reject);
  });
}

async function refusedCount(url: string, reason: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`adaptive_threads_http_refused_total{reason="${reason}"} `));
  return line === undefined ? Number.NaN : Number(line.split(' ')[1]);
}

test('when the event streams are at their cap, then one more is a 503 with Retry-After, counted; samples still go through', async (t) => {
  const h = await startHarness({ params: FROZEN, limits: { maxEventStreams: 2 } });
  const streams: OpenStream[] = [];
  try {
    t.is(await refusedCount(h.url, 'event-streams'), 0, 'the series exists from start-up');
    for (let i = 0; i < 2; i++) {
      const stream = await openStream(`${h.url}/v1/events`);
      streams.push(stream);
      t.is(stream.status, 200);
    }
    t.true(await eventually(() => h.handle.connections().sse === 2, 5000));
    const third = await fetch(`${h.url}/v1/events`);
    t.is(third.status, 503);
    t.is(third.headers.get('retry-after'), '5');
    t.like(await third.json(), { code: 'overloaded' });
    t.is(await refusedCount(h.url, 'event-streams'), 1);
    t.is((await postJson(`${h.url}/v1/pools/transfer/samples`, { size: 16, busy: 8 })).status, 202);
    streams[0]?.close();
    t.true(await eventually(() => h.handle.connections().sse === 1, 5000));
    const again = await openStream(`${h.url}/v1/events`);
    streams.push(again);
    t.is(again.status, 200, 'a freed place is taken again');
  } finally {
    for (const s of streams) s.close();
    await h.close();
  }
});

test('when the long polls are at their cap, then one more is a 503 with Retry-After, counted; a plain GET of the target still answers', async (t) => {
  const h = await startHarness({ params: FROZEN, limits: { maxLongPolls: 2 } });
  try {
    const polls = [getJson(`${h.url}/v1/pools/transfer/target?waitMs=30000`), getJson(`${h.url}/v1/pools/buffer/target?waitMs=30000`)];
    t.true(await eventually(() => h.handle.connections().longPolls === 2, 5000));
    const third = await fetch(`${h.url}/v1/pools/transfer/target?waitMs=30000`);
    t.is(third.status, 503);
    t.is(third.headers.get('retry-after'), '5');
    t.is(await refusedCount(h.url, 'long-polls'), 1);
    t.deepEqual((await getJson(`${h.url}/v1/pools/transfer/target`)).json, { pool: 'transfer', target: 16 });
    h.handle.drain();
    await Promise.all(polls);
  } finally {
    await h.close();
  }
});

test('when an event stream reaches its lifetime, then the server ends it (after telling the client to reconnect in 1 s)', async (t) => {
  const h = await startHarness({ params: FROZEN, limits: { streamMaxMs: 150 } });
  try {
    const { text } = await readSse(`${h.url}/v1/events`, () => false);
    t.regex(text, /^: connected\nretry: 1000\n\n/);
    t.true(await eventually(() => h.handle.connections().sse === 0, 5000));
  } finally {
    await h.close();
  }
});
