// The control-quality benchmark as a function: every scenario, every contender (static n*2,
// each law the core knows by name, `cheaper` once more with our band, the oracle), one seed.
// bench/control.ts writes it out.
import { lawNames, staticSize } from '../core/index.js';
import type { ControllerParams } from '../core/index.js';
import { figuresOf } from './figures.js';
import type { Figures } from './figures.js';
import { sweepOracle } from './oracle.js';
import { runScenario } from './run.js';
import type { Contender, RunResult } from './run.js';
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
  /** static, then every law, then the extra rows (EXTRA_CONTENDERS), then the oracle */
  contenders: BenchFigures[];
}

/** A run's figures, plus the overshoot after the first load step (scenarios with steps). */
export interface BenchFigures extends Figures {
  /** (peak size - settled size) / settled size over the first step's phase; null without steps */
  overshoot: number | null;
}

/**
 * Contenders beyond one row per law: uWSGI's `cheaper` judges busyness against its own band
 * (25-50 %) by default, which keeps a pool about twice as large as ours would; the peers issue
 * asks for it with our band too, so the table shows both (`cheaper` is its own band).
 */
export const EXTRA_CONTENDERS: readonly { name: string; contender: Contender; params: Partial<Omit<ControllerParams, 'law'>> }[] = [
  { name: 'cheaper (our band)', contender: { kind: 'law', law: 'cheaper' }, params: { cheaperOwnBand: false } },
];

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
    const figures: BenchFigures[] = [];
    for (const c of contenders) {
      options.progress?.(`${label}: ${c.kind === 'law' ? c.law : 'static'}`);
      figures.push(benchFigures(runScenario(scenario, c, runOptions), c.kind === 'static' ? 'static' : undefined));
    }
    for (const extra of EXTRA_CONTENDERS) {
      options.progress?.(`${label}: ${extra.name}`);
      figures.push(benchFigures(runScenario(scenario, extra.contender, { ...runOptions, params: extra.params }), extra.name));
    }
    const oracle = sweepOracle(scenario, runOptions, (size) => options.progress?.(`${label}: oracle sweep, size ${size}`));
    figures.push({ ...oracle.figures, overshoot: null });
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

/** The peers pi is compared with: each published algorithm, and cheaper with our band too. */
export const PEERS = ['hpa', 'hill', 'cheaper', 'cheaper (our band)'] as const;

const secondsOf = (rec: (number | null)[]): string => rec.map((s) => (s === null ? 'never' : `${s} s`)).join(' / ');
/** A step never recovered from counts as later than any that did. */
const sooner = (a: number | null, b: number | null): boolean => a !== null && (b === null || a < b);

/** The peers issue's goals for `pi` (docs/benchmarks.md), judged on the results. */
export function peerGoals(results: readonly ScenarioResult[]): Goal[] {
  const goals: Goal[] = [];
  const by = (name: string): ScenarioResult | undefined => results.find((r) => r.name === name);
  const peersOf = (r: ScenarioResult): Figures[] => PEERS.map((p) => find(r, p)).filter((f): f is Figures => f !== undefined);
  for (const name of ['io-bound', 'mixed']) {
    const r = by(name);
    const pi = r && find(r, 'pi');
    const hill = r && find(r, 'hill');
    if (!r || !pi || !hill) continue;
    const best = peersOf(r).reduce((a, b) => (b.completed > a.completed ? b : a));
    goals.push({
      scenario: name,
      goal: "throughput at least the best peer's, fewer thread-seconds than hill",
      met: pi.completed >= best.completed && pi.threadSeconds < hill.threadSeconds,
      detail: `tasks/s pi ${pi.throughputPerSecond.toFixed(1)} vs ${best.contender} ${best.throughputPerSecond.toFixed(1)} (${pi.completed - best.completed} tasks); thread-s pi ${pi.threadSeconds.toFixed(0)} vs hill ${hill.threadSeconds.toFixed(0)}`,
    });
  }
  const cpu = by('cpu-bound');
  const cpuPi = cpu && find(cpu, 'pi');
  const oracle = cpu && find(cpu, 'oracle');
  if (cpu && cpuPi && oracle) {
    const smallest = peersOf(cpu).reduce((a, b) => (b.meanSize < a.meanSize ? b : a));
    const share = cpuPi.throughputPerSecond / (oracle.throughputPerSecond || 1);
    goals.push({
      scenario: 'cpu-bound',
      goal: "mean size below every peer's, throughput >= 98 % of the oracle",
      met: cpuPi.meanSize < smallest.meanSize && share >= 0.98,
      detail: `mean size pi ${cpuPi.meanSize.toFixed(2)} vs ${smallest.contender} ${smallest.meanSize.toFixed(2)}; pi ${pct(share)} of the oracle`,
    });
  }
  const step = by('step');
  const stepPi = step && (find(step, 'pi') as BenchFigures | undefined);
  const stepHill = step && (find(step, 'hill') as BenchFigures | undefined);
  if (step && stepPi && stepHill) {
    const rivals = ['hpa', 'cheaper', 'cheaper (our band)'].map((p) => find(step, p)).filter((f): f is Figures => f !== undefined);
    const faster = rivals.every((f) => stepPi.recoverySeconds.every((s, i) => sooner(s, f.recoverySeconds[i] ?? null)));
    const overshoot = (f: BenchFigures): string => (f.overshoot === null ? 'n/a' : pct(f.overshoot));
    goals.push({
      scenario: 'step',
      goal: 'back in band sooner than hpa and cheaper, no more overshoot than hill',
      met: faster && (stepPi.overshoot ?? 0) <= (stepHill.overshoot ?? 0),
      detail: `back in band pi ${secondsOf(stepPi.recoverySeconds)}; ${rivals.map((f) => `${f.contender} ${secondsOf(f.recoverySeconds)}`).join('; ')}; overshoot pi ${overshoot(stepPi)}, hill ${overshoot(stepHill)}`,
    });
  }
  const bursty = by('bursty');
  const bp = bursty && find(bursty, 'pi');
  const bh = bursty && find(bursty, 'hpa');
  if (bursty && bp && bh) {
    const peers = peersOf(bursty);
    goals.push({
      scenario: 'bursty',
      goal: 'fewer resizes and reversals than every peer, p99 wait no worse than hpa',
      met: peers.every((f) => bp.resizes < f.resizes && bp.reversals < f.reversals) && bp.waitP99Ms <= bh.waitP99Ms,
      detail: `resizes pi ${bp.resizes} / ${peers.map((f) => `${f.contender} ${f.resizes}`).join(' / ')}; reversals pi ${bp.reversals} / ${peers.map((f) => `${f.contender} ${f.reversals}`).join(' / ')}; p99 wait pi ${bp.waitP99Ms.toFixed(0)} / hpa ${bh.waitP99Ms.toFixed(0)} ms`,
    });
  }
  return goals;
}
