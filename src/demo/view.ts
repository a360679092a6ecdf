// The demo's live terminal view, as pure formatting: one line per tick per pool, e.g.
//      12.5s  io     transfer  size   5  target   6  util  98%  grow (above-band)
// and the lines around it (header, phase changes, the summary). No I/O here.
import type { Decision } from '../core/index.js';
import type { PoolReport } from './daemon.js';
import type { LoadStats } from './load.js';
import type { PhaseLoad } from './phases.js';

export interface TickLine {
  elapsedMs: number;
  phase: string;
  pool: string;
  /** the daemon's real pool size when the decision was taken */
  size: number;
  target: number;
  utilization: number | null;
  action: Decision['action'];
  reason: Decision['reason'];
}

export const HEADER = '   time  phase  pool      size    target    util  action (reason)';

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

export function formatUtilization(u: number | null): string {
  return u === null ? '   -' : `${String(Math.round(u * 100)).padStart(3)}%`;
}

export function formatTick(l: TickLine): string {
  const action = l.action === 'hold' ? `hold (${l.reason})` : `${l.action.toUpperCase()} (${l.reason})`;
  return [
    formatSeconds(l.elapsedMs).padStart(7),
    l.phase.padEnd(5),
    l.pool.padEnd(8),
    `size ${String(l.size).padStart(3)}`,
    `target ${String(l.target).padStart(3)}`,
    `util ${formatUtilization(l.utilization)}`,
    action,
  ].join('  ');
}

export function tickLineOf(d: Decision, startedMs: number, phase: string, size: number): TickLine {
  return { elapsedMs: d.ts - startedMs, phase, pool: d.pool, size, target: d.to, utilization: d.utilization, action: d.action, reason: d.reason };
}

/** A daemon-only run (--sidecar) sees replies, not decisions: size, the reply's target, the request's fate. */
export function formatReport(r: PoolReport, startedMs: number, phase: string): string {
  return [
    formatSeconds(r.ts - startedMs).padStart(7),
    phase.padEnd(5),
    r.pool.padEnd(8),
    `size ${String(r.size).padStart(3)}`,
    `target ${r.target === null ? '  -' : String(r.target).padStart(3)}`,
    r.result,
  ].join('  ');
}

export function formatPhase(elapsedMs: number, load: PhaseLoad): string {
  return `${formatSeconds(elapsedMs).padStart(7)}  -- phase ${load.name}: ${load.description}`;
}

export interface Summary {
  elapsedMs: number;
  load: LoadStats;
  resizes: Record<string, number>;
  sizes: Record<string, number>;
}

export function formatSummary(s: Summary): string {
  const pools = Object.keys(s.sizes)
    .map((p) => `${p} ${s.sizes[p]} (${s.resizes[p] ?? 0} resizes)`)
    .join(', ');
  const secs = Math.max(0.001, s.elapsedMs / 1000);
  return [
    `demo: ran ${formatSeconds(s.elapsedMs)}; transfers: ${s.load.completed} completed (${(s.load.completed / secs).toFixed(1)}/s), ${s.load.refused} refused, ${s.load.failed} failed`,
    `demo: final sizes: ${pools}`,
  ].join('\n');
}
