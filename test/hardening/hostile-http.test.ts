// Property-based: thousands of generated bodies, headers and pool names thrown at the
// service in-process. Every bad request gets a 4xx with {error, code, field?} from the
// catalogue, nothing is half-applied (no sample reaches the engine, samples_total and the
// pool state stay as they were), there is never a 5xx, and the process keeps serving.
import test from 'ava';
import fc from 'fast-check';
import { validateSampleBody } from '../../src/protocol/index.js';
import { FROZEN, startHarness } from '../http/harness.js';
import type { Harness } from '../http/harness.js';
import { GOOD, assertCleanError, counterOf, observe, post, stateOf } from './helpers.js';

/** No tick during the runs, no rate limit: every refusal here is about the input itself. */
async function hostileHarness(): Promise<Harness> {
  return startHarness({ params: FROZEN, sampleRate: { samplesPerSecond: 1e9, burstSamples: 1e9 } });
}

/** Per property: enough to find the odd input, few enough to keep the file well under 30 s on 2 cores. */
const RUNS = 400;

const FIELDS = ['ts', 'size', 'busy', 'queueDepth', 'queueCapacity', 'queueStall', 'idle', 'completed'] as const;

/** A value no field of a sample accepts. */
const badValue = fc.oneof(
  fc.string(),
  fc.constant(null),
  fc.boolean(),
  fc.constantFrom(-1, -0.5, 1.5, 2 ** 60, -(2 ** 60), 1e308, -1e308, 4.25),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
);

/** A good sample with one field made bad (or an unknown field added, or busy over size). */
const badSample = fc.oneof(
  fc.record({ field: fc.constantFrom(...FIELDS), value: badValue }).map(({ field, value }) => ({ ...GOOD, [field]: value })),
  fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !(FIELDS as readonly string[]).includes(k)).map((k) => ({ ...GOOD, [k]: 1 })),
  fc.integer({ min: 0, max: 4096 }).chain((size) => fc.integer({ min: size + 1, max: size + 100 }).map((busy) => ({ size, busy }))),
  fc.constantFrom('size', 'busy').map((k) => {
    const { [k]: _dropped, ...rest } = GOOD;
    return rest;
  }),
  // A ts far from the sidecar's clock: more than 60 s ahead or more than 1 h behind.
  fc.oneof(fc.integer({ min: 61_000, max: 1e12 }), fc.integer({ min: -1e12, max: -3_601_000 })).map((off) => ({ ...GOOD, ts: Date.now() + off })),
);

/** A batch of good samples with one bad one somewhere, or a batch of the wrong length. */
const badBatch = fc.oneof(
  fc.tuple(fc.array(fc.constant(GOOD), { maxLength: 20 }), badSample, fc.array(fc.constant(GOOD), { maxLength: 20 })).map(([a, bad, b]) => [...a, bad, ...b]),
  fc.constant([]),
  fc.integer({ min: 1001, max: 1100 }).map((n) => Array.from({ length: n }, () => GOOD)),
);

test('every generated bad sample or batch is a 400 naming the field; nothing reaches the engine', async (t) => {
  const h = await hostileHarness();
  const seen = observe(h);
  try {
    const before = await stateOf(h.url, 'transfer');
    await fc.assert(
      fc.asyncProperty(fc.oneof(badSample, badBatch), async (body) => {
        const res = await post(h.url, 'transfer', JSON.stringify(body));
        if (res.status !== 400 || res.json['code'] !== 'invalid-sample' || typeof res.json['field'] !== 'string') return false;
        return assertCleanError(res) && seen.ingested() === 0;
      }),
      { numRuns: RUNS },
    );
    t.is(seen.ingested(), 0);
    t.deepEqual(await stateOf(h.url, 'transfer'), before);
    t.is(await counterOf(h.url, 'adaptive_threads_samples_total{pool="transfer"}'), 0);
    t.is((await post(h.url, 'transfer', JSON.stringify(GOOD))).status, 202, 'still serving');
  } finally {
    await h.close();
  }
});

test('any JSON value at all is either a valid body (202) or a 4xx; the local validator is the oracle', async (t) => {
  const h = await hostileHarness();
  const seen = observe(h);
  try {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue(), fc.array(fc.jsonValue(), { maxLength: 5 })), async (body) => {
        const text = JSON.stringify(body) ?? 'null';
        const valid = validateSampleBody(JSON.parse(text), Date.now()).ok;
        const before = seen.ingested();
        const res = await post(h.url, 'transfer', text);
        if (valid) {
          accepted += 1;
          return res.status === 202 && seen.ingested() === before + 1;
        }
        return res.status >= 400 && res.status < 500 && assertCleanError(res) && seen.ingested() === before;
      }),
      { numRuns: RUNS },
    );
    t.is(seen.ingested(), accepted);
  } finally {
    await h.close();
  }
});

