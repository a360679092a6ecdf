// What-if tuning: recorded samples (NDJSON, one `{"pool", "receivedAt", ...sample}` a line,
// after a header line that says n and each pool's kind and parameters, as the service's
// --record writes them) run through any law, one tick a period, and what it would have
// decided is reported. The samples' sizes are the daemon's real ones: the law's decisions
// are recommendations, as in observe mode.
import { createController, poolBounds, tick } from '../core/index.js';
import type { ControllerParams, Decision, LawName, PoolKind, Sample } from '../core/index.js';
import { DEFAULT_PARAMS } from './run.js';
import { headerError, isHeaderLine } from './trace.js';
import type { TraceHeader } from './trace.js';

export interface RecordedSample extends Sample {
  pool: string;
  receivedAt: number;
}

export class ReplayError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplayError';
  }
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isBusy = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

export interface Trace {
  /** the last header line, or null for a trace written before headers existed */
  header: TraceHeader | null;
  samples: RecordedSample[];
}

/** The samples of NDJSON text; a bad line is an error that names the line and what is wrong. */
export function parseRecording(text: string): RecordedSample[] {
  return parseTrace(text).samples;
}

/** Parses NDJSON text: header lines and samples; a bad line is an error that names the line. */
export function parseTrace(text: string): Trace {
  const out: RecordedSample[] = [];
  let header: TraceHeader | null = null;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      throw new ReplayError(`line ${i + 1}: not JSON`);
    }
    if (typeof v !== 'object' || v === null) throw new ReplayError(`line ${i + 1}: not an object`);
    const o = v as Record<string, unknown>;
    if (isHeaderLine(o)) {
      const error = headerError(o);
      if (error !== null) throw new ReplayError(`line ${i + 1}: ${error}`);
      header = o as unknown as TraceHeader;
      return;
    }
    if (typeof o.pool !== 'string') throw new ReplayError(`line ${i + 1}: "pool" must be a string`);
    // busy may be fractional: a source the sidecar reads itself (uWSGI) records its busy integral.
    if (!isCount(o.size) || !isBusy(o.busy) || o.busy > o.size) {
      throw new ReplayError(`line ${i + 1}: "size" must be a whole number and "busy" a number with 0 <= busy <= size`);
    }
    const receivedAt = typeof o.receivedAt === 'number' ? o.receivedAt : typeof o.ts === 'number' ? o.ts : null;
    if (receivedAt === null) throw new ReplayError(`line ${i + 1}: "receivedAt" (epoch ms) is missing`);
    const sample = { ...(o as unknown as RecordedSample), receivedAt, ts: typeof o.ts === 'number' ? o.ts : receivedAt };
    out.push(sample);
  });
  return { header, samples: out };
}

export interface ReplayOptions {
  law: LawName;
  pool?: string;
  kind: PoolKind;
  n: number;
  periodMs?: number;
  /** the parameters the trace was recorded with (its header), else the defaults */
  base?: Omit<ControllerParams, 'law'>;
  /** controller parameters to try instead (band, cooldowns, ...) */
  params?: Partial<Omit<ControllerParams, 'law'>>;
}

/** The overrides given (command-line flags) win over the trace's header, which wins over nothing. */
export interface ReplaySetup {
  pool: string;
  law: LawName;
  kind: PoolKind;
  n: number;
  periodMs: number;
  base: Omit<ControllerParams, 'law'>;
}

/**
 * What the replay runs with: each of pool, law, kind, n and period from the overrides, else
 * from the trace's header, else (a trace without one) an error for n and the kind: a
 * replay sized for this host would be a different sidecar.
 */
export function replaySetup(trace: Trace, over: { pool?: string; law?: LawName; kind?: PoolKind; n?: number; periodMs?: number }): ReplaySetup {
  const pools = [...new Set(trace.samples.map((s) => s.pool))];
  const pool = over.pool ?? pools[0];
  if (pool === undefined) throw new ReplayError('the recording has no samples');
  const recorded = trace.header?.pools[pool];
  const n = over.n ?? trace.header?.cpus;
  const kind = over.kind ?? recorded?.kind;
  const missing = [n === undefined ? '--cpus' : null, kind === undefined ? '--kind' : null].filter((x) => x !== null);
  if (missing.length > 0) {
    const why = trace.header === null ? 'the trace has no header (it was recorded by an older sidecar)' : `the trace's header does not name pool "${pool}"`;
    throw new ReplayError(`${why}: give ${missing.join(' and ')}`);
  }
  const law = over.law ?? recorded?.params.law;
  if (law === undefined) throw new ReplayError(`the trace does not say pool "${pool}"'s law: give --law`);
  const base = recorded?.params ?? DEFAULT_PARAMS;
  return { pool, law, kind: kind as PoolKind, n: n as number, periodMs: over.periodMs ?? base.periodMs, base };
}

export interface ReplayResult {
  pool: string;
  ticks: number;
  decisions: Decision[];
  /** ticks where the law's recommendation differed from the size the daemon had */
  disagreements: number;
}

export function replay(samples: readonly RecordedSample[], options: ReplayOptions): ReplayResult {
  const pools = [...new Set(samples.map((s) => s.pool))];
  const pool = options.pool ?? pools[0];
  if (pool === undefined) throw new ReplayError('the recording has no samples');
  if (!pools.includes(pool)) throw new ReplayError(`no samples for pool "${pool}" (the recording has: ${pools.join(', ')})`);
  const mine = samples.filter((s) => s.pool === pool).sort((a, b) => a.receivedAt - b.receivedAt);
  const params = { ...(options.base ?? DEFAULT_PARAMS), ...options.params, law: options.law, ...(options.periodMs ? { periodMs: options.periodMs } : {}) };
  poolBounds(options.kind, options.n);
  const first = (mine[0] as RecordedSample).receivedAt;
  let state = createController({ name: pool, kind: options.kind, n: options.n, params, mode: 'observe', pinned: null, enabled: true }, first);
  const decisions: Decision[] = [];
  let disagreements = 0;
  let i = 0;
  const last = (mine[mine.length - 1] as RecordedSample).receivedAt;
  let ticks = 0;
  for (let t = first + params.periodMs; t <= last + params.periodMs; t += params.periodMs) {
    const batch: Sample[] = [];
    while (i < mine.length && (mine[i] as RecordedSample).receivedAt < t) {
      const { pool: _pool, receivedAt: _at, ...sample } = mine[i] as RecordedSample;
      batch.push(sample);
      i += 1;
    }
    const out = tick(state, batch, t);
    state = out.state;
    ticks += 1;
    if (out.decision.to !== out.decision.from) {
      disagreements += 1;
      decisions.push(out.decision);
    }
  }
  return { pool, ticks, decisions, disagreements };
}
