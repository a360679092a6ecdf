// The sample of docs/integration.md and the body of POST /v1/pools/{pool}/samples. This is the hot
// path of the HTTP layer: the validators are compiled once, and a batch is refused as a
// whole at its first bad element, so nothing is ever half-applied.
import { Type } from '@sinclair/typebox';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Sample } from '../core/types.js';
import { ajv } from './ajv.js';

// The core reads samples; their shape is the wire's, named here for everyone outside the core.
export type { Sample };

export const MAX_SAMPLES_PER_BATCH = 1000;

/**
 * How far a sample's `ts` may be from the time of receipt. The core orders samples and
 * derives throughput and the idle EWMA from `ts`, so a clock that is far off is refused
 * (400 naming `ts`), never trusted: a future `ts` would hold back every later sample's
 * throughput, a very old one would be read as a long gap.
 */
export interface TsWindow {
  maxFutureMs: number;
  maxPastMs: number;
}

/** 60 s ahead covers ordinary clock skew; 1 h behind covers a batch held back by an outage. */
export const SAMPLE_TS_WINDOW: TsWindow = { maxFutureMs: 60_000, maxPastMs: 3_600_000 };

/**
 * Bounds no real daemon reaches, so a value past them is a broken or hostile client: a size
 * of 2^60 is an integer to JSON Schema, and a counter past 2^53 loses the increments that
 * throughput is computed from.
 */
export const MAX_SAMPLE_COUNT = 1_048_576;

/** The largest process id: the kernel's PID_MAX_LIMIT on 64-bit hosts (a sample's and the config's `pid`, and the pids the /proc reader takes). */
export const PID_MAX = 4_194_304;

const count = (description: string) => Type.Integer({ minimum: 0, maximum: MAX_SAMPLE_COUNT, description });
const fraction = (description: string) => Type.Number({ minimum: 0, maximum: 1, description });

export const SampleSchema = Type.Object(
  {
    ts: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: Number.MAX_SAFE_INTEGER,
        description: 'Epoch milliseconds of the measurement; default: time of receipt. Refused more than 60 s ahead of, or 1 h behind, the sidecar\'s clock.',
      }),
    ),
    size: count('Workers (or shards) the pool has now.'),
    busy: count('Workers (or shards) in use over the period; 0 <= busy <= size.'),
    queueDepth: Type.Optional(count('Tasks waiting in the hand-off queue.')),
    queueCapacity: Type.Optional(count('Capacity of the hand-off queue.')),
    queueStall: Type.Optional(fraction('Fraction of the period the hand-off queue was at capacity (buffer pools: fraction of acquisitions that overflowed).')),
    idle: Type.Optional(fraction('Fraction of worker time spent off-CPU (waiting for a task or blocked on I/O).')),
    completed: Type.Optional(
      Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Cumulative completed tasks; a decrease is a daemon restart.' }),
    ),
    refused: Type.Optional(
      Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Cumulative tasks the full hand-off queue turned away; a decrease is a daemon restart.' }),
    ),
    cpuSeconds: Type.Optional(
      Type.Number({ minimum: 0, maximum: 1e12, description: "Cumulative CPU seconds of the pool's threads (e.g. the sum of their CLOCK_THREAD_CPUTIME_ID); a decrease is a daemon restart." }),
    ),
    runDelaySeconds: Type.Optional(
      Type.Number({ minimum: 0, maximum: 1e12, description: "Cumulative seconds the pool's threads were runnable but waiting for a CPU (the second field of /proc/self/task/TID/schedstat); a decrease is a daemon restart." }),
    ),
    pid: Type.Optional(
      Type.Integer({ minimum: 1, maximum: PID_MAX, description: "The daemon's process id: the sidecar may read that process's threads (/proc/PID/task) for CPU." }),
    ),
  },
  { additionalProperties: false, description: 'One telemetry report from the daemon (docs/integration.md).' },
);

export const SampleBatchSchema = Type.Array(SampleSchema, {
  minItems: 1,
  maxItems: MAX_SAMPLES_PER_BATCH,
  description: `A batch of 1 to ${MAX_SAMPLES_PER_BATCH} samples, applied in order, all or none.`,
});

/** For the generated reference: what the endpoint accepts (validation goes through the two validators below). */
export const SampleBodySchema = Type.Union([SampleSchema, SampleBatchSchema], {
  description: 'The body of POST /v1/pools/{pool}/samples: one sample or a batch.',
});

const validateOne: ValidateFunction = ajv.compile(SampleSchema);
const validateBatch: ValidateFunction = ajv.compile(SampleBatchSchema);

export type SampleBodyResult = { ok: true; samples: Sample[] } | { ok: false; error: string; field: string };

/** A sample as the daemon sends it: `ts` may be left out (the time of receipt stands in). */
type RawSample = Omit<Sample, 'ts'> & { ts?: number };

/**
 * Validates a parsed JSON body: one sample or an array of 1..1000. `field` names the bad
 * field as `busy`, `[3].busy`, or `` (empty) for the body itself. Samples without `ts`, or
 * with one ahead of `receivedAtMs`, get `receivedAtMs`; with a `window`, a `ts` outside it is
 * refused. The input is not modified.
 */
