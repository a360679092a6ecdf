// How much CPU the rest of the machine took during a measured window: the real plant shares
// the machine, and a test suite running next to it takes cores from a CPU-bound pool. Read
// from /proc/stat (Linux; elsewhere the figure is left out) minus this process's own CPU.
import { readFileSync } from 'node:fs';

/** USER_HZ: /proc/stat counts in 1/100 s on every Linux that Node.js supports. */
const TICKS_PER_SECOND = 100;

export interface CpuMark {
  atMs: number;
  busyTicks: number | null;
  own: NodeJS.CpuUsage;
}

function busyTicks(): number | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: everything but idle and iowait is busy.
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
    return user + nice + system + irq + softirq + steal;
  } catch {
    return null;
  }
}

export function markCpu(): CpuMark {
  return { atMs: Date.now(), busyTicks: busyTicks(), own: process.cpuUsage() };
}

/** Cores used by this process, and by everything else, between two marks. */
export function cpuBetween(a: CpuMark, b: CpuMark): { ownCores: number; otherCores: number | null } {
  const seconds = Math.max(0.001, (b.atMs - a.atMs) / 1000);
  const ownSeconds = (b.own.user - a.own.user + b.own.system - a.own.system) / 1e6;
  const ownCores = ownSeconds / seconds;
  if (a.busyTicks === null || b.busyTicks === null) return { ownCores, otherCores: null };
  const allCores = (b.busyTicks - a.busyTicks) / TICKS_PER_SECOND / seconds;
  return { ownCores, otherCores: Math.max(0, allCores - ownCores) };
}
