// What the host tells us at start-up: the OC_ADAPTIVE_THREADS switch (docs/operator-guide.md,
// "The kill switch") and n, the CPUs the daemon may use. Both take their inputs as arguments
// so tests inject them.
import { ConfigError } from './errors.js';

export const ENV_SWITCH = 'OC_ADAPTIVE_THREADS';
/** The reference design's name for the same switch, read when OC_ADAPTIVE_THREADS is unset. */
export const ENV_SWITCH_ALIAS = 'OC_RSYNC_ADAPTIVE_THREADS';

const OFF = ['0', 'false', 'off', 'no'];
const ON = ['1', 'true', 'on', 'yes'];
export const ENV_SWITCH_ALLOWED = `${OFF.join(', ')} (off) or ${ON.join(', ')} (on), in any case, or unset (on)`;

function envError(message: string, name: string, value: string): ConfigError {
  return new ConfigError(message, { code: 'env', file: null, key: name, line: null, value });
}

/** One variable's reading: true (on), false (off), null (unset); anything else is a start-up error. */
function readSwitch(name: string, value: string | undefined): boolean | null {
  if (value === undefined) return null;
  const word = value.toLowerCase();
  if (OFF.includes(word)) return false;
  if (ON.includes(word)) return true;
  // A kill switch never guesses: a value that is neither on nor off stops the start.
  throw envError(`${name}=${JSON.stringify(value)} is not allowed (${ENV_SWITCH_ALLOWED})`, name, value);
}

/**
 * Whether adaptive sizing is on: OC_ADAPTIVE_THREADS, else OC_RSYNC_ADAPTIVE_THREADS, else
 * on. Both set and disagreeing is a start-up error, as is any value that is not a spelling
 * of on or off.
 */
export function readEnvSwitch(env: Readonly<Record<string, string | undefined>>): boolean {
  const primary = readSwitch(ENV_SWITCH, env[ENV_SWITCH]);
  const alias = readSwitch(ENV_SWITCH_ALIAS, env[ENV_SWITCH_ALIAS]);
  if (primary !== null && alias !== null && primary !== alias) {
    const value = `${env[ENV_SWITCH]} / ${env[ENV_SWITCH_ALIAS]}`;
    throw envError(
      `${ENV_SWITCH}=${JSON.stringify(env[ENV_SWITCH])} and ${ENV_SWITCH_ALIAS}=${JSON.stringify(env[ENV_SWITCH_ALIAS])} disagree (set one of them, or both to the same)`,
      ENV_SWITCH,
      value,
    );
  }
  return primary ?? alias ?? true;
}

/** The kernel's default CFS period, when cpu.max gives only a quota or none is readable. */
export const DEFAULT_CFS_PERIOD_US = 100_000;

/**
 * cgroup v2 `cpu.max`: "QUOTA PERIOD" in microseconds, "max PERIOD" for no quota (quotaUs
 * null), a period left out being the kernel's default; null when the text is not cpu.max.
 */
export function parseCpuMax(text: string): { quotaUs: number | null; periodUs: number } | null {
  const fields = text.trim().split(/\s+/);
  if (fields.length < 1 || fields.length > 2 || fields[0] === '') return null;
  const quota = fields[0] === 'max' ? null : Number(fields[0]);
  const period = fields.length === 2 ? Number(fields[1]) : DEFAULT_CFS_PERIOD_US;
  if ((quota !== null && (!Number.isSafeInteger(quota) || quota <= 0)) || !Number.isSafeInteger(period) || period <= 0) return null;
  return { quotaUs: quota, periodUs: period };
}

/**
 * The CPUs a cgroup v2 `cpu.max` allows: ceil(quota / period) (a quota of 1.5 CPUs may keep 2
 * busy), or null when there is no quota or the text is not cpu.max.
 */
export function cpusFromCpuMax(text: string): number | null {
  const max = parseCpuMax(text);
  if (max === null || max.quotaUs === null) return null;
  return Math.max(1, Math.ceil(max.quotaUs / max.periodUs));
}

export type CpusSource = 'config' | 'cli' | 'cgroup' | 'os';

export interface HostProbe {
  /** the content of /sys/fs/cgroup/cpu.max, or null when there is none */
  cpuMax(): string | null;
  /** os.availableParallelism() */
  availableParallelism(): number;
}

/** n by precedence: CLI > config > cgroup v2 quota > os. `auto` (CLI or file) skips to detection. */
export function resolveCpus(
  cli: number | 'auto' | null,
  file: number | 'auto',
  host: HostProbe,
): { cpus: number; cpusSource: CpusSource } {
  if (typeof cli === 'number') return { cpus: cli, cpusSource: 'cli' };
  if (cli === null && typeof file === 'number') return { cpus: file, cpusSource: 'config' };
  const cpuMax = host.cpuMax();
  const fromCgroup = cpuMax === null ? null : cpusFromCpuMax(cpuMax);
  if (fromCgroup !== null) return { cpus: fromCgroup, cpusSource: 'cgroup' };
  return { cpus: Math.max(1, Math.floor(host.availableParallelism())), cpusSource: 'os' };
}
