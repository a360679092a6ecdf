import test from 'ava';
import type { Decision } from '../../src/core/index.js';
import { FROZEN, getJson, postJson, readSse, sseDecisions, startHarness } from './harness.js';
import { REFUSAL_LOG_INTERVAL_MS } from '../../src/http/index.js';

const GOOD = { size: 16, busy: 12, queueStall: 0.05, idle: 0.1, completed: 48211 };

async function counter(url: string, series: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/** The pool's state without the fields that move with the clock. */
async function stateOf(url: string, pool: string): Promise<Record<string, unknown>> {
  const { json } = await getJson(`${url}/v1/pools/${pool}`);
  const { growReadyInMs: _g, shrinkReadyInMs: _s, ...rest } = json;
  return rest;
}

interface BadCase {
  name: string;
  path?: string;
  body: string | Buffer;
  contentType?: string | null;
  status: number;
  code: string;
  field?: string;
}

// A sample that would be good but for its size (JSON allows the padding).
const big = `${JSON.stringify(GOOD)}${' '.repeat(256 * 1024)}`;

const BAD: BadCase[] = [
  { name: 'busy missing', body: JSON.stringify({ size: 4 }), status: 400, code: 'invalid-sample', field: 'busy' },
  { name: 'busy over size', body: JSON.stringify({ size: 4, busy: 5 }), status: 400, code: 'invalid-sample', field: 'busy' },
  { name: 'size not an integer', body: JSON.stringify({ size: 4.5, busy: 1 }), status: 400, code: 'invalid-sample', field: 'size' },
  { name: 'a fraction over 1', body: JSON.stringify({ size: 4, busy: 1, queueStall: 1.5 }), status: 400, code: 'invalid-sample', field: 'queueStall' },
  { name: 'an unknown field', body: JSON.stringify({ size: 4, busy: 1, extra: 1 }), status: 400, code: 'invalid-sample', field: 'extra' },
  { name: 'one bad sample in a batch', body: JSON.stringify([GOOD, GOOD, { size: 2, busy: 3 }]), status: 400, code: 'invalid-sample', field: '[2].busy' },
  { name: 'an empty batch', body: '[]', status: 400, code: 'invalid-sample', field: '' },
  { name: 'a batch over 1000', body: JSON.stringify(Array.from({ length: 1001 }, () => ({ size: 1, busy: 1 }))), status: 400, code: 'invalid-sample', field: '' },
  { name: 'JSON that is not a sample', body: '42', status: 400, code: 'invalid-sample', field: '' },
  { name: 'a prototype-polluting body', body: '{"__proto__": {"size": 1}, "size": 4, "busy": 1}', status: 400, code: 'invalid-sample', field: '__proto__' },
  { name: 'an unknown pool', path: 'nosuchpool', body: JSON.stringify(GOOD), status: 404, code: 'unknown-pool', field: 'pool' },
  { name: 'a prototype name as pool', path: '__proto__', body: JSON.stringify(GOOD), status: 404, code: 'unknown-pool', field: 'pool' },
  { name: 'constructor as pool', path: 'constructor', body: JSON.stringify(GOOD), status: 404, code: 'unknown-pool', field: 'pool' },
  { name: 'an upper-case pool', path: 'Transfer', body: JSON.stringify(GOOD), status: 404, code: 'unknown-pool', field: 'pool' },
  { name: 'a pool name over 64', path: 'a'.repeat(65), body: JSON.stringify(GOOD), status: 404, code: 'unknown-pool', field: 'pool' },
  { name: 'a body over 256 KiB', body: big, status: 413, code: 'too-large' },
  { name: 'text/plain', body: JSON.stringify(GOOD), contentType: 'text/plain', status: 415, code: 'unsupported-media-type' },
  { name: 'no content type', body: JSON.stringify(GOOD), contentType: null, status: 415, code: 'unsupported-media-type' },
  { name: 'form data', body: 'size=4&busy=1', contentType: 'application/x-www-form-urlencoded', status: 415, code: 'unsupported-media-type' },
  { name: 'unparsable JSON', body: '{"size": 4, "busy":', status: 415, code: 'not-json' },
  { name: 'an empty body', body: '', status: 415, code: 'not-json' },
];

test('every bad body gets its status and code, and leaves the state and the good-sample counters unchanged', async (t) => {
  t.true(Buffer.byteLength(big) > 256 * 1024, 'the 413 case is over the limit');
  const h = await startHarness({ params: FROZEN });
  try {
    const before = await stateOf(h.url, 'transfer');
    for (const c of BAD) {
      const headers: Record<string, string> = c.contentType === null ? {} : { 'content-type': c.contentType ?? 'application/json' };
      const res = await fetch(`${h.url}/v1/pools/${c.path ?? 'transfer'}/samples`, { method: 'POST', headers, body: c.body });
      const json = (await res.json()) as Record<string, unknown>;
      t.is(res.status, c.status, c.name);
      t.is(json['code'], c.code, c.name);
      t.is(typeof json['error'], 'string', c.name);
      if (c.field !== undefined) t.is(json['field'], c.field, c.name);
      t.false(JSON.stringify(json).includes('/work/') || JSON.stringify(json).includes('    at '), `${c.name}: no paths or stacks`);
    }
    t.deepEqual(await stateOf(h.url, 'transfer'), before);
    t.is(await counter(h.url, 'adaptive_threads_samples_total{pool="transfer"}'), 0);
    t.is(await counter(h.url, 'adaptive_threads_samples_rejected_total{reason="invalid-sample"}'), 10);
    t.is(await counter(h.url, 'adaptive_threads_samples_rejected_total{reason="unknown-pool"}'), 5);
    t.is(await counter(h.url, 'adaptive_threads_samples_rejected_total{reason="too-large"}'), 1);
    t.is(await counter(h.url, 'adaptive_threads_samples_rejected_total{reason="unsupported-media-type"}'), 3);
    t.is(await counter(h.url, 'adaptive_threads_samples_rejected_total{reason="not-json"}'), 2);

    // Good samples after all that are accepted and counted as usual.
    const ok = await postJson(`${h.url}/v1/pools/transfer/samples`, [GOOD, GOOD]);
    t.is(ok.status, 202);
    t.is(await counter(h.url, 'adaptive_threads_samples_total{pool="transfer"}'), 2);
  } finally {
    await h.close();
  }
});

test('when samples are turned away, then the sidecar warns with what was refused, where from and why, at most once per reason per interval', async (t) => {
  const warned: { fields: Record<string, unknown>; msg: string }[] = [];
  const logger = { error: () => undefined, info: () => undefined, debug: () => undefined, warn: (fields: object, msg: string) => void warned.push({ fields: fields as Record<string, unknown>, msg }) };
  let now = 0;
  const h = await startHarness({ params: FROZEN, logger, clockMs: () => now, token: 's3cret', listenHost: '0.0.0.0' });
  try {
    const post = (pool: string, token: string | null) =>
      fetch(`${h.url}/v1/pools/${pool}/samples`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) }, body: JSON.stringify(GOOD) });
    t.is((await post('nosuchpool', 's3cret')).status, 404);
    t.is((await post('nosuchpool', 's3cret')).status, 404);
    t.is((await post('transfer', null)).status, 401);
    t.deepEqual(
      warned.map((w) => w.msg),
      ['rejected a sample: POST /v1/pools/nosuchpool/samples from 127.0.0.1: unknown pool "nosuchpool" (404)', 'rejected a sample: POST /v1/pools/transfer/samples from 127.0.0.1: a valid bearer token is required (401)'],
      'one warning per reason: the second 404 is held back',
    );
    t.is(warned[0]?.fields['rejected'], 'unknown-pool');
    now += REFUSAL_LOG_INTERVAL_MS;
    t.is((await post('other', 's3cret')).status, 404);
    t.is(warned.at(-1)?.msg, 'rejected a sample: POST /v1/pools/other/samples from 127.0.0.1: unknown pool "other" (404) (1 more since the last warning)');
    t.is((await post('transfer', 's3cret')).status, 202);
    t.is(warned.length, 3, 'an accepted sample is no warning');
  } finally {
    await h.close();
  }
});

