// What the host tells us at start-up: the OC_ADAPTIVE_THREADS switch (SPEC §4) and n, the
// CPUs the daemon may use (SPEC §2). Both take their inputs as arguments so tests inject them.

export const ENV_SWITCH = 'OC_ADAPTIVE_THREADS';

/**
 * SPEC §4: `0` disables adaptive sizing, `1` or unset enables it, anything else warns
 * (naming the value) and enables it: a typo must not silently switch the controller off.
 */
export function readEnvSwitch(env: Readonly<Record<string, string | undefined>>, warn: (msg: string) => void): boolean {
  const value = env[ENV_SWITCH];
  if (value === undefined || value === '1') return true;
  if (value === '0') return false;
  warn(`${ENV_SWITCH}=${value} is not 0 or 1; adaptive sizing stays enabled`);
  return true;
}

/** The kernel's default CFS period when cpu.max gives only a quota. */
const DEFAULT_CFS_PERIOD_US = 100000;

/**
 * cgroup v2 `cpu.max` is "QUOTA PERIOD" in microseconds, or "max PERIOD" for no quota.
 * Returns ceil(quota / period) (a quota of 1.5 CPUs may keep 2 busy), or null when there is
 * no quota or the text is not cpu.max.
 */
export function cpusFromCpuMax(text: string): number | null {
  const fields = text.trim().split(/\s+/);
  if (fields.length < 1 || fields.length > 2 || fields[0] === 'max') return null;
  const quota = Number(fields[0]);
  const period = fields.length === 2 ? Number(fields[1]) : DEFAULT_CFS_PERIOD_US;
  if (!Number.isSafeInteger(quota) || !Number.isSafeInteger(period) || quota <= 0 || period <= 0) return null;
  return Math.max(1, Math.ceil(quota / period));
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