export function validateSampleBody(body: unknown, receivedAtMs: number = Date.now(), window: TsWindow | null = null): SampleBodyResult {
  if (Array.isArray(body)) {
    // Checked before ajv so an oversized batch costs nothing to refuse.
    if (body.length === 0 || body.length > MAX_SAMPLES_PER_BATCH) {
      return { ok: false, error: `a batch holds 1 to ${MAX_SAMPLES_PER_BATCH} samples, got ${body.length}`, field: '' };
    }
    if (!validateBatch(body)) return refusal(validateBatch.errors);
    const samples: Sample[] = new Array<Sample>(body.length);
    for (let i = 0; i < body.length; i++) {
      const raw = body[i] as RawSample;
      if (raw.busy > raw.size) return busyOverSize(raw, `[${i}].busy`);
      if (window !== null && raw.ts !== undefined && outside(raw.ts, receivedAtMs, window)) return tsRefusal(raw.ts, receivedAtMs, window, `[${i}].ts`);
      samples[i] = toSample(raw, receivedAtMs);
    }
    return { ok: true, samples };
  }
  if (body === null || typeof body !== 'object') {
    return { ok: false, error: `the body must be a sample object or an array of 1 to ${MAX_SAMPLES_PER_BATCH} samples`, field: '' };
  }
  if (!validateOne(body)) return refusal(validateOne.errors);
  const raw = body as RawSample;
  if (raw.busy > raw.size) return busyOverSize(raw, 'busy');
  if (window !== null && raw.ts !== undefined && outside(raw.ts, receivedAtMs, window)) return tsRefusal(raw.ts, receivedAtMs, window, 'ts');
  return { ok: true, samples: [toSample(raw, receivedAtMs)] };
}

function outside(ts: number, receivedAtMs: number, w: TsWindow): boolean {
  return ts > receivedAtMs + w.maxFutureMs || ts < receivedAtMs - w.maxPastMs;
}

function tsRefusal(ts: number, receivedAtMs: number, w: TsWindow, field: string): SampleBodyResult {
  const ahead = ts > receivedAtMs;
  const offMs = Math.abs(ts - receivedAtMs);
  const error = `${field} is ${offMs} ms ${ahead ? 'ahead of' : 'behind'} the sidecar's clock; a ts at most ${w.maxFutureMs} ms ahead or ${w.maxPastMs} ms behind is accepted (omit ts to use the time of receipt)`;
  return { ok: false, error, field };
}

/**
 * A `ts` ahead of the time of receipt (within the window) is read as the time of receipt: a
 * sample cannot come from the future, and a ts seconds ahead would later divide a period's
 * completions by the few ms left to it, a throughput spike of hundreds of times.
 */
function toSample(raw: RawSample, receivedAtMs: number): Sample {
  const ts = raw.ts === undefined || raw.ts > receivedAtMs ? receivedAtMs : raw.ts;
  const sample: Sample = { ts, size: raw.size, busy: raw.busy };
  if (raw.queueDepth !== undefined) sample.queueDepth = raw.queueDepth;
  if (raw.queueCapacity !== undefined) sample.queueCapacity = raw.queueCapacity;
  if (raw.queueStall !== undefined) sample.queueStall = raw.queueStall;
  if (raw.idle !== undefined) sample.idle = raw.idle;
  if (raw.completed !== undefined) sample.completed = raw.completed;
  if (raw.refused !== undefined) sample.refused = raw.refused;
  if (raw.cpuSeconds !== undefined) sample.cpuSeconds = raw.cpuSeconds;
  if (raw.runDelaySeconds !== undefined) sample.runDelaySeconds = raw.runDelaySeconds;
  if (raw.pid !== undefined) sample.pid = raw.pid;
  return sample;
}

function busyOverSize(raw: RawSample, field: string): SampleBodyResult {
  return { ok: false, error: `${field} must be <= size (busy ${raw.busy}, size ${raw.size})`, field };
}

/** `/3/busy` -> `[3].busy`; `/busy` -> `busy`. */
export function fieldOf(instancePath: string, child?: string): string {
  const segments = instancePath.split('/').slice(1);
  if (child !== undefined) segments.push(child);
  let field = '';
  for (const seg of segments) {
    field += /^\d+$/.test(seg) ? `[${seg}]` : field === '' ? seg : `.${seg}`;
  }
  return field;
}

function refusal(errors: ErrorObject[] | null | undefined): SampleBodyResult {
  const err = errors?.[0];
  if (err === undefined) return { ok: false, error: 'invalid sample', field: '' };
  if (err.keyword === 'additionalProperties') {
    const name = String(err.params['additionalProperty']);
    return { ok: false, error: `unknown field "${name}"`, field: fieldOf(err.instancePath, name) };
  }
  if (err.keyword === 'required') {
    const name = String(err.params['missingProperty']);
    return { ok: false, error: `missing required field "${name}"`, field: fieldOf(err.instancePath, name) };
  }
  const field = fieldOf(err.instancePath);
  if (err.keyword === 'type' && err.params['type'] === 'object') {
    return { ok: false, error: `${field === '' ? 'a sample' : field} must be an object`, field };
  }
  return { ok: false, error: `${field} ${err.message ?? 'is invalid'}`, field };
}
