// The daemon side of the real-Prometheus test: a pool whose load swings between overload
// and near-idle (so the controller grows, holds in cooldown and shrinks), and a webhook
// receiver that refuses every other resize of each pool (so actuations have both results).
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Sample, SampleSource } from '../../src/client/index.js';

/** Overloaded for one phase, then almost idle for the next, and so on. */
export class SwingingPool implements SampleSource {
  size: number;
  private completed = 0;
  private readonly startedMs = Date.now();

  constructor(initialSize: number, private readonly phaseMs: number) {
    this.size = initialSize;
  }

  private overloaded(): boolean {
    return Math.floor((Date.now() - this.startedMs) / this.phaseMs) % 2 === 0;
  }

  sample(): Sample {
    const heavy = this.overloaded();
    const busy = heavy ? this.size : Math.max(0, Math.floor(this.size * 0.2));
    this.completed += busy * 10;
    const queueCapacity = 64;
    return {
      ts: Date.now(),
      size: this.size,
      busy,
      queueDepth: heavy ? queueCapacity : 0,
      queueCapacity,
      queueStall: heavy ? 0.4 : 0,
      idle: heavy ? 0.05 : 0.8,
      completed: this.completed,
    };
  }

  resize(n: number): void {
    this.size = n;
  }
}

/** A healthy pool: steady inside the band, nothing queued, nothing refused. */
export class SteadyPool implements SampleSource {
  private completed = 0;

  constructor(public size: number) {}

  sample(): Sample {
    const busy = Math.round(this.size * 0.7);
    this.completed += busy * 10;
    return { ts: Date.now(), size: this.size, busy, queueDepth: 0, queueCapacity: 64, queueStall: 0, idle: 0.3, completed: this.completed };
  }

  resize(n: number): void {
    this.size = n;
  }
}

export interface FlakyWebhook {
  /** the actuator URL, with the sidecar's {pool} placeholder */
  url: string;
  /** requests received per pool, and how many were refused */
  counts(): Map<string, { received: number; refused: number }>;
  close(): Promise<void>;
}

/** Answers 503 to the 1st, 3rd, 5th... request of each pool and 204 to the others. */
export async function flakyWebhook(): Promise<FlakyWebhook> {
  const counts = new Map<string, { received: number; refused: number }>();
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const pool = /^\/pools\/([^/]+)\/size$/.exec(req.url ?? '')?.[1] ?? '?';
      const c = counts.get(pool) ?? { received: 0, refused: 0 };
      counts.set(pool, c);
      c.received++;
      const refuse = c.received % 2 === 1;
      if (refuse) c.refused++;
      res.statusCode = refuse ? 503 : 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/pools/{pool}/size`,
    counts: () => new Map(counts),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
