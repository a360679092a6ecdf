// The benchmark's goals (docs/benchmarks.md), judged on its cells: the simulator goals of the
// measured-CPU work (pi under every reporting style) and the goals against the peers.
import type { BenchFigures, CellResult } from './bench.js';

export interface Goal {
  scenario: string;
  goal: string;
  met: boolean;
  detail: string;
}

/** The peers pi is compared with: each published algorithm, and cheaper with our band too. */
export const PEERS = ['hpa', 'hill', 'cheaper', 'cheaper (our band)'] as const;
/** pi with a CPU source under each reporting style: documented (the `pi` row), no-idle, busy-idle. */
export const STYLED_PI = ['pi', 'pi (no-idle, process)', 'pi (busy-idle, process)'] as const;
/** pi with no CPU source. */
export const BLIND_PI = ['pi (no-idle, none)', 'pi (busy-idle, none)'] as const;
/** "Never below" and "at least" allow this share for Poisson noise; throughputs this close tie. */
export const THROUGHPUT_SLACK = 0.003;
export const THROUGHPUT_TIE = 0.005;

export function find(cell: CellResult, name: string): BenchFigures | undefined {
  return cell.contenders.find((f) => f.contender === name);
}

const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
const seeded = (cells: readonly CellResult[], name: string): boolean => cells.filter((c) => c.scenario === name && c.n === cells[0]?.n).length > 1;

export function cellLabel(cell: CellResult, cells: readonly CellResult[] = []): string {
  return `${cell.scenario} n=${cell.n}${seeded(cells, cell.scenario) || cell.seed !== 1 ? ` seed ${cell.seed}` : ''}`;
}

/** What the oracle made: the contender's throughput over the oracle's. */
export function ofOracle(cell: CellResult, name: string): number {
  return (find(cell, name)?.throughputPerSecond ?? 0) / (find(cell, 'oracle')?.throughputPerSecond || 1);
}

/** A goal judged cell by cell: `check` returns null when met, else the miss's figures. */
function everyCell(
  cells: readonly CellResult[],
  scenario: string,
  goal: string,
  check: (c: CellResult) => string | null,
  summary?: string,
): Goal[] {
  if (cells.length === 0) return [];
  const misses = cells.map((c) => [c, check(c)] as const).filter((x): x is readonly [CellResult, string] => x[1] !== null);
  const listed = misses.slice(0, 6).map(([c, why]) => `${cellLabel(c, cells)}: ${why}`);
  const more = misses.length > 6 ? `; +${misses.length - 6} more` : '';
  const head = `${cells.length - misses.length} of ${cells.length} cells met${summary ? ` (${summary})` : ''}`;
  return [{ scenario, goal, met: misses.length === 0, detail: misses.length === 0 ? head : `${head}; missed: ${listed.join('; ')}${more}` }];
}

function worstShare(cells: readonly CellResult[], name: string): string {
  const worst = cells.reduce<CellResult | null>((w, c) => (w === null || ofOracle(c, name) < ofOracle(w, name) ? c : w), null);
  return worst === null ? 'no cells' : `worst ${pct(ofOracle(worst, name))} of the oracle, ${cellLabel(worst, cells)}`;
}

function belowStatic(c: CellResult, name: string): string | null {
  const f = find(c, name);
  const s = find(c, 'static');
  if (!f || !s) return 'not run';
  return f.throughputPerSecond >= (1 - THROUGHPUT_SLACK) * s.throughputPerSecond
    ? null
    : `${f.throughputPerSecond.toFixed(1)} vs static ${s.throughputPerSecond.toFixed(1)} tasks/s`;
}

/** The measured-CPU issue's simulator goals: pi under every reporting style, and with no CPU source. */
export function simulatorGoals(cells: readonly CellResult[]): Goal[] {
  const goals: Goal[] = [];
  const cpuBound = cells.filter((c) => c.scenario === 'cpu-bound');
  for (const name of STYLED_PI) {
    goals.push(
      ...everyCell(cells, 'all', `${name}: throughput >= 98 % of the oracle`, (c) => (ofOracle(c, name) >= 0.98 ? null : pct(ofOracle(c, name))), worstShare(cells, name)),
      ...everyCell(cells, 'all', `${name}: never below static's throughput (within 0.3 %)`, (c) => belowStatic(c, name)),
      ...everyCell(cpuBound, 'cpu-bound', `${name}: mean size <= 1.25 n`, (c) => {
        const size = find(c, name)?.meanSize ?? Infinity;
        return size <= 1.25 * c.n ? null : `${size.toFixed(1)} > ${1.25 * c.n}`;
      }, cpuBound.map((c) => `n=${c.n} ${find(c, name)?.meanSize.toFixed(1)}`).join(', ')),
    );
  }
  for (const name of BLIND_PI) {
    goals.push(
      ...everyCell(cells, 'all', `${name}: never below static's throughput (within 0.3 %)`, (c) => belowStatic(c, name)),
      ...everyCell(cpuBound, 'cpu-bound', `${name}: mean size <= static's`, (c) => {
        const size = find(c, name)?.meanSize ?? Infinity;
        return size <= c.staticSize ? null : `${size.toFixed(1)} > ${c.staticSize}`;
      }, cpuBound.map((c) => `n=${c.n} ${find(c, name)?.meanSize.toFixed(1)} vs ${c.staticSize}`).join(', ')),
    );
  }
  return goals;
}

