// Faults around the loop: a webhook that is down, hangs or fails; a daemon that goes quiet,
// restarts, or whose clock is off; a controller that throws. The loop keeps ticking and
// answering, queues stay bounded, and none of it turns into a spurious resize.
import test from 'ava';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectActuators, webhookActuator } from '../../src/actuators/index.js';
import { tick } from '../../src/core/index.js';
import type { Decision } from '../../src/core/index.js';
import { createEngine, silentLogger } from '../../src/streams/index.js';
import type { StepFn } from '../../src/streams/index.js';
import { FROZEN, postJson, startHarness } from '../http/harness.js';
import { pool, virtualClock } from '../streams/helpers.js';
import { counterOf, observe, post, stateOf } from './helpers.js';

type Behaviour = 'down' | 'hangs' | 'fails';

async function webhookServer(behaviour: Behaviour): Promise<{ url: string; received: () => number; close: () => Promise<void> }> {
  let received = 0;
  const server: Server = createServer((req, res) => {
    received += 1;
    req.resume();
    if (behaviour === 'hangs') return; // never answers: only the actuator's timeout ends it
    res.statusCode = 500;
    res.end('{"error":"daemon broke"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/pools/{pool}/size`;
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  // "down": the port was bound, then released; connections are refused.
  if (behaviour === 'down') await close();
  return { url, received: () => received, close: behaviour === 'down' ? async () => undefined : close };
}

for (const behaviour of ['down', 'hangs', 'fails'] as const) {
  test(`when the webhook ${behaviour === 'hangs' ? 'never answers (30 s timeout)' : behaviour === 'down' ? 'is down' : 'answers 500'}, then ticks and replies go on and at most one size per pool waits`, async (t) => {
    const hook = await webhookServer(behaviour);
    const h = await startHarness({ cpus: 16 });
    const actuator = webhookActuator({ url: hook.url, timeoutMs: 30_000, maxRetries: 5, baseBackoffMs: 20, maxBackoffMs: 100 });
    const disconnect = connectActuators(h.engine, [actuator], silentLogger);
    let maxBacklog = 0;
    h.engine.decisions$.subscribe(() => (maxBacklog = Math.max(maxBacklog, actuator.backlog())));
    try {
      const latencies: number[] = [];
      let size = 32;
      const until = performance.now() + 1500;
      while (performance.now() < until) {
        const started = performance.now();
        const reply = await postJson(`${h.url}/v1/pools/transfer/samples`, { size, busy: size, idle: 0.9 });
        latencies.push(performance.now() - started);
        t.is(reply.status, 202);
        size = reply.json['target'] as number;
        await new Promise((r) => setTimeout(r, 20));
      }
      const ticks = h.decisions.filter((d: Decision) => d.pool === 'transfer').length;
      const grows = h.decisions.filter((d: Decision) => d.pool === 'transfer' && d.action === 'grow').length;
      t.true(ticks >= 10, `the loop ticked ${ticks} times in 1.5 s at a 50 ms period`);
      t.true(grows >= 2, `the pool went on growing (${grows} grows) while every actuation failed`);
      t.true(Math.max(...latencies) < 1000, `slowest reply ${Math.max(...latencies).toFixed(0)} ms`);
      t.true(maxBacklog <= 1, `backlog peaked at ${maxBacklog}`);
      if (behaviour === 'hangs') t.is(hook.received(), 1, 'one POST in flight; newer sizes replace each other behind it');
    } finally {
      disconnect();
      await hook.close();
      await h.close();
    }
  });
}

test('when the daemon stops sending for ten minutes under the band, then the pool goes stale and never shrinks', (t) => {
  const clock = virtualClock();
  const engine = createEngine({ config: { pools: [pool('transfer', 'transfer', { shrinkCooldownMs: 2000 })], cpus: 8, enabled: true }, scheduler: clock.scheduler });
  const decisions: Decision[] = [];
  engine.decisions$.subscribe((d) => decisions.push(d));
  // 30 s of a quiet pool that obeys its replies (it shrinks, as it should), then silence.
  let size = 16;
  for (let ms = 500; ms <= 30_500; ms += 1000) clock.at(ms, () => (size = engine.ingest('transfer', [{ ts: ms, size, busy: 1 }]).target));
  clock.advanceTo(31_000);
  t.true(decisions.some((d) => d.action === 'shrink'), 'while it reported, the quiet pool shrank');
  const lastTarget = engine.state('transfer').target;
  clock.advanceTo(631_000);
  t.false(decisions.some((d) => d.action === 'shrink' && d.ts > 31_000), 'no shrink on missing data');
  t.true(engine.state('transfer').stale);
  t.is(engine.state('transfer').target, lastTarget);
  t.true(decisions.slice(-100).every((d) => d.action === 'hold' && d.reason === 'stale'));
  engine.stop();
});

for (const [name, newSize] of [['smaller', 10], ['larger', 24]] as const) {
  test(`when the daemon restarts (completed resets, the size jumps ${name}), then no resize follows and throughput never goes negative`, (t) => {
    const clock = virtualClock();
    const engine = createEngine({ config: { pools: [pool('transfer')], cpus: 8, enabled: true }, scheduler: clock.scheduler });
    const decisions: Decision[] = [];
    const throughputs: number[] = [];
    engine.decisions$.subscribe((d) => {
      decisions.push(d);
      throughputs.push(engine.state('transfer').throughput ?? 0);
    });
    let size = 16;
    let completed = 0;
    for (let ms = 500; ms <= 120_000; ms += 1000) {
      clock.at(ms, () => {
        const restart = ms === 60_500;
        if (restart) {
          size = newSize;
          completed = 0;
        }
        completed += size * 10;
        // In the band (u = 0.72): nothing to do before the restart, nothing after it.
        const reply = engine.ingest('transfer', [{ ts: ms, size, busy: Math.round(size * 0.72), completed }]);
        size = reply.target;
      });
    }
    clock.advanceTo(120_000);
    t.deepEqual(decisions.filter((d) => d.action !== 'hold').map((d) => [d.ts, d.action]), []);
    t.true(throughputs.every((x) => x >= 0), 'a counter reset is a restart, not negative throughput');
    t.is(engine.state('transfer').target, 16, 'the daemon is told its size from before the restart');
    engine.stop();
  });
}

test('when a ts is more than 60 s ahead or 1 h behind the sidecar clock, then the batch is a 400 naming ts and nothing is applied', async (t) => {
  const h = await startHarness({ params: FROZEN });
  const seen = observe(h);
  try {
    const before = await stateOf(h.url, 'transfer');
    const now = Date.now();
    const cases: [unknown, string][] = [
      [{ ts: now + 120_000, size: 8, busy: 4 }, 'ts'],
      [{ ts: now - 3_700_000, size: 8, busy: 4 }, 'ts'],
      [[{ size: 8, busy: 4 }, { ts: now + 10 * 365 * 86_400_000, size: 8, busy: 4 }], '[1].ts'],
      [[{ ts: 1, size: 8, busy: 4 }], '[0].ts'],
    ];
    for (const [body, field] of cases) {
      const res = await post(h.url, 'transfer', JSON.stringify(body));
      t.is(res.status, 400);
      t.is(res.json['field'], field);
      t.regex(String(res.json['error']), /ms (ahead of|behind) the sidecar's clock; a ts at most 60000 ms ahead or 3600000 ms behind is accepted/);
    }
    t.is(seen.ingested(), 0);
    t.deepEqual(await stateOf(h.url, 'transfer'), before);
    t.is(await counterOf(h.url, 'adaptive_threads_samples_rejected_total{reason="invalid-sample"}'), 4);
    // Inside the window (ordinary skew, a batch held back by a short outage) is accepted.
    const ok = await post(h.url, 'transfer', JSON.stringify([{ ts: Date.now() + 50_000, size: 8, busy: 4 }, { ts: Date.now() - 3_500_000, size: 8, busy: 4 }]));
    t.is(ok.status, 202);
  } finally {
    await h.close();
  }
});

test('when one pool\'s controller throws on every tick, then its replies still come (last-known-good target) and the other pool sizes', async (t) => {
  // The buffer pool's controller works until it has taken control at the size its daemon
  // reported (20), then throws on every tick.
  const step: StepFn = (state, samples, nowMs) => {
    if (state.spec.name === 'buffer' && state.size !== null) throw new Error('law exploded at /work/secret/path.ts:12:3');
    return tick(state, samples, nowMs);
  };
  const h = await startHarness({ cpus: 16, step });
  try {
    const first = performance.now() + 10_000;
    await post(h.url, 'buffer', JSON.stringify({ size: 20, busy: 10 }));
    while (performance.now() < first && h.engine.state('buffer').target !== 20) {
      await new Promise((r) => setTimeout(r, 10));
    }
    t.is(h.engine.state('buffer').target, 20, 'the buffer pool took control at its reported size');
    let size = 32;
    const until = performance.now() + 10_000;
    while (performance.now() < until && h.engine.state('transfer').target <= 32) {
      const buffer = await post(h.url, 'buffer', JSON.stringify({ size: 16, busy: 16 }));
      t.is(buffer.status, 202);
      t.is(buffer.json['target'], 20, 'the failing pool answers with its last-known-good target');
      size = (await postJson(`${h.url}/v1/pools/transfer/samples`, { size, busy: size, idle: 0.9 })).json['target'] as number;
      await new Promise((r) => setTimeout(r, 20));
    }
    t.true(h.engine.state('transfer').target > 32);
    t.true((await counterOf(h.url, 'adaptive_threads_controller_errors_total{pool="buffer"}')) > 0);
    const state = await (await fetch(`${h.url}/v1/pools/buffer`)).text();
    t.false(state.includes('/work/secret'), 'the error stays in the log');
    t.is((await fetch(`${h.url}/healthz`)).status, 200);
  } finally {
    await h.close();
  }
});
