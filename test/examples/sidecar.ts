// The real sidecar, in-process on 127.0.0.1 port 0, for the example daemons' tests. The one
// import of the service lives here, so a move of the service is a one-line change.
import type { Sample } from '../../src/core/index.js';
import { createLogger } from '../../src/cli/logger.js';
import { startService } from '../../src/cli/service.js';
import type { Service } from '../../src/cli/service.js';
import { pool } from '../streams/helpers.js';

export interface Sidecar {
  url: string;
  port: number;
  /** every sample accepted so far, in order, per pool */
  samples(poolName: string): readonly Sample[];
  stop(): Promise<void>;
}

/** Short periods so that a test sees many ticks; pools named as given; port 0 unless told. */
export async function startSidecar(pools: readonly string[], port = 0, periodMs = 100): Promise<Sidecar> {
  const params = { periodMs, growCooldownMs: periodMs * 2, shrinkCooldownMs: periodMs * 5, staleAfterPeriods: 50 };
  const service: Service = await startService({
    config: {
      file: 'clients-test.yaml',
      listen: { host: '127.0.0.1', port },
      cpus: 2,
      cpusSource: 'config',
      token: null,
      enabled: true,
      logLevel: 'warn',
      record: null,
      pools: pools.map((name) => pool(name, 'transfer', params)),
      actuators: [],
    },
    logger: createLogger('warn', { write: () => undefined }),
    version: 'test',
    defaultMetrics: false,
  });
  const seen = new Map<string, Sample[]>();
  const sub = service.engine.ingested$.subscribe((i) => {
    const list = seen.get(i.pool) ?? [];
    list.push(...i.samples);
    seen.set(i.pool, list);
  });
  return {
    url: service.url,
    port: service.address.port,
    samples: (name) => seen.get(name) ?? [],
    async stop() {
      sub.unsubscribe();
      await service.stop();
    },
  };
}
