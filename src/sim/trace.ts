// The trace's header: the first line --record writes, before the samples. It says what the
// recorded sidecar ran with (n, each pool's kind and controller parameters), so `replay`
// reproduces that sidecar rather than one sized for the host it runs on. A sidecar that
// appends to an existing trace writes a new header first; the last one read is in force.
import type { ControllerParams, PoolKind } from '../core/index.js';

export const TRACE_MARK = 'adaptive-threads';
export const TRACE_VERSION = 1;

export interface TracePool {
  kind: PoolKind;
  params: ControllerParams;
}

export interface TraceHeader {
  trace: typeof TRACE_MARK;
  version: typeof TRACE_VERSION;
  /** n, the CPUs the daemon could use */
  cpus: number;
  pools: Record<string, TracePool>;
}

export function traceHeader(cpus: number, pools: readonly { name: string; kind: PoolKind; params: ControllerParams }[]): TraceHeader {
  const byName: Record<string, TracePool> = {};
  for (const p of pools) byName[p.name] = { kind: p.kind, params: p.params };
  return { trace: TRACE_MARK, version: TRACE_VERSION, cpus, pools: byName };
}

/** Whether a parsed line is a header (`trace` marks it); its shape is checked by `headerError`. */
export function isHeaderLine(o: Record<string, unknown>): boolean {
  return o['trace'] !== undefined;
}

/** What is wrong with a header line, or null when it is one replay can use. */
export function headerError(o: Record<string, unknown>): string | null {
  if (o['trace'] !== TRACE_MARK) return `"trace" must be "${TRACE_MARK}"`;
  if (o['version'] !== TRACE_VERSION) return `trace version ${JSON.stringify(o['version'])} is not ${TRACE_VERSION}`;
  const cpus = o['cpus'];
  if (typeof cpus !== 'number' || !Number.isInteger(cpus) || cpus < 1) return '"cpus" must be a whole number >= 1';
  const pools = o['pools'];
  if (typeof pools !== 'object' || pools === null) return '"pools" must be a map of pool name to {kind, params}';
  for (const [name, p] of Object.entries(pools as Record<string, unknown>)) {
    const pool = p as Partial<TracePool> | null;
    if (pool === null || (pool.kind !== 'transfer' && pool.kind !== 'buffer')) return `pool "${name}": "kind" must be transfer or buffer`;
    if (typeof pool.params !== 'object' || pool.params === null || typeof pool.params.periodMs !== 'number') return `pool "${name}": "params" must be its controller parameters`;
  }
  return null;
}
