// The daemon's cgroup CPU figures: throttling (the CFS quota held the cgroup's tasks back) and
// CPU pressure (PSI: time some task waited for a CPU), each optional. Unreadable means absent,
// never an error: a container may mount no cgroup file system, hide PSI, or run a kernel
// without them.
import { DEFAULT_CFS_PERIOD_US, parseCpuMax } from '../config/host.js';
import { type FileReader, parseCount, tryReadFile } from './files.js';

/** One cumulative figure and the file it came from (the file is its identity across readings). */
export interface CgroupFigure {
  path: string;
  seconds: number;
}

export interface CgroupFigures {
  throttled: CgroupFigure | null;
  pressure: CgroupFigure | null;
}

/** The lines of /proc/PID/cgroup that matter: the v2 path and the v1 `cpu` hierarchy. */
export interface CgroupMembership {
  /** the path in the unified (v2) hierarchy, from the `0::/path` line */
  v2Path: string | null;
  /** the v1 hierarchy whose controllers include `cpu` (e.g. `4:cpu,cpuacct:/path`) */
  v1Cpu: { controllers: string[]; path: string } | null;
}

/** Parses /proc/PID/cgroup ("hierarchy-id:controllers:path" per line). */
export function parseCgroupMembership(text: string): CgroupMembership {
  let v2Path: string | null = null;
  let v1Cpu: CgroupMembership['v1Cpu'] = null;
  for (const line of text.split('\n')) {
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    const id = line.slice(0, first);
    const controllers = line.slice(first + 1, second);
    const path = line.slice(second + 1).trim();
    if (!path.startsWith('/')) continue;
    if (id === '0' && controllers === '') v2Path = path;
    else if (v1Cpu === null && controllers.split(',').includes('cpu')) v1Cpu = { controllers: controllers.split(','), path };
  }
  return { v2Path, v1Cpu };
}

/** The number after `key ` on its own line of a flat keyed file (cpu.stat), or null. */
export function parseKeyedValue(text: string, key: string): number | null {
  for (const line of text.split('\n')) {
    const [name, value, extra] = line.trim().split(/\s+/);
    if (name === key && value !== undefined && extra === undefined) return parseCount(value);
  }
  return null;
}

/** `total=` of the `some` line of a PSI file (cpu.pressure, /proc/pressure/cpu), in microseconds, or null. */
export function parsePsiSomeTotalUs(text: string): number | null {
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields[0] !== 'some') continue;
    const total = fields.find((f) => f.startsWith('total='));
    return total === undefined ? null : parseCount(total.slice('total='.length));
  }
  return null;
}


function join(root: string, cgroupPath: string): string {
  const base = root.endsWith('/') ? root.slice(0, -1) : root;
  return cgroupPath === '/' ? base : base + cgroupPath;
}

/**
 * The directories where the pid's cgroup may be mounted. v2: the root itself, or `unified/`
 * on a hybrid host (v1 controllers plus a v2 tree at /sys/fs/cgroup/unified). v1: the
 * hierarchy named by its controllers, then the usual names (`cpu,cpuacct`, `cpu`).
 */
function candidateDirs(membership: CgroupMembership, cgroupRoot: string): { v2: string[]; v1: string[] } {
  const v2 = membership.v2Path === null ? [] : [join(cgroupRoot, membership.v2Path), join(`${cgroupRoot}/unified`, membership.v2Path)];
  const v1Cpu = membership.v1Cpu;
  const v1 =
    v1Cpu === null
      ? []
      : [...new Set([v1Cpu.controllers.join(','), 'cpu,cpuacct', 'cpu'])].map((name) => join(`${cgroupRoot}/${name}`, v1Cpu.path));
  return { v2, v1 };
}

function firstFigure(files: FileReader, paths: string[], parse: (text: string) => number | null, perSecond: number): CgroupFigure | null {
  for (const path of paths) {
    const text = tryReadFile(files, path);
    const value = text === null ? null : parse(text);
    if (value !== null) return { path, seconds: value / perSecond };
  }
  return null;
}

/**
 * The wall time the cgroup's quota held it back, in seconds: its throttled CFS periods
 * (`nr_throttled`) times the period's length. Not `throttled_usec` (v1: `throttled_time`): the
 * kernel adds to that for each CPU's run queue it throttled, so on a cgroup spread over 16 CPUs
 * a second of throttling reads up to 16; periods are the cgroup's own, so the share stays in [0, 1].
 */
function throttledFigure(files: FileReader, dir: string, periodFile: 'cpu.max' | 'cpu.cfs_period_us'): CgroupFigure | null {
  const path = `${dir}/cpu.stat`;
  const text = tryReadFile(files, path);
  const periods = text === null ? null : parseKeyedValue(text, 'nr_throttled');
  if (periods === null) return null;
  const periodText = tryReadFile(files, `${dir}/${periodFile}`);
  const periodUs = periodText === null ? null : periodFile === 'cpu.max' ? (parseCpuMax(periodText)?.periodUs ?? null) : parseCount(periodText.trim());
  return { path, seconds: (periods * (periodUs !== null && periodUs > 0 ? periodUs : DEFAULT_CFS_PERIOD_US)) / 1e6 };
}

/**
 * Throttling and CPU pressure of `pid`'s cgroup. Throttling: the time of its throttled CFS
 * periods (v2 cpu.stat and cpu.max, else v1 cpu.stat and cpu.cfs_period_us). Pressure: the
 * cgroup's cpu.pressure `some total` (us), else the host's /proc/pressure/cpu. Each null when
 * nothing readable says it.
 */
export function readCgroupFigures(files: FileReader, pid: number, procRoot: string, cgroupRoot: string): CgroupFigures {
  const text = tryReadFile(files, `${procRoot}/${pid}/cgroup`);
  const dirs = text === null ? { v2: [], v1: [] } : candidateDirs(parseCgroupMembership(text), cgroupRoot);
  let throttled: CgroupFigure | null = null;
  for (const [dir, periodFile] of [...dirs.v2.map((d) => [d, 'cpu.max'] as const), ...dirs.v1.map((d) => [d, 'cpu.cfs_period_us'] as const)]) {
    throttled = throttledFigure(files, dir, periodFile);
    if (throttled !== null) break;
  }
  const pressure = firstFigure(files, [...dirs.v2.map((d) => `${d}/cpu.pressure`), `${procRoot}/pressure/cpu`], parsePsiSomeTotalUs, 1e6);
  return { throttled, pressure };
}
