// The control-quality benchmark as a function: every scenario, every contender (static n*2,
// each law the core knows by name, the oracle), one seed. bench/control.ts writes it out.
import { lawNames, staticSize } from '../core/index.js';
import { figuresOf } from './figures.js';
import type { Figures } from './figures.js';
import { sweepOracle } from './oracle.js';
import { runScenario } from './run.js';
import type { Contender } from './run.js';
import { SCENARIOS } from './scenarios.js';
import type { Scenario } from './scenarios.js';

export interface ScenarioResult {
  name: string;
  description: string;
  minutes: number;
  n: number;
  staticSize: number;
  oracleSize: number;
  /** throughput of each size the oracle swept, tasks/s */
  sweep: { size: number; throughputPerSecond: number; threadSeconds: number; waitP99Ms: number }[];
  /** static, then every law, then the oracle */
  contenders: Figures[];
}

export interface BenchOptions {
  seed: number;
  minutes?: number;
  scenarios?: readonly Scenario[];
  progress?: (line: string) => void;
}

export function runBench(options: BenchOptions): ScenarioResult[] {
  const out: ScenarioResult[] = [];
  const scenarios = options.scenarios ?? SCENARIOS;
  const runOptions = { seed: options.seed, ...(options.minutes !== undefined ? { minutes: options.minutes } : {}) };
  for (const [i, scenario] of scenarios.entries()) {
    const label = `[${i + 1}/${scenarios.length}] ${scenario.name}`;
    const fixed = staticSize('transfer', scenario.n);
    const contenders: Contender[] = [{ kind: 'static', size: fixed }, ...lawNames().map((law): Contender => ({ kind: 'law', law }))];
    const figures: Figures[] = [];
    for (const c of contenders) {
      options.progress?.(`${label}: ${c.kind === 'law' ? c.law : 'static'}`);
      const f = figuresOf(runScenario(scenario, c, runOptions));
      figures.push(c.kind === 'static' ? { ...f, contender: 'static' } : f);
    }
    const oracle = sweepOracle(scenario, runOptions, (size) => options.progress?.(`${label}: oracle sweep, size ${size}`));
    figures.push(oracle.figures);
    out.push({
      name: scenario.name,
      description: scenario.description,
      minutes: options.minutes ?? scenario.minutes,
      n: scenario.n,
      staticSize: fixed,
      oracleSize: oracle.size,
      sweep: oracle.sweep.map((p) => ({
        size: p.size,
        throughputPerSecond: p.figures.throughputPerSecond,
        threadSeconds: p.figures.threadSeconds,
        waitP99Ms: p.figures.waitP99Ms,
      })),
      contenders: figures,
    });
  }
  return out;
}

export interface Goal {
  scenario: string;
  goal: string;
  met: boolean;
  detail: string;
}

function find(r: ScenarioResult, name: string): Figures | undefined {
  return r.contenders.find((f) => f.contender === name);
}

const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;

/** The `pi` law's goals (docs/benchmarks.md), judged on the results. */
export function piGoals(results: readonly ScenarioResult[]): Goal[] {
  const goals: Goal[] = [];
  const by = (name: string): ScenarioResult | undefined => results.find((r) => r.name === name);
  const ofOracle = (r: ScenarioResult, name: string): number =>
    (find(r, name)?.throughputPerSecond ?? 0) / ((find(r, 'oracle')?.throughputPerSecond ?? 0) || 1);
  const io = by('io-bound');
  if (io) {
    const share = ofOracle(io, 'pi');
    goals.push({
      scenario: 'io-bound',
      goal: 'throughput >= 98 % of the oracle',
      met: share >= 0.98,
      detail: `pi ${pct(share)}, band ${pct(ofOracle(io, 'band'))}, static ${pct(ofOracle(io, 'static'))}`,
    });
  }
  const cpu = by('cpu-bound');
  const pi = cpu && find(cpu, 'pi');
  if (cpu && pi) {
    const share = ofOracle(cpu, 'pi');
    goals.push({
      scenario: 'cpu-bound',
      goal: `mean size <= 1.25 n (${1.25 * cpu.n}) and throughput >= 98 % of the oracle`,
      met: pi.meanSize <= 1.25 * cpu.n && share >= 0.98,
      detail: `pi mean size ${pi.meanSize.toFixed(1)}, ${pct(share)}; band mean size ${find(cpu, 'band')?.meanSize.toFixed(1)}, ${pct(ofOracle(cpu, 'band'))}`,
    });
  }
  const step = by('step');
  const stepPi = step && find(step, 'pi');
  if (stepPi) {
    const rec = stepPi.recoverySeconds;
    goals.push({
      scenario: 'step',
      goal: 'back in band within 20 s of each step',
      met: rec.every((s) => s !== null && s <= 20),
      detail: `pi ${rec.map((s) => (s === null ? 'never' : `${s} s`)).join(' / ')}; band ${(find(step, 'band')?.recoverySeconds ?? []).map((s) => (s === null ? 'never' : `${s} s`)).join(' / ')}`,
    });
  }
  const bursty = by('bursty');
  const bp = bursty && find(bursty, 'pi');
  const bb = bursty && find(bursty, 'band');
  const ba = bursty && find(bursty, 'aimd');
  if (bp && bb && ba) {
    goals.push({
      scenario: 'bursty',
      goal: 'fewer resizes and reversals than band and aimd, p99 wait no worse than band',
      met: bp.resizes < Math.min(bb.resizes, ba.resizes) && bp.reversals < Math.min(bb.reversals, ba.reversals) && bp.waitP99Ms <= bb.waitP99Ms,
      detail: `resizes pi ${bp.resizes} / band ${bb.resizes} / aimd ${ba.resizes}; reversals ${bp.reversals} / ${bb.reversals} / ${ba.reversals}; p99 wait ${bp.waitP99Ms.toFixed(0)} / ${bb.waitP99Ms.toFixed(0)} ms`,
    });
  }
  const quick = results.map((r) => ({ name: r.name, n: find(r, 'pi')?.quickReversals ?? 0 }));
  goals.push({
    scenario: 'all',
    goal: 'no reversal inside 30 s',
    met: quick.every((q) => q.n === 0),
    detail: quick.map((q) => `${q.name} ${q.n}`).join(', '),
  });
  return goals;
}
