// A real Prometheus for the tests: Debian's `prometheus` binary (CI installs the package),
// started on a free loopback port with a throw-away config and TSDB, queried through its
// HTTP API, and always stopped (SIGTERM, then SIGKILL) even when the test worker dies.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/** PROMETHEUS overrides the binary, as PROMTOOL does for promtool. */
export const PROMETHEUS = process.env.PROMETHEUS ?? 'prometheus';
export const hasPrometheus = spawnSync(PROMETHEUS, ['--version'], { stdio: 'ignore' }).status === 0;
export const NO_PROMETHEUS_MESSAGE = `${PROMETHEUS} not found: skipping; CI installs Debian's prometheus`;

/** How often the polls below look again: short, since every wait is bounded by a deadline instead. */
export const POLL_MS = 250;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

import { freePort } from '../../bench/common.js';
export { freePort };

export interface PrometheusOptions {
  /** a fresh temp dir: prometheus.yml, the rule files and data/ go here */
  dir: string;
  job: string;
  /** host:port of the scrape target */
  target: string;
  /** copied next to prometheus.yml and loaded with rule_files */
  ruleFiles: readonly string[];
  /** until ready, per attempt */
  readyTimeoutMs?: number;
}

export interface Prometheus {
  url: string;
  /** the last lines Prometheus logged, for failure messages */
  output(): string;
  stop(): Promise<void>;
}

/** A 1 s scrape and evaluation interval, so rate() over 1m has samples within seconds. */
export function prometheusYaml(job: string, target: string, ruleFiles: readonly string[]): string {
  return [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 1s',
    '  evaluation_interval: 1s',
    'rule_files:',
    ...ruleFiles.map((f) => `  - ${JSON.stringify(f)}`),
    'scrape_configs:',
    `  - job_name: ${JSON.stringify(job)}`,
    '    static_configs:',
    `      - targets: [${JSON.stringify(target)}]`,
    '',
  ].join('\n');
}

/** Starts Prometheus and resolves once /-/ready answers 200; a port lost to a race is retried on another. */
export async function startPrometheus(options: PrometheusOptions): Promise<Prometheus> {
  const rules = options.ruleFiles.map((f) => {
    copyFileSync(f, join(options.dir, basename(f)));
    return basename(f);
  });
  const configFile = join(options.dir, 'prometheus.yml');
  writeFileSync(configFile, prometheusYaml(options.job, options.target, rules));
  let lastError: Error | null = null;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    const child = spawn(PROMETHEUS, [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(options.dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    const prom = supervise(child, `http://127.0.0.1:${port}`);
    try {
      await prom.ready(options.readyTimeoutMs ?? 20_000);
      return prom;
    } catch (e) {
      await prom.stop();
      lastError = e instanceof Error ? e : new Error(String(e));
      // Only a port taken between freePort() and the bind is worth another try.
      if (!/address already in use/i.test(prom.output())) break;
    }
  }
  throw lastError ?? new Error('prometheus did not start');
}

function supervise(child: ChildProcess, url: string): Prometheus & { ready(timeoutMs: number): Promise<void> } {
  const lines: string[] = [];
  const keep = (chunk: Buffer): void => {
    lines.push(...chunk.toString().split('\n').filter((l) => l !== ''));
    lines.splice(0, Math.max(0, lines.length - 40));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exitCode: number | string | null = null;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitCode = code ?? signal ?? 'unknown';
      resolve();
    });
    child.once('error', (err) => {
      exitCode = err.message;
      resolve();
    });
  });
  // If the test worker is torn down (ava timeout, crash), no Prometheus outlives it.
  const onExit = (): void => void child.kill('SIGKILL');
  process.once('exit', onExit);
  const output = (): string => lines.join('\n');

  return {
    url,
    output,
    async ready(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (exitCode !== null) throw new Error(`prometheus exited (${exitCode}) before it was ready:\n${output()}`);
        try {
          const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2000) });
          await res.arrayBuffer();
          if (res.ok) return;
        } catch {
          // not listening yet
        }
        await sleep(POLL_MS);
      }
      throw new Error(`prometheus was not ready within ${timeoutMs} ms:\n${output()}`);
    },
    async stop() {
      process.off('exit', onExit);
      if (exitCode === null) {
        child.kill('SIGTERM');
        const killed = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(killed);
      }
    },
  };
}

export interface ApiReply<T> {
  status: 'success' | 'error';
  data?: T;
  errorType?: string;
  error?: string;
}

export interface QueryData {
  resultType: 'vector' | 'matrix' | 'scalar' | 'string';
  result: unknown;
}

export interface Series {
  metric: Record<string, string>;
}

export interface AlertData {
  alerts: Array<{ labels: Record<string, string>; state: string }>;
}

export interface RulesData {
  groups: Array<{ name: string; rules: Array<{ name: string; type: string; health: string; lastError?: string }> }>;
}

/** GET on the HTTP API; an HTTP error with a JSON body (a bad query is a 400) comes back as that body. */
export async function apiGet<T>(base: string, path: string, params: Record<string, string> = {}): Promise<ApiReply<T>> {
  const url = new URL(path, base);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  try {
    return JSON.parse(text) as ApiReply<T>;
  } catch {
    return { status: 'error', errorType: `HTTP ${res.status}`, error: text.slice(0, 300) };
  }
}

export function instantQuery(base: string, expr: string): Promise<ApiReply<QueryData>> {
  return apiGet<QueryData>(base, '/api/v1/query', { query: expr });
}

/** The series of a vector or matrix result (a scalar or string has none). */
export function seriesOf(reply: ApiReply<QueryData>): Series[] {
  const result = reply.data?.result;
  return reply.status === 'success' && Array.isArray(result) ? (result as Series[]) : [];
}

/** Calls `probe` every POLL_MS until it returns a value other than undefined, or the deadline passes (then undefined). */
export async function pollUntil<T>(deadlineMs: number, probe: () => Promise<T | undefined>): Promise<T | undefined> {
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch {
      // Prometheus busy or restarting a scrape: look again.
    }
    if (Date.now() >= deadlineMs) return undefined;
    await sleep(POLL_MS);
  }
}
