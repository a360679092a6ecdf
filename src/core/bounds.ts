// Hard bounds and static sizes per pool kind, from the CPUs the daemon may use (docs/operator-guide.md).
import { clamp } from './math.js';
import type { Bounds, PoolKind } from './types.js';

/** Bounds of a pool kind on an `n`-CPU host: transfer max(2, n/2)..4n, buffer max(4, n/2)..min(64, 4n). */
export function poolBounds(kind: PoolKind, n: number): Bounds {
  const cpus = validCpus(n);
  const half = Math.floor(cpus / 2);
  if (kind === 'transfer') {
    const min = Math.max(2, half);
    return { min, max: Math.max(min, cpus * 4) };
  }
  const min = Math.max(4, half);
  return { min, max: Math.max(min, Math.min(64, cpus * 4)) };
}

/**
 * The bounds while the daemon runs at most `sizeLimit` workers (a limit it reports, e.g. uWSGI's
 * `processes`): the max narrows to it, never below the min; no limit, or one at or past the max,
 * leaves the hard bounds.
 */
export function limitedBounds(hard: Bounds, sizeLimit: number | null): Bounds {
  if (sizeLimit === null || sizeLimit >= hard.max) return hard;
  return { min: hard.min, max: Math.max(hard.min, sizeLimit) };
}

/** The size a pool has when adaptive sizing is off: the old `ncpu * 2` (buffer shards clamped to [4, 64]). */
export function staticSize(kind: PoolKind, n: number): number {
  const cpus = validCpus(n);
  if (kind === 'transfer') return cpus * 2;
  return clamp(cpus * 2, 4, 64);
}

/** The `pi` law's largest step when config leaves maxStep unset: max(1, ceil(size / 4)). */
export function defaultMaxStep(size: number): number {
  return Math.max(1, Math.ceil(size / 4));
}

function validCpus(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`cpus must be a whole number >= 1, got ${n}`);
  return n;
}
