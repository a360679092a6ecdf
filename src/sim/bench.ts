// The control-quality benchmark as functions: the cells (every scenario at n = 2, 8 and 32,
// bursty over five seeds) and, per cell, every contender: static n*2, each law the core knows
// by name, `cheaper` once more with our band, `pi` under each other reporting style and CPU
// source, and the oracle. bench/control.ts runs the cells (in worker processes) and writes
// them out; src/sim/goals.ts judges them.
import { lawNames, staticSize } from '../core/index.js';
import type { ControllerParams } from '../core/index.js';
import { figuresOf } from './figures.js';
import type { Figures } from './figures.js';
import { sweepOracle } from './oracle.js';
import { runScenario } from './run.js';
import type { Contender, RunOptions, RunResult } from './run.js';
import { SCENARIOS, forCpus, getScenario } from './scenarios.js';
import type { DaemonStyle } from './style.js';

/** The hosts every scenario runs on. */
export const BENCH_CPUS = [2, 8, 32] as const;
/** Scenarios run over several seeds (the first seed and the next ones). */
export const SEEDED_SCENARIOS: Record<string, number> = { bursty: 5 };

/** One table of the benchmark. */
export interface Cell {
  scenario: string;
  n: number;
  seed: number;
}

export interface CellResult extends Cell {
  name: string;
  description: string;
  minutes: number;
  /** the device's slots, null: unlimited */
  deviceSlots: number | null;
  staticSize: number;
  oracleSize: number;
  /** every size the oracle ran */
  sweep: { size: number; throughputPerSecond: number; threadSeconds: number; waitP99Ms: number }[];
  /** static, every law, EXTRA_CONTENDERS, the oracle */
  contenders: BenchFigures[];
}

/** A run's figures, plus the overshoot after the first load step (scenarios with steps). */
export interface BenchFigures extends Figures {
  /** (peak size - settled size) / settled size over the first step's phase; null without steps */
  overshoot: number | null;
}

interface Extra {
  name: string;
  contender: Contender;
  params?: Partial<Omit<ControllerParams, 'law'>>;
  style?: DaemonStyle;
}

/**
 * Rows beyond one per law (which run with today's daemon: idle as documented, CPU in the
 * samples). uWSGI's `cheaper` judges busyness against its own band (25-50 %) by default; the
 * table shows it with our band too. `pi` runs again with a daemon that counts busy the usual
 * way and sends no idle, and one that sends idle = 1 - busy/size, each with the CPU read from
 * its threads (`process`) and with no CPU source at all (`none`).
 */
export const EXTRA_CONTENDERS: readonly Extra[] = [
  { name: 'cheaper (our band)', contender: { kind: 'law', law: 'cheaper' }, params: { cheaperOwnBand: false } },
  { name: 'pi (no-idle, process)', contender: { kind: 'law', law: 'pi' }, style: { report: 'no-idle', cpu: 'process' } },
  { name: 'pi (busy-idle, process)', contender: { kind: 'law', law: 'pi' }, style: { report: 'busy-idle', cpu: 'process' } },
  { name: 'pi (no-idle, none)', contender: { kind: 'law', law: 'pi' }, style: { report: 'no-idle', cpu: 'none' } },
  { name: 'pi (busy-idle, none)', contender: { kind: 'law', law: 'pi' }, style: { report: 'busy-idle', cpu: 'none' } },
];

/** The cells of one benchmark run: every scenario at every n, seeded scenarios over their seeds. */
export function benchCells(seed: number, scenarios: readonly string[] = SCENARIOS.map((s) => s.name), cpus: readonly number[] = BENCH_CPUS): Cell[] {
  const out: Cell[] = [];
  for (const scenario of scenarios) {
    for (const n of cpus) {
      for (let k = 0; k < (SEEDED_SCENARIOS[scenario] ?? 1); k += 1) out.push({ scenario, n, seed: seed + k });
    }
  }
  return out;
}

/**
 * Overshoot after the first load step: the peak configured size between the first and the
 * second step (or the run's end) over the time-weighted mean size of that phase's second half
 * (where the pool has settled), minus one; 0 when the peak is the settled size.
 */
export function overshootOf(run: RunResult): number | null {
  const from = run.stepsMs[0];
  if (from === undefined) return null;
  const to = run.stepsMs[1] ?? run.durationMs;
  const phase = run.ticks.filter((r) => r.t > from && r.t <= to);
  const settledTicks = phase.filter((r) => r.t > (from + to) / 2);
  if (phase.length === 0 || settledTicks.length === 0) return null;
  const peak = Math.max(...phase.map((r) => r.target));
  const settled = settledTicks.reduce((sum, r) => sum + r.target, 0) / settledTicks.length;
  return Math.max(0, peak / settled - 1);
}

function benchFigures(run: RunResult, contender?: string): BenchFigures {
  const f = figuresOf(run);
  return { ...f, ...(contender !== undefined ? { contender } : {}), overshoot: overshootOf(run) };
}

export interface CellOptions {
  minutes?: number;
  progress?: (line: string) => void;
}

/** Runs one cell: every contender and the oracle on the same seeded load. */
export function runCell(cell: Cell, options: CellOptions = {}): CellResult {
  const base = getScenario(cell.scenario);
  if (base === undefined) throw new Error(`unknown scenario "${cell.scenario}"`);
  const scenario = forCpus(base, cell.n);
  const label = `${cell.scenario} n=${cell.n} seed ${cell.seed}`;
  const runOptions: RunOptions = { seed: cell.seed, ...(options.minutes !== undefined ? { minutes: options.minutes } : {}) };
  const fixed = staticSize('transfer', scenario.n);
  const contenders: Contender[] = [{ kind: 'static', size: fixed }, ...lawNames().map((law): Contender => ({ kind: 'law', law }))];
  const figures: BenchFigures[] = [];
  for (const c of contenders) {
    options.progress?.(`${label}: ${c.kind === 'law' ? c.law : 'static'}`);
    figures.push(benchFigures(runScenario(scenario, c, runOptions), c.kind === 'static' ? 'static' : undefined));
  }
  for (const extra of EXTRA_CONTENDERS) {
    options.progress?.(`${label}: ${extra.name}`);
    const run = runScenario(scenario, extra.contender, {
      ...runOptions,
      ...(extra.params ? { params: extra.params } : {}),
      ...(extra.style ? { style: extra.style } : {}),
    });
    figures.push(benchFigures(run, extra.name));
  }
  options.progress?.(`${label}: oracle`);
  const oracle = sweepOracle(scenario, runOptions);
  figures.push({ ...oracle.figures, overshoot: null });
  return {
    ...cell,
    name: scenario.name,
    description: scenario.description,
    minutes: options.minutes ?? scenario.minutes,
    deviceSlots: scenario.deviceSlots ?? null,
    staticSize: fixed,
    oracleSize: oracle.size,
    sweep: oracle.sweep.map((p) => ({
      size: p.size,
      throughputPerSecond: p.figures.throughputPerSecond,
      threadSeconds: p.figures.threadSeconds,
      waitP99Ms: p.figures.waitP99Ms,
    })),
    contenders: figures,
  };
}