test('a good sample is answered 202 with {pool, target, action, mode}', async (t) => {
  const h = await startHarness({ params: FROZEN });
  try {
    const one = await postJson(`${h.url}/v1/pools/buffer/samples`, GOOD);
    t.is(one.status, 202);
    t.deepEqual(one.json, { pool: 'buffer', target: 16, action: 'hold', mode: 'adaptive' });
    const res = await fetch(`${h.url}/v1/pools/buffer/samples`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(GOOD) });
    t.is(res.status, 202);
    t.is(res.headers.get('x-powered-by'), null);
  } finally {
    await h.close();
  }
});

test('a daemon posting a load over the band sees one grow per grow cooldown, in the replies and on SSE', async (t) => {
  const h = await startHarness({ cpus: 16 });
  try {
    const targets: number[] = [];
    let size = 32;
    let running = true;
    const daemon = (async () => {
      while (running) {
        const reply = await postJson(`${h.url}/v1/pools/transfer/samples`, { size, busy: size, idle: 0.9 });
        size = reply.json['target'] as number;
        targets.push(size);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const sse = await readSse(`${h.url}/v1/events`, (text) => sseDecisions(text).filter((d) => d.action === 'grow').length >= 4);
    running = false;
    await daemon;

    const grows = sseDecisions(sse.text).filter((d: Decision) => d.action === 'grow' && d.pool === 'transfer');
    t.true(grows.length >= 4);
    t.false(sseDecisions(sse.text).some((d) => d.action === 'hold'), 'holds are not sent on SSE');
    for (let i = 1; i < grows.length; i++) {
      const gap = (grows[i] as Decision).ts - (grows[i - 1] as Decision).ts;
      t.true(gap >= 250, `grow ${i} came ${gap} ms after the previous one; the cooldown is 250 ms`);
      t.is((grows[i] as Decision).from, (grows[i - 1] as Decision).to);
    }
    // The replies moved exactly through the sizes the grows announced, one step per grow.
    const steps = targets.filter((v, i) => i === 0 || v !== targets[i - 1]);
    const announced = [32, ...grows.map((d) => d.to)];
    t.deepEqual(steps.slice(0, announced.length), announced.slice(0, steps.length));
    t.true(steps.every((v, i) => i === 0 || v > (steps[i - 1] as number)), 'the target only grows');
  } finally {
    await h.close();
  }
});
