import test from 'ava';
import { FROZEN, getJson, startHarness } from './harness.js';

async function pin(url: string, method: 'PUT' | 'DELETE', body: unknown, auth?: string): Promise<{ status: number; json: Record<string, unknown>; wwwAuth: string | null }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (auth !== undefined) headers['authorization'] = auth;
  const res = await fetch(`${url}/v1/pools/transfer/pin`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown>, wwwAuth: res.headers.get('www-authenticate') };
}

test('with a token configured, pin and unpin need "Authorization: Bearer <token>"', async (t) => {
  const h = await startHarness({ params: FROZEN, token: 's3cret-token' });
  try {
    for (const auth of [undefined, 'Bearer wrong', 'Bearer s3cret-token-and-more', 'Bearer s3cret', 'Basic s3cret-token', 's3cret-token']) {
      const res = await pin(h.url, 'PUT', { size: 10 }, auth);
      t.is(res.status, 401, String(auth));
      t.is(res.json['code'], 'unauthorized');
      t.is(res.wwwAuth, 'Bearer');
    }
    t.is((await pin(h.url, 'DELETE', undefined, 'Bearer nope')).status, 401);
    t.is((await getJson(`${h.url}/v1/pools/transfer`)).json['mode'], 'adaptive', 'refused pins changed nothing');

    const pinned = await pin(h.url, 'PUT', { size: 10 }, 'Bearer s3cret-token');
    t.is(pinned.status, 200);
    t.like(pinned.json, { name: 'transfer', mode: 'pinned', target: 10 });
    t.deepEqual((await getJson(`${h.url}/v1/pools/transfer/target`)).json, { pool: 'transfer', target: 10 });

    const unpinned = await pin(h.url, 'DELETE', undefined, 'bearer s3cret-token');
    t.is(unpinned.status, 200);
    t.like(unpinned.json, { mode: 'adaptive', target: 10 });
  } finally {
    await h.close();
  }
});

test('without a token, a loopback listener may pin and a public one is refused with 403', async (t) => {
  const local = await startHarness({ params: FROZEN, token: null, listenHost: '127.0.0.1' });
  const open = await startHarness({ params: FROZEN, token: null, listenHost: '0.0.0.0' });
  try {
    t.is((await pin(local.url, 'PUT', { size: 7 })).status, 200);
    t.is((await pin(local.url, 'DELETE', undefined)).status, 200);
    const refused = await pin(open.url, 'PUT', { size: 7 });
    t.is(refused.status, 403);
    t.is(refused.json['code'], 'forbidden');
    t.is((await pin(open.url, 'DELETE', undefined)).status, 403);
    t.is((await getJson(`${open.url}/v1/pools/transfer`)).json['mode'], 'adaptive');
  } finally {
    await local.close();
    await open.close();
  }
});

test('a pin size that is not a whole number in [1, 4096] is a 400 naming size; an unknown pool a 404', async (t) => {
  const h = await startHarness({ params: FROZEN });
  try {
    for (const body of [{ size: 0 }, { size: 4097 }, { size: 2.5 }, { size: '8' }, {}, [8], null]) {
      const res = await pin(h.url, 'PUT', body);
      t.is(res.status, 400, JSON.stringify(body));
      t.is(res.json['field'], 'size');
    }
    t.is((await getJson(`${h.url}/v1/pools/transfer`)).json['mode'], 'adaptive');
    const res = await fetch(`${h.url}/v1/pools/nope/pin`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"size":3}' });
    t.is(res.status, 404);
    t.like(await res.json(), { field: 'pool' });
  } finally {
    await h.close();
  }
});
