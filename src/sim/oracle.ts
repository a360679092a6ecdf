// The oracle: the best fixed size in hindsight. Every size in the pool's bounds is run as a
// pinned pool on the same seeded load; the best is the one with the most throughput, where
// sizes within ORACLE_TIE of the best throughput tie and the tie goes to the fewest
// thread-seconds, then the lower p99 queue wait. (Without the tie, the oracle would be the
// largest size that wins by a rounding error; with it, it is the smallest pool that serves
// what the largest serves.)
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

/** Runs every size in [min, max] of the scenario's pool (`onSize` reports progress). */
export function sweepOracle(scenario: Scenario, options: RunOptions, onSize?: (size: number) => void): Oracle {
  const { min, max } = poolBounds('transfer', scenario.n);
  const sweep: SweepPoint[] = [];
  for (let size = min; size <= max; size += 1) {
    onSize?.(size);
    sweep.push({ size, figures: figuresOf(runScenario(scenario, { kind: 'static', size }, options)) });
  }
  return pickOracle(sweep);
}
