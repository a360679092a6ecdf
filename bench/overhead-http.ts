// HTTP side of the overhead benchmark: servers as child processes (bench/overhead-server.ts)
// and autocannon in this process, everything on loopback.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

export interface Child {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
/** A benchmark that dies must not leave servers behind. */
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/** Runs a server script (bench/overhead-server.ts) with plain node and resolves with its URL. */
export function startServer(script: string, nodeArgs: string[] = []): Promise<Child> {
  // cwd is the checkout, so the script's bare imports (express, pino) resolve from its node_modules.
  const child = spawn(process.execPath, [...nodeArgs, '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /\{"url":"([^"]+)"\}/.exec(out);
      if (m === null) return;
      child.stdout?.removeAllListeners('data');
      child.stdout?.resume();
      resolve({
        url: m[1] as string,
        pid: child.pid as number,
        async stop() {
          child.kill('SIGTERM');
          const late = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(late);
          children.delete(child);
        },
      });
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening: ${out}`)));
  });
}

interface Histogram {
  average: number;
  p50: number;
  p99: number;
}

interface CannonResult {
  requests: Histogram;
  latency: Histogram;
  non2xx: number;
  errors: number;
  timeouts: number;
  '2xx': number;
}

interface CannonOptions {
  url: string;
  connections: number;
  duration: number;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
}

type Autocannon = (opts: CannonOptions, cb: (err: Error | null, result: CannonResult) => void) => unknown;

// autocannon ships no types; this is the part of its API used here.
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  ok: number;
  non2xx: number;
  errors: number;
}

export function load(url: string, body: string, connections: number, durationS: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, duration: durationS, method: 'POST', headers: { 'content-type': 'application/json' }, body }, (err, r) => {
      if (err !== null) reject(err);
      else resolve({ requestsPerSecond: r.requests.average, p50Ms: r.latency.p50, p99Ms: r.latency.p99, ok: r['2xx'], non2xx: r.non2xx, errors: r.errors + r.timeouts });
    });
  });
}

/** Reads one series of the sidecar's /metrics (e.g. process_resident_memory_bytes). */
export async function metricValue(url: string, series: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
