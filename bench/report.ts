// The control benchmark's section of docs/benchmarks.md, from its results.
import type { Goal, ScenarioResult } from '../src/sim/bench.js';
import type { Figures } from '../src/sim/figures.js';

export interface ReportMeta {
  command: string;
  date: string;
  machine: string;
  seed: number;
}

const f1 = (x: number): string => x.toFixed(1);
const f0 = (x: number): string => x.toFixed(0);

function row(f: Figures, oracle: number): string {
  const rec = f.recoverySeconds.length > 0 ? f.recoverySeconds.map((s) => (s === null ? 'never' : f0(s))).join(' / ') : '';
  return `| ${f.contender} | ${f1(f.throughputPerSecond)} | ${f1((100 * f.throughputPerSecond) / oracle)} % | ${f.refused} | ${f1(f.waitP50Ms)} | ${f0(f.waitP99Ms)} | ${f1(f.meanSize)} | ${f0(f.threadSeconds)} | ${f.resizes} | ${f.reversals} (${f.quickReversals}) | ${f0(f.inBandShare * 100)} % |${rec === '' ? '' : ` ${rec} |`}`;
}

export function renderReport(results: readonly ScenarioResult[], goals: readonly Goal[], meta: ReportMeta): string {
  const lines: string[] = [
    '## Control quality (simulator)',
    '',
    `Made by \`${meta.command}\` on ${meta.date}, ${meta.machine}, seed ${meta.seed}. Every contender sees the same`,
    'seeded arrivals and task sizes; the simulator and its constants are described in docs/design.md, "Simulator model".',
    'Every contender starts at the static size. `static` is the pinned `n * 2`; `oracle` is the best fixed size in',
    'hindsight: every size in the bounds is run pinned, sizes within 0.5 % of the best throughput tie, and the tie goes',
    'to the fewest thread-seconds, then the lower p99 wait.',
    '',
    'Columns: throughput (completed tasks/s) and its share of the oracle\'s; refused tasks (the hand-off queue was full);',
    'queue wait p50/p99 (ms, from arrival to a worker taking the task); mean size (time-weighted configured size);',
    'thread-seconds (live threads, retiring ones included); resizes; direction reversals (of which within 30 s of the',
    'previous move); share of ticks with utilization in the band [0.60, 0.85]; for `step`, seconds from each load step to',
    'the first tick that starts three in-band ticks in a row.',
    '',
    '### Goals of the `pi` law',
    '',
    '| scenario | goal | met | figures |',
    '|---|---|---|---|',
    ...goals.map((g) => `| ${g.scenario} | ${g.goal} | ${g.met ? 'yes' : '**no**'} | ${g.detail} |`),
    '',
  ];
  for (const r of results) {
    const oracle = r.contenders.find((f) => f.contender === 'oracle')?.throughputPerSecond ?? 1;
    const step = r.contenders.some((f) => f.recoverySeconds.length > 0);
    lines.push(
      `### ${r.name}`,
      '',
      `${r.description}; ${r.minutes} min, n = ${r.n}, static ${r.staticSize}, oracle size ${r.oracleSize}.`,
      '',
      `| contender | tasks/s | of oracle | refused | wait p50 ms | wait p99 ms | mean size | thread-s | resizes | reversals (<30 s) | in band |${step ? ' back in band s |' : ''}`,
      `|---|---|---|---|---|---|---|---|---|---|---|${step ? '---|' : ''}`,
      ...r.contenders.map((f) => row(f, oracle)),
      '',
    );
  }
  return lines.join('\n');
}
