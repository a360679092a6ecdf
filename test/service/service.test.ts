import test from 'ava';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../../src/config/index.js';
import { tick } from '../../src/core/index.js';
import type { StepFn } from '../../src/streams/index.js';
import { createLogger } from '../../src/service/index.js';
import { startService } from '../../src/service/index.js';
import { FAST, postJson } from '../http/harness.js';
import { pool } from '../streams/helpers.js';

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

test('a decision is logged with the SPEC §3 line as msg: moves at info, holds only at debug', async (t) => {
  for (const level of ['info', 'debug'] as const) {
    const { lines, logger } = memoryLog(level);
    const service = await startService({ config: config({ logLevel: level }), logger, version: 'test', defaultMetrics: false });
    try {
      await overload(service.url, ['transfer'], () => service.engine.state('transfer').lastDecisions.length >= 1);
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
