import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Config } from '../../src/config/index.js';
import { tick } from '../../src/core/index.js';
import type { StepFn } from '../../src/streams/index.js';
import { createLogger, startService } from '../../src/service/index.js';
import { eventually, FAST, postJson } from '../http/harness.js';
import { pool } from '../streams/helpers.js';
import { tempDir } from '../fixtures/temp.js';

function config(over: Partial<Config> = {}): Config {
  return {
    file: 'test.yaml',
    listen: { host: '127.0.0.1', port: 0 },
    metricsListen: null,
    cpus: 8,
    cpusSource: 'config',
    token: null,
    enabled: true,
    logLevel: 'info',
    record: null,
    pools: [pool('transfer', 'transfer', FAST), pool('buffer', 'buffer', FAST)],
    actuators: [],
    ...over,
  };
}

function memoryLog(level: Config['logLevel']) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger(level, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { lines, logger };
}

/**
 * The daemon: posts a full pool until `done()` says stop, bounded by time, not by rounds (a
 * loaded machine runs fewer rounds per second, and the condition is what matters).
 */
async function overload(url: string, pools: string[], done: () => boolean, limitMs = 15_000): Promise<void> {
  const sizes = new Map(pools.map((p) => [p, 16]));
  const until = performance.now() + limitMs;
  while (performance.now() < until && !done()) {
    for (const p of pools) {
      const size = sizes.get(p) as number;
      const reply = await postJson(`${url}/v1/pools/${p}/samples`, { size, busy: size, idle: 0.9 });
      sizes.set(p, reply.json['target'] as number);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a controller that throws for one pool leaves the other pool sizing; the error is counted and logged with its stack', async (t) => {
  const { lines, logger } = memoryLog('info');
  const step: StepFn = (state, samples, nowMs) => {
    if (state.spec.name === 'buffer') throw new TypeError('buffer law broke');
    return tick(state, samples, nowMs);
  };
  const service = await startService({ config: config(), logger, version: 'test', step, defaultMetrics: false });
  try {
    await overload(service.url, ['transfer', 'buffer'], () => service.engine.state('transfer').lastDecisions.filter((d) => d.action === 'grow').length >= 2);
    t.true(service.engine.state('transfer').target > 16, 'transfer grew');
    const buffer = (await (await fetch(`${service.url}/v1/pools/buffer`)).json()) as { target: number; lastDecisions: unknown[] };
    t.is(buffer.target, 16, 'buffer kept its last-known-good target');
    t.deepEqual(buffer.lastDecisions, []);
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    t.regex(metrics, /^adaptive_threads_controller_errors_total\{pool="buffer"\} [1-9]\d*$/m);
    t.regex(metrics, /^adaptive_threads_controller_errors_total\{pool="transfer"\} 0$/m);
    const logged = lines.find((l) => l['level'] === 50 && l['pool'] === 'buffer');
    t.regex(String((logged?.['err'] as { stack?: string } | undefined)?.stack), /TypeError: buffer law broke\n\s+at /);
    t.is((await fetch(`${service.url}/healthz`)).status, 200);
  } finally {
    await service.stop();
  }
});

test('a decision is logged with the docs/design.md line as msg: moves at info, holds only at debug', async (t) => {
  for (const level of ['info', 'debug'] as const) {
    const { lines, logger } = memoryLog(level);
    const service = await startService({ config: config({ logLevel: level }), logger, version: 'test', defaultMetrics: false });
    try {
      // Until a grow is logged and, at debug, a hold (the ticks in the grow cooldown): the first tick may already grow.
      const logged = (action: string) => lines.some((l) => l['action'] === action);
      await overload(service.url, ['transfer'], () => logged('grow') && (level === 'info' || logged('hold')));
    } finally {
      await service.stop();
    }
    const grow = lines.find((l) => l['action'] === 'grow');
    t.is(grow?.['level'], 30);
    t.regex(String(grow?.['msg']), /^adaptive_thread_pool: domain=transfer size=16 utilization=100% queue_stall=n\/a worker_idle=\d+% target=\[60,85\] action=grow new_size=\d+$/);
    const holds = lines.filter((l) => l['action'] === 'hold');
    if (level === 'info') t.is(holds.length, 0);
    else t.true(holds.length > 0 && holds.every((l) => l['level'] === 20 && String(l['msg']).includes('action=hold')));
  }
});

test('a webhook from config receives the new size of a grow', async (t) => {
  const received: unknown[] = [];
  const hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ url: req.url, body: JSON.parse(body) as unknown });
      res.end();
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/pools/{pool}/size`;
  const { logger } = memoryLog('info');
  const service = await startService({ config: config({ actuators: [{ type: 'webhook', url, timeoutMs: 1000, maxRetries: 3 }] }), logger, version: 'test', defaultMetrics: false });
  try {
    await overload(service.url, ['transfer'], () => received.length >= 1);
    const target = service.engine.state('transfer').lastDecisions[0]?.to;
    t.deepEqual(received[0], { url: '/pools/transfer/size', body: { pool: 'transfer', size: target, action: 'grow', reason: 'above-band' } });
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    t.regex(metrics, /^adaptive_threads_actuations_total\{pool="transfer",result="ok"\} [1-9]/m);
  } finally {
    await service.stop();
    hook.closeAllConnections();
    hook.close();
  }
});

test('a port in use is an error from start, not a hang', async (t) => {
  const { logger } = memoryLog('info');
  const first = await startService({ config: config(), logger, version: 'test', defaultMetrics: false });
  try {
    const listen = { host: '127.0.0.1', port: first.address.port };
    await t.throwsAsync(startService({ config: config({ listen }), logger, version: 'test', defaultMetrics: false }), { message: /EADDRINUSE/ });
  } finally {
    await first.stop();
  }
});

test('metricsListen serves /metrics, /healthz (with the version) and /readyz only: no pool, no sample, no pin', async (t) => {
  const { logger, lines } = memoryLog('info');
  const service = await startService({ config: config({ metricsListen: { host: '127.0.0.1', port: 0 } }), logger, version: '9.9.9', defaultMetrics: false });
  try {
    const side = service.metricsUrl as string;
    t.truthy(side);
    t.not(side, service.url);
    t.is((await fetch(`${side}/metrics`)).status, 200);
    t.deepEqual(await (await fetch(`${side}/healthz`)).json(), { status: 'ok', version: '9.9.9' });
    t.is((await fetch(`${side}/readyz`)).status, 200);
    t.is((await fetch(`${side}/v1/pools`)).status, 404);
    t.is((await postJson(`${side}/v1/pools/transfer/samples`, { size: 16, busy: 8 })).status, 404);
    t.is((await fetch(`${side}/v1/pools/transfer/pin`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"size":3}' })).status, 404);
    t.is((await fetch(`${side}/v1/events`)).status, 404);
    t.is(service.engine.state('transfer').mode, 'adaptive');
    t.is((await fetch(`${service.url}/v1/pools`)).status, 200, 'the API listener serves the API');
    const started = lines.find((l) => typeof l['url'] === 'string');
    t.like(started, { version: '9.9.9', metricsUrl: side });
  } finally {
    await service.stop();
  }
});

test('when the API listens off loopback without a token, then start-up warns that writes will be refused', async (t) => {
  const { logger, lines } = memoryLog('info');
  const service = await startService({ config: config({ listen: { host: '0.0.0.0', port: 0 } }), logger, version: 'test', defaultMetrics: false });
  try {
    t.true(lines.some((l) => l['level'] === 40 && /not loopback, and no token/.test(String(l['msg']))));
  } finally {
    await service.stop();
  }
});

test('when adaptive sizing is off (OC_ADAPTIVE_THREADS=0), then start-up warns with the size each pool is held at; switched on, no such line', async (t) => {
  const off = memoryLog('info');
  const pools = [pool('transfer', 'transfer', FAST), pool('buffer', 'buffer', FAST), pool('small', 'transfer', FAST, { pinned: 3 })];
  const service = await startService({ config: config({ enabled: false, pools }), logger: off.logger, version: 'test', defaultMetrics: false });
  await service.stop();
  const warned = off.lines.filter((l) => l['level'] === 40).map((l) => String(l['msg']));
  t.deepEqual(warned, [
    'adaptive sizing is off (OC_ADAPTIVE_THREADS): every pool is held at its static size, a pinned one at its pin (transfer 16, buffer 16, small 3 (pinned)), and the daemons are told so (a pool with a uWSGI source asks uWSGI for it); unset the variable and restart the sidecar to switch sizing on',
  ]);
  const on = memoryLog('info');
  const enabled = await startService({ config: config(), logger: on.logger, version: 'test', defaultMetrics: false });
  await enabled.stop();
  t.false(on.lines.some((l) => /adaptive sizing is off/.test(String(l['msg']))));
});

test('when a reload gives a pool a uWSGI source, then the service starts reading it; a reload that takes the source away stops the reads', async (t) => {
  const { logger } = memoryLog('info');
  const reads: string[] = [];
  const readStats = async (stats: string): Promise<string> => {
    reads.push(stats);
    throw new Error('connect ENOENT');
  };
  const service = await startService({ config: config(), logger, version: 'test', defaultMetrics: false, uwsgi: { readStats, fifo: { write: () => undefined }, cpu: null } });
  try {
    t.deepEqual(reads, [], 'no pool has a source');
    const source = { type: 'uwsgi' as const, stats: '/run/uwsgi/stats.sock', fifo: '/run/uwsgi/master.fifo', cheaper: 4 };
    const report = service.reload(config({ pools: [pool('transfer', 'transfer', FAST, { source }), pool('buffer', 'buffer', FAST)] }));
    t.deepEqual(report.changed, ['transfer'], 'a changed source is a changed pool');
    t.true(await eventually(() => reads.includes('/run/uwsgi/stats.sock')));
    service.reload(config());
    const count = reads.length;
    await new Promise((r) => setTimeout(r, 150)); // three of FAST's periods
    t.is(reads.length, count, 'no read after the source left');
  } finally {
    await service.stop();
  }
});

test('when a reload pins a pool (threads: 4), then the change is logged at info, sent to the actuators and counted; a new pool has its series', async (t) => {
  const dir = tempDir(t, 'at-reload-');
  const { logger, lines } = memoryLog('info');
  const service = await startService({ config: config({ actuators: [{ type: 'file', dir }] }), logger, version: 'test', defaultMetrics: false });
  try {
    const next = config({ actuators: [{ type: 'file', dir }], pools: [pool('transfer', 'transfer', FAST, { pinned: 4 }), pool('buffer', 'buffer', FAST), pool('extra', 'buffer', FAST)] });
    const report = service.reload(next);
    t.deepEqual({ added: report.added, removed: report.removed, changed: report.changed, needRestart: report.needRestart }, { added: ['extra'], removed: [], changed: ['transfer'], needRestart: [] });
    t.true(lines.some((l) => l['level'] === 30 && l['action'] === 'pin' && l['pool'] === 'transfer' && l['to'] === 4));
    t.true(lines.some((l) => l['level'] === 30 && String(l['msg']).endsWith('pools added: extra; removed: none; changed: transfer (threads adaptive -> 4)')), 'the reload line says what changed in a pool');
    t.true(await eventually(() => existsSync(join(dir, 'transfer.size')) && readFileSync(join(dir, 'transfer.size'), 'utf8') === '4\n'));
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    t.regex(metrics, /^adaptive_threads_samples_total\{pool="extra"\} 0$/m);
    t.is((await postJson(`${service.url}/v1/pools/extra/samples`, { size: 16, busy: 8 })).status, 202, 'the new pool takes samples (and has a rate-limit bucket)');
    const moved = service.reload(config({ listen: { host: '127.0.0.1', port: 1 }, actuators: [{ type: 'file', dir }], pools: next.pools }));
    t.deepEqual(moved.needRestart, ['listen']);
    t.true(lines.some((l) => l['level'] === 40 && /listen changed/.test(String(l['msg']))));
  } finally {
    await service.stop();
  }
});
