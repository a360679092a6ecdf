// `adaptive-threads simulate`: one scenario in the simulator (virtual time), with one law, or
// with every law, static n*2 and the oracle side by side; as text or as JSON.
import { writeFile } from 'node:fs/promises';
import { lawNames, poolBounds, staticSize } from '../core/index.js';
import { ArgError, guarded, lawOf, oneOf, parseArgs, wholeNumber } from './args.js';
import type { CliIo } from './args.js';
import { figuresOf } from './figures.js';
import type { Figures } from './figures.js';
import { sweepOracle } from './oracle.js';
import { runScenario } from './run.js';
import type { Contender, RunOptions } from './run.js';
import { forCpus, getScenario, scenarioNames } from './scenarios.js';
import { CPU_SOURCES, DEFAULT_STYLE, REPORT_STYLES } from './style.js';
import type { DaemonStyle } from './style.js';
import { renderChart } from './svg.js';

/** The largest host simulated: a run's cost grows with n (the arrival rates scale with it). */
export const MAX_SIM_CPUS = 128;

const SIMULATE_USAGE = `usage: adaptive-threads simulate --scenario S [--law L] [--seed N] [--cpus N] [--minutes M]
       [--report documented|no-idle|busy-idle] [--cpu sample|process|none] [--device-slots K] [--json] [--out chart.svg]

Runs a scenario in the simulator (virtual time) and prints its figures: with --law, that law's
run; without, every law, static n*2 and the oracle (the best fixed size in hindsight) side by side.
  --scenario S        one of: ${scenarioNames().join(', ')}
  --law L             one of: ${lawNames().join(', ')}, or static (the pinned n*2 pool)
  --seed N            whole number, default 1 (the same seed gives the same run)
  --cpus N            cores of the simulated host, 1..${MAX_SIM_CPUS}, default 8 (arrival rates scale with
                      N / 8, except disk-bound's, whose limit is its disk)
  --minutes M         whole number of simulated minutes, default the scenario's (30)
  --report R          how the simulated daemon fills the sample's idle, default ${DEFAULT_STYLE.report}:
                        documented  share of worker time off-CPU (waiting for a task or in I/O)
                        no-idle     left out
                        busy-idle   1 - busy/size (a worker in I/O counted busy)
  --cpu C             the CPU source the sidecar has, default ${DEFAULT_STYLE.cpu}:
                        sample      the samples carry cumulative cpuSeconds and runDelaySeconds
                        process     the sidecar reads the daemon's threads at each tick
                        none        no CPU figure
  --device-slots K    requests the I/O phase's device serves at once (FIFO beyond them), whole
                      number >= 1 or unlimited; default the scenario's (disk-bound 4, else unlimited)
  --json              print {scenario, cpus, seed, contenders: [{name, throughput, ofOracle, refused,
                      waitP99Ms, latencyP99Ms, meanSize, threadSeconds, resizes, reversals}]}
  --out FILE          with --law: also draw size, target, utilization and the band as an SVG
`;

export function formatFigures(f: Figures): string {
  const rows: [string, string][] = [
    ['throughput', `${f.throughputPerSecond.toFixed(1)} tasks/s (${f.completed} completed)`],
    ['refused', `${f.refused}`],
    ['queue wait p50 / p99', `${f.waitP50Ms.toFixed(1)} / ${f.waitP99Ms.toFixed(0)} ms`],
    ['latency p99', `${f.latencyP99Ms.toFixed(0)} ms`],
    ['mean size', f.meanSize.toFixed(1)],
    ['thread-seconds', f.threadSeconds.toFixed(0)],
    ['CPU / run delay', `${f.cpuSeconds.toFixed(0)} / ${f.runDelaySeconds.toFixed(0)} s`],
    ['resizes', `${f.resizes}`],
    ['reversals', `${f.reversals} (${f.quickReversals} within 30 s)`],
    ['ticks in band', `${(f.inBandShare * 100).toFixed(0)} %`],
  ];
  if (f.recoverySeconds.length > 0) {
    rows.push(['back in band after steps', f.recoverySeconds.map((s) => (s === null ? 'never' : `${s} s`)).join(' / ')]);
  }
  return rows.map(([k, v]) => `  ${k.padEnd(26)}${v}`).join('\n');
}

/** One contender in `--json`. */
export interface JsonContender {
  name: string;
  throughput: number;
  ofOracle: number;
  refused: number;
  waitP99Ms: number;
  latencyP99Ms: number;
  meanSize: number;
  threadSeconds: number;
  resizes: number;
  reversals: number;
}

function jsonContender(name: string, f: Figures, oracle: Figures): JsonContender {
  return {
    name,
    throughput: f.throughputPerSecond,
    ofOracle: oracle.throughputPerSecond > 0 ? f.throughputPerSecond / oracle.throughputPerSecond : 0,
    refused: f.refused,
    waitP99Ms: f.waitP99Ms,
    latencyP99Ms: f.latencyP99Ms,
    meanSize: f.meanSize,
    threadSeconds: f.threadSeconds,
    resizes: f.resizes,
    reversals: f.reversals,
  };
}

