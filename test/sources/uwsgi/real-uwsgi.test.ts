import test from 'ava';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createLogger, startService } from '../../../src/service/index.js';
import type { Service } from '../../../src/service/index.js';
import type { Config } from '../../../src/config/index.js';
import type { Sample } from '../../../src/core/index.js';
import { createCpuReader, nodeFiles, readListenQueue } from '../../../src/sources/index.js';
import { createUwsgiSource, nodeFifo, nodeStatsReader, parseUwsgiStats } from '../../../src/sources/uwsgi/index.js';
import { pool } from '../../streams/helpers.js';
import { startUwsgi, uwsgiMissing } from './real-uwsgi.js';
import type { RealUwsgi } from './real-uwsgi.js';

const missing = uwsgiMissing();
if (missing !== null) {
  console.log(missing);
  test('without uwsgi and its python3 plugin, the real-uWSGI test says why it is skipped', (t) => {
    t.log(missing);
    t.pass();
  });
}

const PERIOD_MS = 200;

async function liveWorkers(u: RealUwsgi): Promise<number | null> {
  return (await u.workers())?.live ?? null;
}

/** Polls `check` until it holds or `limitMs` passes; returns the last value seen. */
async function waitFor<T>(check: () => Promise<T> | T, ok: (v: T) => boolean, limitMs: number): Promise<T> {
  const until = Date.now() + limitMs;
  let v = await check();
  while (!ok(v) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    v = await check();
  }
  return v;
}

