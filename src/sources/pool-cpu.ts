// The `process` CPU source of each pool: at each tick, the CPU of the daemon's threads read
// from /proc, when the pool's config names the process (pid or pidFile, and a pattern on
// thread names) or its samples carry the daemon's `pid`. A pool whose samples carry
// cpuSeconds needs no reading (the sample source comes first), so none is taken.
import type { PoolConfig } from '../config/index.js';
import type { CpuReading, Sample } from '../core/index.js';
import type { FileReader } from './files.js';
import { createCpuReader, resolvePid } from './proc-cpu.js';
import type { CpuReaderDeps } from './proc-cpu.js';

/** Reads one pool's CPU for a tick from that tick's samples; null when there is nothing to read. */
export type PoolCpuSource = (samples: readonly Sample[]) => CpuReading | null;

export function createPoolCpuSource(pool: Pick<PoolConfig, 'process'>, deps: CpuReaderDeps): PoolCpuSource {
  const reader = createCpuReader(deps);
  const threads = pool.process?.threads === undefined || pool.process.threads === null ? null : new RegExp(pool.process.threads);
  let samplePid: number | null = null;
  return (samples) => {
    const last = samples[samples.length - 1];
    if (last?.cpuSeconds !== undefined) return null;
    for (const s of samples) if (s.pid !== undefined) samplePid = s.pid;
    const pid = pool.process !== null && pool.process !== undefined ? resolvePid(pool.process, deps.files) : samplePid;
    return pid === null ? null : reader.read([pid], threads);
  };
}

/** A CPU source per pool, by name, for the engine. */
export function poolCpuSources(pools: readonly Pick<PoolConfig, 'name' | 'process'>[], files: FileReader, now: () => number): Map<string, PoolCpuSource> {
  return new Map(pools.map((p) => [p.name, createPoolCpuSource(p, { files, now })]));
}
