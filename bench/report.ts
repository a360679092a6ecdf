// The control benchmark's section of docs/benchmarks.md, from its results.
import type { BenchFigures, CellResult } from '../src/sim/bench.js';
import { cellLabel } from '../src/sim/goals.js';
import type { Goal } from '../src/sim/goals.js';

export interface ReportMeta {
  command: string;
  date: string;
  machine: string;
  seed: number;
  /** wall-clock seconds of the run, and its worker processes */
  seconds: number;
  workers: number;
}

const f1 = (x: number): string => x.toFixed(1);
const f2 = (x: number): string => x.toFixed(2);
const f0 = (x: number): string => x.toFixed(0);

function row(f: BenchFigures, oracle: number, seconds: number, step: boolean): string {
  const rec = f.recoverySeconds.map((s) => (s === null ? 'never' : f0(s))).join(' / ');
  const steps = step ? ` ${rec} | ${f.overshoot === null ? '' : `${f0(f.overshoot * 100)} %`} |` : '';
  return `| ${f.contender} | ${f1(f.throughputPerSecond)} | ${f1((100 * f.throughputPerSecond) / oracle)} % | ${f.refused} | ${f0(f.waitP99Ms)} | ${f0(f.latencyP99Ms)} | ${f1(f.meanSize)} | ${f0(f.threadSeconds)} | ${f2(f.cpuSeconds / seconds)} | ${f2(f.runDelaySeconds / seconds)} | ${f.resizes} | ${f.reversals} (${f.quickReversals}) | ${f0(f.inBandShare * 100)} % |${steps}`;
}

const goalRows = (goals: readonly Goal[]): string[] => [
  '| scenario | goal | met | figures |',
  '|---|---|---|---|',
  ...goals.map((g) => `| ${g.scenario} | ${g.goal} | ${g.met ? 'met' : '**missed**'} | ${g.detail} |`),
];

export function renderReport(cells: readonly CellResult[], goals: readonly Goal[], peerGoals: readonly Goal[], meta: ReportMeta): string {
  const hosts = [...new Set(cells.map((c) => c.n))].sort((a, b) => a - b);
  const hostList = hosts.length > 1 ? `${hosts.slice(0, -1).join(', ')} and ${hosts[hosts.length - 1]}` : `${hosts[0] ?? ''}`;
  const lines: string[] = [
    '## Control quality (simulator)',
    '',
    `Made by \`${meta.command}\` on ${meta.date}, ${meta.machine}, base seed ${meta.seed}; ${meta.seconds} s with ${meta.workers}`,
    `worker processes. Every scenario runs on hosts of n = ${hostList} cores (arrival rates scaled by n / 8, except`,
    "`disk-bound`, whose limit is its disk); `bursty` runs over five seeds. Every contender in a table sees the same seeded",
    'arrivals and task sizes; the simulator and its constants are described in docs/design.md, "Simulator model".',
    'Every contender starts at the static size. `static` is the pinned `n * 2`; `oracle` is the best fixed size in',
    'hindsight: sizes within 0.5 % of the best throughput tie, and the tie goes to the fewest thread-seconds, then the',
    'lower p99 wait (the sizes are searched, not all run: see docs/design.md).',
    '',
    "Rows: every law with today's daemon (it reports `idle` as documented and its threads' CPU and run delay in its",
    "samples). `cheaper` is uWSGI's busyness algorithm with its own band (25-50 % busy); `cheaper (our band)` the same",
    'against [0.60, 0.85]. `pi (no-idle, process)`: a daemon that counts busy from taking a task to finishing it and',
    'sends no `idle`, the sidecar reading its threads\' CPU (`simulate --report no-idle --cpu process`); `pi (busy-idle,',
    'process)`: one that sends idle = 1 - busy/size; `... none`: the same daemons with no CPU source (`--cpu none`).',
    '',
    "Columns: throughput (completed tasks/s) and its share of the oracle's; refused tasks (the hand-off queue was full);",
    'queue wait p99 (ms, arrival to a worker taking the task); latency p99 (ms, arrival to completion); mean size',
    '(time-weighted configured size); thread-seconds (live threads, retiring ones included); CPU (mean cores the',
    "pool's threads used) and run delay (mean threads runnable but waiting for a core); resizes; direction reversals",
    '(of which within 30 s of the previous move); share of ticks with utilization in the band [0.60, 0.85]; for `step`',
    'and `disk-bound`, seconds from each load step to the first tick that starts three in-band ticks in a row, and the',
    "overshoot after the first step (peak size over the mean size of the phase's second half, minus one).",
    '',
    '### Goals of the measured-CPU work: pi under every reporting style (simulator goals)',
    '',
    ...goalRows(goals),
    '',
    '### Goals of `pi` against the peers (hpa, hill, cheaper, cheaper with our band) and the oracle',
    '',
    ...goalRows(peerGoals),
    '',
  ];
  for (const c of cells) {
    const oracle = c.contenders.find((f) => f.contender === 'oracle')?.throughputPerSecond || 1;
    const step = c.contenders.some((f) => f.recoverySeconds.length > 0);
    const seconds = c.minutes * 60;
    lines.push(
      `### ${cellLabel(c, cells)}`,
      '',
      `${c.description}; ${c.minutes} min, n = ${c.n}${c.deviceSlots === null ? '' : `, disk of ${c.deviceSlots} slots`}, static ${c.staticSize}, oracle size ${c.oracleSize} (${c.sweep.length} sizes run).`,
      '',
      `| contender | tasks/s | of oracle | refused | wait p99 ms | latency p99 ms | mean size | thread-s | CPU | run delay | resizes | reversals (<30 s) | in band |${step ? ' back in band s | overshoot |' : ''}`,
      `|---|---|---|---|---|---|---|---|---|---|---|---|---|${step ? '---|---|' : ''}`,
      ...c.contenders.map((f) => row(f, oracle, seconds, step)),
      '',
    );
  }
  return lines.join('\n');
}
