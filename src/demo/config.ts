// The sidecar config of the demo and of the real-plant benchmark: the shipped defaults with
// short periods, so a grow is visible within seconds and a shrink within a phase. It goes
// through loadConfig like any config file, so it is validated and frozen the same way.
import { loadConfig } from '../config/index.js';
import type { Config, Listen, LogLevel } from '../config/index.js';
import type { LawName } from '../core/index.js';

/** the defaults are 1 s, 5 s, 30 s and 30 s; the demo runs the same laws 2-4x faster. */
export const DEMO_TIMING = { periodMs: 500, growCooldownMs: 2000, shrinkCooldownMs: 8000, idleEwmaSeconds: 10 } as const;

export interface DemoConfigOptions {
  cpus: number;
  law: LawName;
  listen: Listen;
  periodMs?: number;
  /** pins the transfer pool (`threads: N`): the static baseline */
  pinTransfer?: number | null;
  /** the transfer pool's `process` CPU source: the daemon's pid, and a pattern on its thread names */
  transferProcess?: { pid: number; threads: string | null } | null;
  logLevel?: LogLevel;
  /** OC_ADAPTIVE_THREADS and the like, as the CLI read them */
  env?: Readonly<Record<string, string | undefined>>;
}

export function demoConfigYaml(o: DemoConfigOptions): string {
  const periodMs = o.periodMs ?? DEMO_TIMING.periodMs;
  // Cooldowns keep their ratio to the period: four and sixteen periods.
  const scale = periodMs / DEMO_TIMING.periodMs;
  const threads = o.pinTransfer ?? 'adaptive';
  return [
    `cpus: ${o.cpus}`,
    'defaults:',
    `  law: ${o.law}`,
    `  periodMs: ${periodMs}`,
    `  growCooldownMs: ${Math.round(DEMO_TIMING.growCooldownMs * scale)}`,
    `  shrinkCooldownMs: ${Math.round(DEMO_TIMING.shrinkCooldownMs * scale)}`,
    `  idleEwmaSeconds: ${Math.max(0.1, DEMO_TIMING.idleEwmaSeconds * scale)}`,
    'pools:',
    `  transfer: {kind: transfer, threads: ${threads}${processYaml(o.transferProcess ?? null)}}`,
    '  buffer: {kind: buffer, threads: adaptive}',
    '',
  ].join('\n');
}

function processYaml(p: DemoConfigOptions['transferProcess']): string {
  if (p === null || p === undefined) return '';
  return `, process: {pid: ${p.pid}${p.threads === null ? '' : `, threads: ${JSON.stringify(p.threads)}`}}`;
}

const host = (listen: Listen): string => (listen.host.includes(':') ? `[${listen.host}]:${listen.port}` : `${listen.host}:${listen.port}`);

export function demoConfig(o: DemoConfigOptions): Readonly<Config> {
  const file = '(demo config)';
  const yaml = demoConfigYaml(o);
  const argv = ['--config', file, '--listen', host(o.listen), '--log-level', o.logLevel ?? 'warn'];
  const loaded = loadConfig(argv, o.env ?? {}, { readFile: () => yaml, cpuMax: () => null, availableParallelism: () => o.cpus }, () => {});
  if (loaded.kind !== 'run') throw new Error('the demo config did not load');
  return loaded.config;
}
