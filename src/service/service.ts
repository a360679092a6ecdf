// The whole sidecar wired in-process: engine, metrics, HTTP (the API listener and the
// read-only metrics listener), log, actuators and recorder. `startService` resolves once the
// listeners are bound; `reload(config)` applies a reloaded config file; `stop()` stops intake,
// answers open long polls, ends SSE streams, lets in-flight requests finish and releases all.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { asyncScheduler } from 'rxjs';
import type { SchedulerLike, Subscription } from 'rxjs';
import type { Logger as Pino } from 'pino';
import { Registry } from 'prom-client';
import { connectActuators, createActuators } from '../actuators/index.js';
import type { Sleep } from '../actuators/index.js';
import type { Config } from '../config/index.js';
import { connectionCap, createApp, DEFAULT_LIVE_LIMITS, isLoopback, listenHttp } from '../http/index.js';
import type { AppHandle, LiveLimits, SampleRate } from '../http/index.js';
import { createMetrics } from '../metrics/index.js';
import type { Metrics } from '../metrics/index.js';
import { attachUwsgiSources, uwsgiTickLeadMs } from '../sources/uwsgi/index.js';
import type { AttachUwsgiDeps } from '../sources/uwsgi/index.js';
import { createPoolCpuSource, nodeFiles } from '../sources/index.js';
import type { FileReader } from '../sources/index.js';
import { createEngine } from '../streams/index.js';
import type { Engine, StepFn } from '../streams/index.js';
import { readFdLimit } from './fd-limit.js';
import { logDecisions } from './log.js';
import { traceHeader } from '../sim/trace.js';
import { recordSamples } from './record.js';
import { reloadService } from './reload.js';
import type { ReloadReport } from './reload.js';

/** In-flight requests get this long after a stop before their connections are cut. */
export const DRAIN_MS = 4000;

export interface ServiceOptions {
  /** where /proc is read for the pools' CPU (default: the real file system) */
  files?: FileReader;
  config: Readonly<Config>;
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
  /** caps on event streams and long polls, and an event stream's lifetime */
  limits?: Partial<LiveLimits>;
  /** open connections of both listeners together (default: below the fd limit) */
  maxConnections?: number;
  /** default 10 s */
  headersTimeoutMs?: number;
  /** the uWSGI sources' stats reader, FIFO and CPU reader (tests) */
  uwsgi?: Pick<AttachUwsgiDeps, 'readStats' | 'fifo' | 'cpu' | 'now'>;
}

export interface Service {
  url: string;
  address: { host: string; port: number };
  /** the read-only listener's URL, or null */
  metricsUrl: string | null;
  engine: Engine;
  metrics: Metrics;
  /** applies a reloaded config file; what needs a restart is logged and left as it runs */
  reload(config: Readonly<Config>): ReloadReport;
  stop(): Promise<void>;
}