function deviceSlotsOf(flags: Map<string, string>): number | undefined {
  const raw = flags.get('--device-slots');
  if (raw === 'unlimited') return Infinity;
  return wholeNumber(flags, '--device-slots', undefined, 1);
}

export async function runSimulate(argv: string[], io: CliIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(SIMULATE_USAGE);
    return 0;
  }
  return guarded(SIMULATE_USAGE, io, 'simulate', async () => {
    const known = ['--scenario', '--law', '--seed', '--cpus', '--minutes', '--report', '--cpu', '--device-slots', '--out'];
    const { flags, positional } = parseArgs(argv, known, ['--json']);
    if (positional.length > 0) throw new ArgError(`unexpected argument "${positional[0]}"`);
    const name = flags.get('--scenario');
    if (name === undefined) throw new ArgError(`--scenario is required (one of: ${scenarioNames().join(', ')})`);
    const base = getScenario(name);
    if (base === undefined) throw new ArgError(`unknown scenario "${name}" (one of: ${scenarioNames().join(', ')})`);
    const law = flags.has('--law') ? lawOf(flags.get('--law'), true) : null;
    const seed = wholeNumber(flags, '--seed', 1, 0) as number;
    const cpus = wholeNumber(flags, '--cpus', base.n, 1, MAX_SIM_CPUS) as number;
    const minutes = wholeNumber(flags, '--minutes', base.minutes, 1) as number;
    const style: DaemonStyle = { report: oneOf(flags, '--report', REPORT_STYLES, DEFAULT_STYLE.report), cpu: oneOf(flags, '--cpu', CPU_SOURCES, DEFAULT_STYLE.cpu) };
    const deviceSlots = deviceSlotsOf(flags);
    const json = flags.has('--json');
    const out = flags.get('--out');
    if (out !== undefined && law === null) throw new ArgError('--out draws one run: give --law too');
    const scenario = forCpus(base, cpus);
    const options: RunOptions = { seed, minutes, style, ...(deviceSlots !== undefined ? { deviceSlots } : {}) };
    const slots = deviceSlots ?? scenario.deviceSlots ?? Infinity;
    const header = `${scenario.name} (${scenario.description}), seed ${seed}, ${minutes} min, n = ${cpus}, report ${style.report}, cpu ${style.cpu}, device ${slots === Infinity ? 'unlimited' : `${slots} slots`}`;
    const fixed = staticSize('transfer', cpus);
    const contenders: [string, Contender][] =
      law === null
        ? [['static', { kind: 'static', size: fixed }], ...lawNames().map((l): [string, Contender] => [l, { kind: 'law', law: l }])]
        : [[law, law === 'static' ? { kind: 'static', size: fixed } : { kind: 'law', law }]];
    const runs = contenders.map(([n, c]) => ({ name: n, run: runScenario(scenario, c, options) }));
    const needOracle = json || law === null;
    const oracle = needOracle ? sweepOracle(scenario, options) : null;
    if (json) {
      const o = (oracle as NonNullable<typeof oracle>).figures;
      const rows = [...runs.map((r) => jsonContender(r.name, figuresOf(r.run), o)), jsonContender('oracle', o, o)];
      io.stdout(`${JSON.stringify({ scenario: scenario.name, cpus, seed, contenders: rows }, null, 2)}\n`);
    } else if (oracle === null) {
      io.stdout(`${header}, law ${law}\n${formatFigures(figuresOf((runs[0] as (typeof runs)[number]).run))}\n`);
    } else {
      io.stdout(`${header}; oracle size ${oracle.size}\n`);
      io.stdout(`  ${'contender'.padEnd(10)}${['tasks/s', 'of oracle', 'refused', 'wait p99', 'lat. p99', 'mean size', 'thread-s', 'resizes', 'reversals'].map((h) => h.padStart(10)).join('')}\n`);
      for (const [n, f] of [...runs.map((r) => [r.name, figuresOf(r.run)] as const), ['oracle', oracle.figures] as const]) {
        const cells = [f.throughputPerSecond.toFixed(1), `${((100 * f.throughputPerSecond) / (oracle.figures.throughputPerSecond || 1)).toFixed(1)} %`, `${f.refused}`, `${f.waitP99Ms.toFixed(0)} ms`, `${f.latencyP99Ms.toFixed(0)} ms`, f.meanSize.toFixed(1), f.threadSeconds.toFixed(0), `${f.resizes}`, `${f.reversals}`];
        io.stdout(`  ${n.padEnd(10)}${cells.map((c) => c.padStart(10)).join('')}\n`);
      }
    }
    if (out !== undefined && law !== null) {
      const run = (runs[0] as (typeof runs)[number]).run;
      const svg = renderChart(run.ticks, { title: `${scenario.name}: ${law} (seed ${seed})`, band: run.band, maxSize: poolBounds('transfer', cpus).max });
      await writeFile(out, svg);
      if (!json) io.stdout(`chart: ${out}\n`);
    }
    return 0;
  });
}