const peersOf = (c: CellResult): BenchFigures[] => PEERS.map((p) => find(c, p)).filter((f): f is BenchFigures => f !== undefined);

/** The peers issue's goals for `pi` (today's daemon), judged on every cell. */
export function peerGoals(cells: readonly CellResult[]): Goal[] {
  const goals: Goal[] = [];
  const pi = (c: CellResult): BenchFigures | undefined => find(c, 'pi');
  goals.push(
    ...everyCell(cells, 'all', 'pi >= 98 % of the oracle', (c) => (ofOracle(c, 'pi') >= 0.98 ? null : pct(ofOracle(c, 'pi'))), worstShare(cells, 'pi')),
    ...everyCell(cells, 'all', "pi's throughput at least every peer's (within 0.3 %)", (c) => {
      const p = pi(c);
      const ahead = peersOf(c).filter((f) => p && f.throughputPerSecond * (1 - THROUGHPUT_SLACK) > p.throughputPerSecond);
      return ahead.length === 0 ? null : ahead.map((f) => `${f.contender} ${f.throughputPerSecond.toFixed(1)} vs ${p?.throughputPerSecond.toFixed(1)}`).join(', ');
    }),
    ...everyCell(cells, 'all', "where throughputs tie (within 0.5 %): pi's thread-seconds <= every peer's and <= 1.15x the oracle's", (c) => {
      const p = pi(c);
      const o = find(c, 'oracle');
      if (!p || !o) return 'not run';
      const ties = (f: BenchFigures): boolean => Math.abs(f.throughputPerSecond - p.throughputPerSecond) <= THROUGHPUT_TIE * f.throughputPerSecond;
      const why = peersOf(c)
        .filter((f) => ties(f) && p.threadSeconds > f.threadSeconds)
        .map((f) => `${f.contender} ${f.threadSeconds.toFixed(0)}`);
      if (ties(o) && p.threadSeconds > 1.15 * o.threadSeconds) why.push(`oracle x1.15 ${(1.15 * o.threadSeconds).toFixed(0)}`);
      return why.length === 0 ? null : `pi ${p.threadSeconds.toFixed(0)} thread-s vs ${why.join(', ')}`;
    }),
  );
  const disk = cells.filter((c) => c.scenario === 'disk-bound');
  goals.push(
    ...everyCell(disk, 'disk-bound', "mean size <= 1.25x the oracle's, p99 latency <= static's", (c) => {
      const p = pi(c);
      const o = find(c, 'oracle');
      const s = find(c, 'static');
      if (!p || !o || !s) return 'not run';
      return p.meanSize <= 1.25 * o.meanSize && p.latencyP99Ms <= s.latencyP99Ms
        ? null
        : `size ${p.meanSize.toFixed(1)} vs oracle ${o.meanSize.toFixed(1)}, p99 latency ${p.latencyP99Ms.toFixed(0)} vs static ${s.latencyP99Ms.toFixed(0)} ms`;
    }),
  );
  const step = cells.filter((c) => c.scenario === 'step');
  goals.push(
    ...everyCell(step, 'step', "back in band within 10 s of the step up; thread-seconds <= 1.1x the oracle's", (c) => {
      const p = pi(c);
      const o = find(c, 'oracle');
      if (!p || !o) return 'not run';
      const up = p.recoverySeconds[0] ?? null;
      return up !== null && up <= 10 && p.threadSeconds <= 1.1 * o.threadSeconds
        ? null
        : `back in band ${up === null ? 'never' : `${up} s`}, thread-s ${p.threadSeconds.toFixed(0)} vs oracle ${o.threadSeconds.toFixed(0)}`;
    }),
  );
  const bursty = cells.filter((c) => c.scenario === 'bursty');
  goals.push(
    ...everyCell(bursty, 'bursty', "p99 wait <= every peer's, resizes <= hpa's", (c) => {
      const p = pi(c);
      const h = find(c, 'hpa');
      if (!p || !h) return 'not run';
      const lower = peersOf(c).filter((f) => f.waitP99Ms < p.waitP99Ms);
      return lower.length === 0 && p.resizes <= h.resizes
        ? null
        : `p99 wait pi ${p.waitP99Ms.toFixed(0)} ms vs ${lower.map((f) => `${f.contender} ${f.waitP99Ms.toFixed(0)}`).join(', ') || 'none lower'}; resizes ${p.resizes} vs hpa ${h.resizes}`;
    }),
    ...everyCell(cells, 'all', 'no reversal within 30 s unless the offered load rose by >= 25 % in between', (c) => {
      const n = pi(c)?.unexcusedReversals ?? 0;
      return n === 0 ? null : `${n}`;
    }),
  );
  return goals;
}
