// The real-plant benchmark: `npm run bench:plant` (tsx bench/plant.ts [--warmup-seconds W]
// [--measure-seconds M] [--cpus N] [--seed S] [--only NAME,...]). The demo daemon with real
// work, in a process of its own, under the sidecar: the static n*2 pool, the `band` law, and
// `pi` under each way a daemon reports, in one run, on an I/O-heavy and a CPU-heavy workload. Progress goes to stderr, the table to stdout; writes
// bench/results/plant.json and its section of docs/benchmarks.md (between its markers).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { calibrateMsPerRound } from '../src/demo/calibrate.js';
import { DEMO_TIMING } from '../src/demo/config.js';
import { cpuCapacity, cpuTask, CPU_TASK_CPU_MS, ioCapacityAtMax, ioTask, IO_TASK_CPU_MS, IO_TASK_IO_MS } from '../src/demo/phases.js';
import { plantNotes } from './plant-notes.js';
import { markdownSection, plantGoals, spliceSection, textTable } from './plant-report.js';
import { runContender } from './plant-run.js';
import type { Contender, RunResult, Workload } from './plant-run.js';
import { checkFlags, wholeNumberArg } from './common.js';

/**
 * The static n*2 baseline, the reference `band` law, and `pi` under each way a daemon reports:
 * idle as documented (I/O counted as idle) with no CPU figure (the demo's default); no idle, the
 * sidecar reading the daemon's transfer threads in /proc through the pool's `process` config;
 * idle = 1 - busy/size with the daemon's pid in each sample (the sidecar reads every thread of
 * that process); no idle, the daemon sending its workers' cpuSeconds and runDelaySeconds.
 */
const CONTENDERS = (n: number): Contender[] => [
  { name: 'static', law: 'pi', pin: 2 * n, report: 'documented', cpu: 'none' },
  { name: 'band', law: 'band', pin: null, report: 'documented', cpu: 'none' },
  { name: 'pi documented', law: 'pi', pin: null, report: 'documented', cpu: 'none' },
  { name: 'pi no-idle+process', law: 'pi', pin: null, report: 'no-idle', cpu: 'process' },
  { name: 'pi busy-idle+pid', law: 'pi', pin: null, report: 'busy-idle', cpu: 'pid' },
  { name: 'pi no-idle+sample', law: 'pi', pin: null, report: 'no-idle', cpu: 'sample' },
];

const USAGE = `usage: npm run bench:plant -- [--warmup-seconds W] [--measure-seconds M] [--cpus N] [--seed S] [--only C,...]
       npm run bench:plant -- --report-only

The demo daemon doing real work under the sidecar: static n*2, band and pi under each way a daemon
reports, on an I/O-heavy and a CPU-heavy workload.
  --warmup-seconds W   warm-up before each measured window (default 10)
  --measure-seconds M  the measured window (default 30)
  --cpus N             n (default: the CPUs here)
  --seed S             the load's seed (default 1)
  --only C,...         only these contenders, by name (a quick look)
  --report-only        rewrite the docs section from bench/results/plant.json, running nothing
Writes bench/results/plant.json and its section of docs/benchmarks.md.
`;
checkFlags('bench:plant', USAGE, { values: ['--warmup-seconds', '--measure-seconds', '--cpus', '--seed', '--only'], switches: ['--report-only'] });

const arg = (name: string, fallback: number): number => wholeNumberArg('bench:plant', name, fallback, 1);

const n = arg('--cpus', os.availableParallelism());
const warmupMs = arg('--warmup-seconds', 10) * 1000;
const measureMs = arg('--measure-seconds', 30) * 1000;
const seed = arg('--seed', 1);
// --only "static,pi no-idle+process": a subset of the contenders (a quick look; not for the committed run)
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt < 0 ? null : (process.argv[onlyAt + 1] ?? '').split(',').map((s) => s.trim());
const started = Date.now();
const progress = (line: string): void => void process.stderr.write(`${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s  ${line}\n`);

interface PlantRecord {
  command: string;
  date: string;
  machine: string;
  n: number;
  timing: string;
  warmupMs: number;
  measureMs: number;
  workloads: Workload[];
  results: RunResult[];
}

