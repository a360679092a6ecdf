// The control benchmark's section of docs/benchmarks.md, from its results.
import type { BenchFigures, Goal, ScenarioResult } from '../src/sim/bench.js';

export interface ReportMeta {
  command: string;
  date: string;
  machine: string;
  seed: number;
}

const f1 = (x: number): string => x.toFixed(1);
const f0 = (x: number): string => x.toFixed(0);

function row(f: BenchFigures, oracle: number): string {
  const rec = f.recoverySeconds.length > 0 ? f.recoverySeconds.map((s) => (s === null ? 'never' : f0(s))).join(' / ') : '';
  const steps = rec === '' ? '' : ` ${rec} | ${f.overshoot === null ? '' : `${f0(f.overshoot * 100)} %`} |`;
  return `| ${f.contender} | ${f1(f.throughputPerSecond)} | ${f1((100 * f.throughputPerSecond) / oracle)} % | ${f.refused} | ${f1(f.waitP50Ms)} | ${f0(f.waitP99Ms)} | ${f1(f.meanSize)} | ${f0(f.threadSeconds)} | ${f.resizes} | ${f.reversals} (${f.quickReversals}) | ${f0(f.inBandShare * 100)} % |${steps}`;
}

const goalRows = (goals: readonly Goal[]): string[] => [
  '| scenario | goal | met | figures |',
  '|---|---|---|---|',
  ...goals.map((g) => `| ${g.scenario} | ${g.goal} | ${g.met ? 'yes' : '**no**'} | ${g.detail} |`),
];

export function renderReport(
  results: readonly ScenarioResult[],
  goals: readonly Goal[],
  meta: ReportMeta,
  peerGoals: readonly Goal[] = [],
): string {
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
    'the first tick that starts three in-band ticks in a row, and the overshoot after the first step (peak size over the',
    "mean size of the phase's second half, minus one). `cheaper` is uWSGI's busyness algorithm with its own band (25-50 %",
    'busy, its published default); `cheaper (our band)` is the same algorithm judged against [0.60, 0.85].',
    '',
    '### Goals of the `pi` law (simulator issue)',
    '',
    ...goalRows(goals),
    '',
    ...(peerGoals.length > 0
      ? ["### Goals of the `pi` law against the peers (peers issue; the peers are hpa, hill, cheaper and cheaper (our band))", '', ...goalRows(peerGoals), '']
      : []),
  ];
  for (const r of results) {
    const oracle = r.contenders.find((f) => f.contender === 'oracle')?.throughputPerSecond ?? 1;
    const step = r.contenders.some((f) => f.recoverySeconds.length > 0);
    lines.push(
      `### ${r.name}`,
      '',
      `${r.description}; ${r.minutes} min, n = ${r.n}, static ${r.staticSize}, oracle size ${r.oracleSize}.`,
      '',
      `| contender | tasks/s | of oracle | refused | wait p50 ms | wait p99 ms | mean size | thread-s | resizes | reversals (<30 s) | in band |${step ? ' back in band s | overshoot |' : ''}`,
      `|---|---|---|---|---|---|---|---|---|---|---|${step ? '---|---|' : ''}`,
      ...r.contenders.map((f) => row(f, oracle)),
      '',
    );
  }
  return lines.join('\n');
}
