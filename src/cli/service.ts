// The whole sidecar wired in-process: engine, metrics, HTTP, log, actuators and recorder.
// `startService` resolves once the listener is bound; `stop()` stops intake, answers open
// long polls, ends SSE streams, lets in-flight requests finish and releases everything.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { asyncScheduler } from 'rxjs';
import type { SchedulerLike, Subscription } from 'rxjs';
import type { Logger as Pino } from 'pino';
import { Registry } from 'prom-client';
import { connectActuators, createActuators } from '../actuators/index.js';
import type { Sleep } from '../actuators/index.js';
import type { Config } from '../config/index.js';
import { createApp } from '../http/index.js';
import type { SampleRate } from '../http/index.js';
import { createMetrics } from '../metrics/index.js';
import type { Metrics } from '../metrics/index.js';
import { attachUwsgiSources } from '../sources/uwsgi/index.js';
import type { AttachUwsgiDeps } from '../sources/uwsgi/index.js';
import { nodeFiles, poolCpuSources } from '../sources/index.js';
import type { FileReader } from '../sources/index.js';
import { createEngine } from '../streams/index.js';
import type { Engine, StepFn } from '../streams/index.js';
import { logDecisions } from './logger.js';
import { recordSamples } from './record.js';

/** In-flight requests get this long after a stop before their connections are cut. */
export const DRAIN_MS = 4000;

export interface ServiceOptions {
  config: Readonly<Config>;
  /** where /proc is read for the pools' CPU (default: the real file system) */
  files?: FileReader;
  logger: Pino;
  version: string;
  scheduler?: SchedulerLike;
  step?: StepFn;
  /** actuator back-off sleep (tests) */
  sleep?: Sleep;
  heartbeatMs?: number;
  defaultMetrics?: boolean;
  /** the per-pool sample rate limit (default: the HTTP layer's 200 samples/s) */
  sampleRate?: SampleRate;
  /** the uWSGI sources' stats reader, FIFO and CPU reader (tests) */
  uwsgi?: Pick<AttachUwsgiDeps, 'readStats' | 'fifo' | 'cpu' | 'now'>;
}

export interface Service {
  url: string;
  address: { host: string; port: number };
  engine: Engine;
  metrics: Metrics;
  stop(): Promise<void>;
}

export async function startService(options: ServiceOptions): Promise<Service> {
  const { config, logger } = options;
  const registry = new Registry();
  const metrics = createMetrics({
    registry,
    version: options.version,
    enabled: config.enabled,
    cpus: config.cpus,
    pools: config.pools.map((p) => ({ name: p.name, law: p.params.law })),
    // Read at scrape time, after the engine below exists.
    states: () => engine.states(),
    defaultMetrics: options.defaultMetrics ?? true,
  });
  const cpuSources = poolCpuSources(config.pools, options.files ?? nodeFiles, Date.now);
  const engine: Engine = createEngine({
    config,
    scheduler: options.scheduler ?? asyncScheduler,
    logger,
    metrics,
    ...(options.step ? { step: options.step } : {}),
    readCpu: (pool) => cpuSources.get(pool),
  });
  const subs: Subscription[] = [engine.decisions$.subscribe((d) => metrics.decision(d)), logDecisions(engine.decisions$, logger)];
  const disconnect = connectActuators(engine, createActuators(config.actuators, metrics.actuation, options.sleep), logger);
  const recorder = config.record === null ? null : recordSamples(config.record, engine.ingested$, logger);
  // Pools with a `source` are read and driven by the sidecar itself (src/sources/).
  const detachSources = attachUwsgiSources({ engine, config, logger, scheduler: options.scheduler ?? asyncScheduler, ...options.uwsgi });

  const handle = createApp({
    engine,
    metrics,
    logger,
    token: config.token,
    listenHost: config.listen.host,
    ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
    ...(options.sampleRate ? { sampleRate: options.sampleRate } : {}),
  });
  const server = createServer(handle.app);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.listen.port, config.listen.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    detachSources();
    engine.stop();
    disconnect();
    recorder?.close();
    throw e;
  }
  const bound = server.address() as AddressInfo;
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  const url = `http://${host}:${bound.port}`;
  logger.info({ url, config: config.file, cpus: config.cpus, cpusSource: config.cpusSource, enabled: config.enabled, pools: engine.pools }, `listening on ${url}`);

  let stopping: Promise<void> | null = null;
  return {
    url,
    address: { host: bound.address, port: bound.port },
    engine,
    metrics,
    stop() {
      stopping ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        handle.drain();
        server.closeIdleConnections();
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            logger.warn({}, 'requests still open after the drain period; closing their connections');
            server.closeAllConnections();
            resolve();
          }, DRAIN_MS);
        });
        await Promise.race([closed, late]);
        clearTimeout(timer);
        detachSources();
        for (const s of subs) s.unsubscribe();
        disconnect();
        engine.stop();
        recorder?.close();
      })();
      return stopping;
    },
  };
}
