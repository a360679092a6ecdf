// Shared by the hardening tests: a good sample, requests with their JSON answer, the checks
// every refusal must pass, and a count of what reached the engine.
import type { Harness } from '../http/harness.js';

export const GOOD = { size: 16, busy: 12, queueStall: 0.05, idle: 0.1, completed: 48211 };

export interface Answer {
  status: number;
  json: Record<string, unknown>;
  headers?: Headers;
}

export async function post(url: string, pool: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<Answer> {
  const res = await fetch(`${url}/v1/pools/${pool}/samples`, { method: 'POST', headers, body });
  const text = await res.text();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { unparsable: text };
  }
  return { status: res.status, json, headers: res.headers };
}

const LEAKS = [/\/work\//, /node_modules/, /\n\s+at /, /\bat .*\(.*:\d+:\d+\)/, /\.ts:\d+/, /\.js:\d+/, /Error:/];

/** A refusal from the catalogue: `{error, code, field?}` and nothing else, no stack, no path. */
export function assertCleanError(res: Answer): boolean {
  const { json } = res;
  if (typeof json['error'] !== 'string' || typeof json['code'] !== 'string') return false;
  if (Object.keys(json).some((k) => k !== 'error' && k !== 'code' && k !== 'field')) return false;
  if (json['field'] !== undefined && typeof json['field'] !== 'string') return false;
  const text = JSON.stringify(json);
  return !LEAKS.some((re) => re.test(text));
}

/** Counts the sample batches that reached the engine (what a refused request must not do). */
export function observe(h: Harness): { ingested(): number; samples(): number } {
  let batches = 0;
  let samples = 0;
  h.engine.ingested$.subscribe((i) => {
    batches += 1;
    samples += i.samples.length;
  });
  return { ingested: () => batches, samples: () => samples };
}

export async function counterOf(url: string, series: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/** The pool's state without the fields that move with the clock. */
export async function stateOf(url: string, pool: string): Promise<Record<string, unknown>> {
  const json = (await (await fetch(`${url}/v1/pools/${pool}`)).json()) as Record<string, unknown>;
  const { growReadyInMs: _g, shrinkReadyInMs: _s, ...rest } = json;
  return rest;
}