/** Prints the table and goals, writes plant.json (unless re-reporting it) and the docs section. */
function publish(r: PlantRecord, writeJson: boolean, extra: Record<string, unknown>): void {
  const goals = plantGoals(r.results);
  const windows = `Each contender runs ${r.warmupMs / 1000} s of warm-up (the pool starts at the static size, as a restarted daemon would) then ${r.measureMs / 1000} s measured.`;
  const meta = { command: r.command, date: r.date, machine: r.machine, n: r.n, timing: r.timing, windows };
  process.stdout.write(`${textTable(r.results)}\n\n`);
  for (const g of goals) process.stdout.write(`${g.met ? 'met   ' : 'MISSED'} ${g.workload}: ${g.goal}: ${g.detail}\n`);
  if (writeJson) {
    mkdirSync('bench/results', { recursive: true });
    writeFileSync(RESULTS, `${JSON.stringify({ ...r, ...extra, goals }, null, 2)}\n`);
  }
  const docPath = 'docs/benchmarks.md';
  const doc = existsSync(docPath) ? readFileSync(docPath, 'utf8') : '';
  writeFileSync(docPath, spliceSection(doc, markdownSection(r.results, goals, r.workloads, meta, plantNotes(r.results, goals, r.n))));
  process.stderr.write(`bench:plant: wrote ${writeJson ? `${RESULTS} and ` : ''}the bench:plant section of ${docPath}\n`);
}

const RESULTS = 'bench/results/plant.json';
if (process.argv.includes('--report-only')) {
  // Re-renders the docs section from the last run's figures (after editing the notes or the report).
  publish(JSON.parse(readFileSync(RESULTS, 'utf8')) as PlantRecord, false, {});
} else {
  await measureAndPublish();
}

async function measureAndPublish(): Promise<void> {
  const msPerRound = calibrateMsPerRound();
  const sizing = { n, msPerRound };
  const ioRate = Math.round(0.9 * ioCapacityAtMax(n));
  const cpuRate = Math.round(1.5 * cpuCapacity(n));
  const workloads: Workload[] = [
    {
      name: 'io-heavy',
      description: `${ioRate} transfers/s offered (90 % of what the largest pool, ${4 * n} threads, can serve; ${(ioRate / (2 * n * (1000 / (IO_TASK_CPU_MS + IO_TASK_IO_MS)))).toFixed(2)}x what the static ${2 * n} can), each ${IO_TASK_CPU_MS} ms of hashing then ${IO_TASK_IO_MS} ms blocked`,
      task: ioTask(sizing),
      ratePerSecond: ioRate,
    },
    {
      name: 'cpu-heavy',
      description: `${cpuRate} transfers/s offered (1.5x what ${n} cores can hash), each ${CPU_TASK_CPU_MS} ms of hashing, no I/O`,
      task: cpuTask(sizing),
      ratePerSecond: cpuRate,
    },
  ];
  const contenders: Contender[] = CONTENDERS(n).filter((c) => only === null || only.includes(c.name));

  progress(`n=${n}, hashing ${msPerRound.toFixed(4)} ms per 64 KiB round; ${workloads.length * contenders.length} runs of ${(warmupMs + measureMs) / 1000} s`);
  const results: RunResult[] = [];
  for (const w of workloads) {
    for (const c of contenders) {
      progress(`${w.name} / ${c.name}: warm-up ${warmupMs / 1000} s, then ${measureMs / 1000} s measured`);
      const r = await runContender(c, w, { n, warmupMs, measureMs, seed });
      results.push(r);
      const other = r.otherCores === null ? '' : `; the rest of the machine used ${r.otherCores.toFixed(2)} cores`;
      progress(`  ${r.throughput.toFixed(1)} tasks/s, p99 ${r.p99Ms.toFixed(0)} ms, mean threads ${r.meanThreads.toFixed(2)}, refused ${r.refused}, ${r.resizes} resizes, daemon ${r.daemonCores.toFixed(2)} cores${other}`);
    }
  }

  const cpus = os.cpus();
  const revision = (() => {
    try {
      return execFileSync('git', ['describe', '--always', '--dirty'], { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  })();
  const machine = `${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), Node.js ${process.version}, code at ${revision}`;
  const date = new Date().toISOString().slice(0, 10);
  const command = `npm run bench:plant${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const timing = `periodMs ${DEMO_TIMING.periodMs}, growCooldownMs ${DEMO_TIMING.growCooldownMs}, shrinkCooldownMs ${DEMO_TIMING.shrinkCooldownMs}`;
  publish({ command, date, machine, n, timing, warmupMs, measureMs, workloads, results }, true, { msPerRound, seed });
  progress('done');
}