(missing === null ? test : test.skip)(
  'when the sidecar drives a real uWSGI, then uWSGI\'s workers follow the pinned size, and a killed uWSGI leaves the sidecar up with the pool stale',
  async (t) => {
    t.timeout(58_000);
    let uwsgi: RealUwsgi | undefined;
    let service: Service | undefined;
    const lines: Record<string, unknown>[] = [];
    try {
      uwsgi = await startUwsgi({ processes: 6, cheaper: 1, initial: 2 });
      const config: Config = {
        file: 'test.yaml',
        listen: { host: '127.0.0.1', port: 0 },
        metricsListen: null,
        cpus: 2,
        cpusSource: 'config',
        token: null,
        enabled: true,
        logLevel: 'info',
        record: null,
        pools: [
          pool('web', 'transfer', { periodMs: PERIOD_MS, staleAfterPeriods: 3 }, { source: { type: 'uwsgi', stats: uwsgi.stats, fifo: uwsgi.fifo, cheaper: 1 } }),
        ],
        actuators: [],
      };
      const logger = createLogger('info', { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
      service = await startService({ config, logger, version: 'test', defaultMetrics: false });
      const engine = service.engine;

      const seen = await waitFor(() => engine.state('web'), (v) => v.size === 2 && !v.stale, 10_000);
      t.like(seen, { size: 2, stale: false }, 'the pool reads uWSGI\'s 2 initial workers');
      t.deepEqual(seen.bounds, { min: 2, max: 6 }, "uWSGI's 6 worker slots (processes) are the pool's max, below its hard max 8");
      const cpu = await waitFor(() => engine.state('web').cpu.source, (v) => v === 'sample', 5000);
      t.is(cpu, 'sample', "the workers' CPU comes with the sample, read from /proc by the sidecar");
      const stats = parseUwsgiStats(await nodeStatsReader(uwsgi.stats, 2000));
      t.deepEqual(stats.listeners.map((l) => l.address), ['127.0.0.1'], 'the stats name the http socket');
      t.is(readListenQueue(nodeFiles, stats.masterPid, stats.listeners), 0, "the kernel shows that socket's accept queue (empty when idle)");
      t.true(nodeFifo.openedBy?.(uwsgi.fifo, stats.masterPid), 'the master has its master-fifo open, seen through /proc/PID/fd');
      const stray = join(dirname(uwsgi.fifo), 'stray.fifo');
      spawnSync('mkfifo', [stray]);
      t.false(nodeFifo.openedBy?.(stray, stats.masterPid), 'a FIFO no uWSGI reads is not its');
      t.is(nodeFifo.openedBy?.(join(dirname(uwsgi.fifo), 'absent.fifo'), stats.masterPid), null, 'no FIFO at the path: cannot be told');
      t.is(nodeFifo.pathKind?.(uwsgi.fifo), 'fifo', "uWSGI's master-fifo is a FIFO at its path");

      engine.pin('web', 5);
      t.is(await waitFor(() => liveWorkers(uwsgi!), (n) => n === 5, 15_000), 5, 'pinned to 5: uWSGI runs 5 workers');
      engine.pin('web', 3);
      t.is(await waitFor(() => liveWorkers(uwsgi!), (n) => n === 3, 15_000), 3, 'pinned to 3: uWSGI runs 3 workers');
      // More - than idle workers, written by hand: uWSGI retires all three (it has no floor for
      // them) and keeps the other three; the sidecar asks for the pin back until workers come.
      nodeFifo.write(uwsgi.fifo, '------');
      t.is(await waitFor(() => liveWorkers(uwsgi!), (n) => n === 0, 5000), 0, 'uWSGI retired every worker');
      t.is(await waitFor(() => liveWorkers(uwsgi!), (n) => n === 3, 15_000), 3, 'the sidecar brought the pinned 3 back');
      t.true(lines.some((l) => l['level'] === 40 && String(l['msg']).includes('uWSGI runs no worker')), 'and said why');
      engine.pin('web', 9);
      t.is(await waitFor(() => liveWorkers(uwsgi!), (n) => n === 6, 15_000), 6, 'pinned past processes: uWSGI runs its 6');
      t.is(await waitFor(() => engine.state('web').size, (n) => n === 6, 5000), 6, 'and the pool reports 6');

      await uwsgi.stop();
      const stale = await waitFor(() => engine.state('web').stale, (v) => v, 15_000);
      t.true(stale, 'a dead uWSGI leaves the pool stale');
      const health = await fetch(`${service.url}/healthz`);
      t.is(health.status, 200, 'the sidecar is still up');
      const warnings = lines.filter((l) => l['level'] === 40 && String(l['msg']).includes('not answering'));
      t.is(warnings.length, 1, 'one warning for the outage, not one a period');
    } finally {
      await uwsgi?.stop();
      await service?.stop();
    }
  },
);

(missing === null ? test : test.skip)('when a real uWSGI runs threaded workers and its stats server on TCP behind HTTP, then its samples say each worker serves on 2 threads, with their CPU', async (t) => {
  t.timeout(30_000);
  const uwsgi = await startUwsgi({ processes: 4, cheaper: 1, initial: 2 }, { threads: 2, statsOnTcp: true, statsHttp: true });
  try {
    const samples: Sample[] = [];
    const src = createUwsgiSource({
      pool: 'web',
      source: { type: 'uwsgi', stats: uwsgi.stats, fifo: uwsgi.fifo, cheaper: 1 },
      periodMs: PERIOD_MS,
      bounds: { min: 1, max: 4 },
      engine: { ingest: (pool, batch) => (samples.push(...batch), { pool, target: 2, action: 'hold', mode: 'adaptive' }) },
      now: () => Date.now(),
      later: (fn, delayMs) => {
        const timer = setTimeout(fn, delayMs);
        return () => clearTimeout(timer);
      },
      readStats: nodeStatsReader,
      fifo: nodeFifo,
      cpu: createCpuReader({ files: nodeFiles, now: () => Date.now() }),
      listenQueue: (pid, listeners) => readListenQueue(nodeFiles, pid, listeners),
      logger: createLogger('error', { write: () => undefined }),
    });
    t.is(await src.poll(), 'sampled');
    t.is(await src.poll(), 'sampled', 'and again, asking at once now that the server is known to speak HTTP');
    src.stop();
    t.like(samples[0], { size: 2, workerThreads: 2 }, "2 live workers, each on uWSGI's 2 threads (read from /proc)");
    t.true((samples[0]?.cpuSeconds ?? -1) >= 0, "with the workers' CPU");
  } finally {
    await uwsgi.stop();
  }
});
