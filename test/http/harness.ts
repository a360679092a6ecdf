// An in-process sidecar for the HTTP tests: engine, metrics and createApp on 127.0.0.1:0,
// with short periods from config (50 ms ticks, 250 ms grow cooldown).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { asyncScheduler } from 'rxjs';
import { Registry } from 'prom-client';
import type { PoolConfig } from '../../src/config/index.js';
import type { ControllerParams, Decision } from '../../src/core/index.js';
import { createApp } from '../../src/http/index.js';
import type { AppHandle, LiveLimits, SampleRate } from '../../src/http/index.js';
import { createMetrics } from '../../src/metrics/index.js';
import type { Metrics } from '../../src/metrics/index.js';
import { createEngine, silentLogger } from '../../src/streams/index.js';
import type { Engine, Logger, StepFn } from '../../src/streams/index.js';
import { pool } from '../streams/helpers.js';

/**
 * Short periods for real-time tests. A grow counts as failed when the daemon has not reported
 * it within (staleAfterPeriods + 1) periods; at 3 periods of 50 ms, one event-loop stall of a
 * loaded CI machine reverted a grow and made the "it grew" tests flaky, so the window is 2 s.
 */
export const FAST: Partial<ControllerParams> = { periodMs: 50, growCooldownMs: 250, shrinkCooldownMs: 1500, staleAfterPeriods: 40 };
/** No tick within a test: state changes only through the requests under test. */
export const FROZEN: Partial<ControllerParams> = { periodMs: 600_000 };

export interface Harness {
  url: string;
  engine: Engine;
  metrics: Metrics;
  handle: AppHandle;
  decisions: Decision[];
  close(): Promise<void>;
}

export interface HarnessOptions {
  params?: Partial<ControllerParams>;
  pools?: PoolConfig[];
  token?: string | null;
  listenHost?: string;
  heartbeatMs?: number;
  maxWaitMs?: number;
  step?: StepFn;
  cpus?: number;
  sampleRate?: SampleRate;
  clockMs?: () => number;
  limits?: Partial<LiveLimits>;
  readOnly?: boolean;
  /** where the app logs (default: nowhere) */
  logger?: Logger;
}

export async function startHarness(o: HarnessOptions = {}): Promise<Harness> {
  const params = o.params ?? FAST;
  const pools = o.pools ?? [pool('transfer', 'transfer', params), pool('buffer', 'buffer', params)];
  const registry = new Registry();
  const metrics = createMetrics({
    registry,
    version: '0.0.0-test',
    enabled: true,
    cpus: o.cpus ?? 8,
    pools: pools.map((p) => ({ name: p.name, law: p.params.law })),
    states: () => engine.states(),
    queues: () => engine.queues(),
  });
  const engine = createEngine({
    config: { pools, cpus: o.cpus ?? 8, enabled: true },
    scheduler: asyncScheduler,
    metrics,
    ...(o.step ? { step: o.step } : {}),
  });
  const decisions: Decision[] = [];
  engine.decisions$.subscribe((d) => {
    decisions.push(d);
    metrics.decision(d);
  });
  const handle = createApp({
    engine,
    metrics,
    logger: o.logger ?? silentLogger,
    token: o.token ?? null,
    listenHost: o.listenHost ?? '127.0.0.1',
    version: '0.0.0-test',
    ...(o.limits ? { limits: o.limits } : {}),
    ...(o.readOnly ? { readOnly: o.readOnly } : {}),
    ...(o.heartbeatMs ? { heartbeatMs: o.heartbeatMs } : {}),
    ...(o.maxWaitMs ? { maxWaitMs: o.maxWaitMs } : {}),
    ...(o.sampleRate ? { sampleRate: o.sampleRate } : {}),
    ...(o.clockMs ? { clockMs: o.clockMs } : {}),
  });
  const server = createServer(handle.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    engine,
    metrics,
    handle,
    decisions,
    async close() {
      handle.drain();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      engine.stop();
    },
  };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

export async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown>; ms: number }> {
  const started = performance.now();
  const res = await fetch(url, { headers });
  const json = (await res.json()) as Record<string, unknown>;
  return { status: res.status, json, ms: performance.now() - started };
}

/** Reads an SSE stream until `until` holds for the text received so far (or the stream ends). */
export async function readSse(url: string, until: (text: string) => boolean, onOpen?: () => void | Promise<void>): Promise<{ text: string; contentType: string | null }> {
  const ac = new AbortController();
  const res = await fetch(url, { signal: ac.signal });
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  let opened = false;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    if (!opened) {
      opened = true;
      await onOpen?.();
    }
    if (until(text)) break;
  }
  ac.abort();
  return { text, contentType: res.headers.get('content-type') };
}

export function sseDecisions(text: string): Decision[] {
  return text
    .split('\n\n')
    .filter((frame) => frame.startsWith('event: decision\n'))
    .map((frame) => JSON.parse(frame.slice(frame.indexOf('data: ') + 6)) as Decision);
}

/** Waits (bounded) for a condition that real time will make true: connection bookkeeping, not control logic. */
export async function eventually(check: () => boolean, timeoutMs = 2000): Promise<boolean> {
  const until = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > until) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

/** A request with headers fetch will not set (Host): node:http, the answer's status, headers and text. */
export async function rawRequest(url: string, o: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(`${url}${o.path}`, { method: o.method ?? 'GET', headers: o.headers ?? {} }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

/** Writes `text` on a fresh TCP connection and collects what comes back until the server closes it (or `timeoutMs`). */
export async function rawSocket(url: string, text: string, timeoutMs = 3000): Promise<{ reply: string; closed: boolean; ms: number }> {
  const { connect } = await import('node:net');
  const { hostname, port } = new URL(url);
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let reply = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ reply, closed: false, ms: performance.now() - started });
    }, timeoutMs);
    socket.on('data', (c: Buffer) => (reply += c.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ reply, closed: true, ms: performance.now() - started });
    });
    socket.write(text);
  });
}
