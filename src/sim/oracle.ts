// The oracle: the best fixed size in hindsight. Every size in the pool's bounds is run as a
// pinned pool on the same seeded load; the best is the one with the most throughput, where
// sizes within ORACLE_TIE of the best throughput tie and the tie goes to the fewest
// thread-seconds, then the lower p99 queue wait. (Without the tie, the oracle would be the
// largest size that wins by a rounding error; with it, it is the smallest pool that serves
// what the largest serves.)
//
// A pool's throughput rises with its size up to a plateau (and falls slowly beyond the cores
// on all-CPU work), so the sizes need not all be run: the search runs every `stride`-th size,
// then every size around the best of those, then every size below the smallest that ties,
// until no new size could change the pick. `stride` 1 runs every size.
import { poolBounds } from '../core/index.js';
import { figuresOf } from './figures.js';
import type { Figures } from './figures.js';
import { runScenario } from './run.js';
import type { RunOptions } from './run.js';
import type { Scenario } from './scenarios.js';

/** Throughputs within this share of the best tie. */
export const ORACLE_TIE = 0.005;

export interface SweepPoint {
  size: number;
  figures: Figures;
}

export interface Oracle {
  size: number;
  figures: Figures;
  sweep: SweepPoint[];
}

/** Whether `a` is at least as good as `b` given the sweep's best throughput. */
export function atLeastAsGood(a: Figures, b: Figures, bestThroughput: number): boolean {
  const floor = (1 - ORACLE_TIE) * bestThroughput;
  const aTies = a.throughputPerSecond >= floor;
  const bTies = b.throughputPerSecond >= floor;
  if (aTies !== bTies) return aTies;
  if (!aTies) return a.throughputPerSecond >= b.throughputPerSecond;
  if (a.threadSeconds !== b.threadSeconds) return a.threadSeconds < b.threadSeconds;
  return a.waitP99Ms <= b.waitP99Ms;
}

export function pickOracle(sweep: readonly SweepPoint[]): Oracle {
  if (sweep.length === 0) throw new Error('the oracle needs at least one size');
  const best = Math.max(...sweep.map((p) => p.figures.throughputPerSecond));
  let pick = sweep[0] as SweepPoint;
  for (const p of sweep) if (!atLeastAsGood(pick.figures, p.figures, best)) pick = p;
  return { size: pick.size, figures: { ...pick.figures, contender: 'oracle' }, sweep: [...sweep] };
}

/** The search's default stride for a pool of `sizes` sizes: about sqrt(sizes / 2) (3 x 3 runs at n = 8, ~36 at n = 32). */
export function oracleStride(sizes: number): number {
  return Math.max(1, Math.round(Math.sqrt(sizes / 2)));
}

/**
 * Searches the sizes in [min, max] of the scenario's pool as described above (`onSize`
 * reports each size run); the oracle's `sweep` is every size that was run, in order.
 */
export function sweepOracle(
  scenario: Scenario,
  options: RunOptions,
  onSize?: (size: number) => void,
  stride: number = oracleStride(poolBounds('transfer', scenario.n).max - poolBounds('transfer', scenario.n).min + 1),
): Oracle {
  const { min, max } = poolBounds('transfer', scenario.n);
  const runs = new Map<number, Figures>();
  const run = (size: number): void => {
    if (size < min || size > max || runs.has(size)) return;
    onSize?.(size);
    runs.set(size, figuresOf(runScenario(scenario, { kind: 'static', size }, options)));
  };
  for (let size = min; size < max; size += stride) run(size);
  run(max);
  for (let before = -1; before !== runs.size; ) {
    before = runs.size;
    const points = [...runs.entries()].sort((a, b) => a[0] - b[0]);
    const best = points.reduce((a, b) => (b[1].throughputPerSecond > a[1].throughputPerSecond ? b : a));
    for (let d = 1; d < stride; d += 1) {
      run(best[0] - d);
      run(best[0] + d);
    }
    const floor = (1 - ORACLE_TIE) * Math.max(...[...runs.values()].map((f) => f.throughputPerSecond));
    const first = points.findIndex(([, f]) => f.throughputPerSecond >= floor);
    const below = first > 0 ? (points[first - 1] as [number, Figures])[0] : min - 1;
    for (let size = below + 1; first >= 0 && size < (points[first] as [number, Figures])[0]; size += 1) run(size);
  }
  const sweep = [...runs.entries()].sort((a, b) => a[0] - b[0]).map(([size, figures]) => ({ size, figures }));
  return pickOracle(sweep);
}