const urlOf = (a: AddressInfo): string => `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;

/** Connections split between the listeners: the metrics listener needs few (probes, scrapes). */
function budget(total: number, metricsListener: boolean): { api: number; metrics: number } {
  const metrics = metricsListener ? Math.min(128, Math.max(8, Math.floor(total / 8))) : 0;
  return { api: total - metrics, metrics };
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
    queues: () => engine.queues(),
    defaultMetrics: options.defaultMetrics ?? true,
  });
  const engine: Engine = createEngine({
    config,
    scheduler: options.scheduler ?? asyncScheduler,
    logger,
    metrics,
    ...(options.step ? { step: options.step } : {}),
    // The pool's process CPU source, read from /proc at each tick (made again when a reload changes the pool).
    readCpu: (pool) => createPoolCpuSource(pool, { files: options.files ?? nodeFiles, now: Date.now }),
    // A uWSGI pool ticks just before its master's once-a-second check, which then applies its commands.
    tickLeadMs: uwsgiTickLeadMs,
  });
  const subs: Subscription[] = [engine.decisions$.subscribe((d) => metrics.decision(d)), logDecisions(engine.decisions$, logger)];
  const disconnect = connectActuators(engine, createActuators(config.actuators, metrics.actuation, options.sleep), logger);
  const recorder = config.record === null ? null : recordSamples(config.record, engine.ingested$, logger, traceHeader(config.cpus, config.pools));
  // Pools with a `source` are read and driven by the sidecar itself (src/sources/).
  const sources = attachUwsgiSources({ engine, config, logger, scheduler: options.scheduler ?? asyncScheduler, actuation: metrics.actuation, ...options.uwsgi });

  const caps = budget(options.maxConnections ?? connectionCap(readFdLimit()), config.metricsListen !== null);
  // 500 of each keep the sidecar under 150 MB with every place taken (docs/benchmarks.md, "Limits").
  const perKind = Math.min(DEFAULT_LIVE_LIMITS.maxEventStreams, Math.max(1, Math.floor(caps.api / 4)));
  const common = { engine, metrics, logger, token: config.token, version: options.version };
  const api = createApp({
    ...common,
    listenHost: config.listen.host,
    limits: { maxEventStreams: perKind, maxLongPolls: perKind, ...options.limits },
    ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
    ...(options.sampleRate ? { sampleRate: options.sampleRate } : {}),
  });
  const handles: AppHandle[] = [api];
  const servers: Server[] = [];
  const timeouts = options.headersTimeoutMs === undefined ? {} : { headersTimeoutMs: options.headersTimeoutMs };
  let address: AddressInfo;
  let metricsAddress: AddressInfo | null = null;
  try {
    const main = await listenHttp(api.app, { ...config.listen, maxConnections: caps.api, refused: api.refused, ...timeouts });
    servers.push(main.server);
    address = main.address;
    if (config.metricsListen !== null) {
      const readOnly = createApp({ ...common, listenHost: config.metricsListen.host, readOnly: true, onRefused: api.refused });
      handles.push(readOnly);
      const side = await listenHttp(readOnly.app, { ...config.metricsListen, maxConnections: caps.metrics, refused: api.refused, ...timeouts });
      servers.push(side.server);
      metricsAddress = side.address;
    }
  } catch (e) {
    for (const s of servers) s.close();
    sources.stop();
    engine.stop();
    disconnect();
    recorder?.close();
    throw e;
  }
  const url = urlOf(address);
  const metricsUrl = metricsAddress === null ? null : urlOf(metricsAddress);
  logger.info(
    { version: options.version, url, metricsUrl, config: config.file, cpus: config.cpus, cpusSource: config.cpusSource, enabled: config.enabled, pools: engine.pools, maxConnections: caps },
    `adaptive-threads ${options.version} listening on ${url}${metricsUrl === null ? '' : ` (read-only: ${metricsUrl})`}`,
  );
  if (!config.enabled) {
    // Said at warn: an operator who pulls the switch sees what the sidecar now does to the daemons.
    const held = engine.states().map((v) => `${v.name} ${v.target}${v.mode === 'pinned' ? ' (pinned)' : ''}`);
    logger.warn(
      { enabled: false, held },
      `adaptive sizing is off (OC_ADAPTIVE_THREADS): every pool is held at its static size, a pinned one at its pin (${held.join(', ')}), and the daemons are told so (a pool with a uWSGI source asks uWSGI for it); unset the variable and restart the sidecar to switch sizing on`,
    );
  }
  if (!isLoopback(config.listen.host) && config.token === null) {
    logger.warn(
      { listen: config.listen },
      `the API listens on ${config.listen.host}, which is not loopback, and no token is configured: samples and pins are refused (403); set token, or keep the API on loopback and use metricsListen for probes and scrapes`,
    );
  }

  let running = config;
  let stopping: Promise<void> | null = null;
  return {
    url,
    address: { host: address.address, port: address.port },
    metricsUrl,
    engine,
    metrics,
    reload(next) {
      const report = reloadService({ running, next, engine, metrics, handles, logger });
      // After the engine: a new source reads its pool's next tick and target from it.
      sources.reconfigure({ pools: next.pools, cpus: next.cpus });
      running = report.running;
      return report;
    },
    stop() {
      stopping ??= (async () => {
        const closed = Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
        for (const h of handles) h.drain();
        for (const s of servers) s.closeIdleConnections();
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            logger.warn({}, 'requests still open after the drain period; closing their connections');
            for (const s of servers) s.closeAllConnections();
            resolve();
          }, DRAIN_MS);
        });
        await Promise.race([closed, late]);
        clearTimeout(timer);
        sources.stop();
        for (const s of subs) s.unsubscribe();
        disconnect();
        engine.stop();
        recorder?.close();
      })();
      return stopping;
    },
  };
}