test('any byte string as a body is refused with a 4xx (mostly 415 not-json), never a 5xx', async (t) => {
  const h = await hostileHarness();
  const seen = observe(h);
  try {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ unit: 'binary' }), fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a).toString('latin1'))), async (text) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        fc.pre(parsed === undefined || !validateSampleBody(parsed, Date.now()).ok);
        const res = await post(h.url, 'transfer', text);
        return res.status >= 400 && res.status < 500 && assertCleanError(res);
      }),
      { numRuns: RUNS },
    );
    t.is(seen.ingested(), 0);
  } finally {
    await h.close();
  }
});

/** Header values fetch will send: visible ASCII and tabs. */
const headerText = fc.string({ maxLength: 60 }).filter((s) => /^[\x20-\x7e\t]*$/.test(s));

test('any content-type and content-encoding on a good body: 202 only for JSON as is, else a 4xx', async (t) => {
  const h = await hostileHarness();
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(headerText, fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/json; charset=latin2', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '*/*', 'application/*')),
        fc.option(fc.oneof(headerText, fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'compress', 'gzip, gzip')), { nil: undefined }),
        async (contentType, contentEncoding) => {
          const headers: Record<string, string> = { 'content-type': contentType };
          if (contentEncoding !== undefined) headers['content-encoding'] = contentEncoding;
          const res = await post(h.url, 'transfer', JSON.stringify(GOOD), headers);
          if (res.status === 202) return true;
          return res.status >= 400 && res.status < 500 && assertCleanError(res);
        },
      ),
      { numRuns: RUNS },
    );
    t.is((await fetch(`${h.url}/healthz`)).status, 200);
  } finally {
    await h.close();
  }
});

/** Names that must never resolve to a pool, whatever the router or a Map makes of them. */
const NASTY_NAMES = [
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '..', '.', '..%2f', '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e', 'transfer%00', 'Transfer', 'TRANSFER', 'transfer%20', '%20transfer', 'transfer%2F', 'trans%2Ffer', 'a'.repeat(65),
  'x'.repeat(10 * 1024), '%E0%A4%A', '%', '%zz', 'transfer;buffer', 'transfer%0d%0aX-Injected:%201', '\u00e9t\u00e9', '$where', '*',
];

const poolName = fc.oneof(
  fc.constantFrom(...NASTY_NAMES),
  fc.string({ maxLength: 80 }).map((s) => encodeURIComponent(s)),
  fc.stringMatching(/^[a-z0-9_-]{1,64}$/).map((s) => encodeURIComponent(s)),
);

test('any pool name in any route: 404 (or 400 for a path that does not decode), never a pool that is not configured', async (t) => {
  const h = await hostileHarness();
  const seen = observe(h);
  try {
    const before = await stateOf(h.url, 'transfer');
    await fc.assert(
      fc.asyncProperty(poolName, fc.constantFrom('state', 'target', 'samples', 'pin', 'unpin'), async (name, route) => {
        fc.pre(name !== 'transfer' && name !== 'buffer');
        const base = `${h.url}/v1/pools/${name}`;
        // fetch resolves dot segments (`..`, `%2e%2e`) as any client would; what is left must still name a pool.
        const path = new URL(base).pathname;
        fc.pre(path.startsWith('/v1/pools/') && path.length > '/v1/pools/'.length);
        const json = { 'content-type': 'application/json' };
        const res =
          route === 'state' ? await fetch(base)
          : route === 'target' ? await fetch(`${base}/target?waitMs=0`)
          : route === 'samples' ? await fetch(`${base}/samples`, { method: 'POST', headers: json, body: JSON.stringify(GOOD) })
          : route === 'pin' ? await fetch(`${base}/pin`, { method: 'PUT', headers: json, body: '{"size":3}' })
          : await fetch(`${base}/pin`, { method: 'DELETE' });
        const body = (await res.json()) as Record<string, unknown>;
        return (res.status === 404 || res.status === 400) && assertCleanError({ status: res.status, json: body }) && seen.ingested() === 0;
      }),
      { numRuns: RUNS },
    );
    t.deepEqual(await stateOf(h.url, 'transfer'), before);
    t.deepEqual(h.engine.pools, ['transfer', 'buffer']);
    t.is(({} as Record<string, unknown>)['size'], undefined, 'no prototype was polluted');
    t.is((await fetch(`${h.url}/v1/pools`)).status, 200);
  } finally {
    await h.close();
  }
});
