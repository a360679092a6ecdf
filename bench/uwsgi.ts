// `npm run bench:uwsgi`: the sidecar driving a real uWSGI against uWSGI's own process models
// (static n*2 and its busyness, spare and backlog cheaper algorithms) on three workloads, each
// contender several times in rounds, medians reported. Its flags are in USAGE below (--help).
// Progress goes to stderr, the table to stdout.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { aggregate, markdownSection, spliceSection, textTable, uwsgiGoals } from './uwsgi-report.js';
import { runContender } from './uwsgi-run.js';
import type { Contender, RunResult, Workload } from './uwsgi-run.js';
import { APP } from './uwsgi-server.js';
import { checkFlags, wholeNumberArg } from './common.js';

const USAGE = `usage: npm run bench:uwsgi -- [--quick] [--seconds S] [--runs R] [--seed N] [--cpus N]
                           [--workloads W,...] [--contenders C,...]

The sidecar (pi, band) driving a real uWSGI against uWSGI's static n*2 and its busyness, spare and
backlog cheaper algorithms, on the io-heavy, cpu-heavy and bursty workloads.
  --seconds S  the load's length for each run (default 40)
  --runs R     runs of each contender, in rounds with seeds N, N+1, ...; medians reported (default 3)
  --seed N     the first round's arrival seed (default 1)
  --cpus N     n: static is n*2 workers; cheaper = max(2, n/2), processes = n*4 (default: the CPUs here)
  --quick      one round of 6 s, nothing written (a smoke run)
  --workloads W,...    only these of io-heavy, cpu-heavy, bursty (a trial: nothing written)
  --contenders C,...   only these of static, busyness, spare, backlog, pi, band (a trial: nothing written)
Needs Debian's uwsgi-core and uwsgi-plugin-python3. Writes bench/results/uwsgi.json and its section of
docs/benchmarks.md. BENCH_SIDECAR_LOG=debug prints the sidecar's decisions and FIFO commands.
`;
checkFlags('bench:uwsgi', USAGE, { values: ['--seconds', '--runs', '--seed', '--cpus', '--workloads', '--contenders'], switches: ['--quick'] });

const arg = (name: string, fallback: number): number => wholeNumberArg('bench:uwsgi', name, fallback, 1);

const quick = process.argv.includes('--quick');
const n = arg('--cpus', os.availableParallelism());
const seconds = arg('--seconds', quick ? 6 : 40);
const runs = arg('--runs', quick ? 1 : 3);
const seed = arg('--seed', 1);
const TIMEOUT_MS = 5000;
const started = Date.now();
const progress = (line: string): void => void process.stderr.write(`${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s  ${line}\n`);

// The issue's workloads, measured on 2 CPUs: 150/s of 4 MiB + 40 ms, 120/s of 20 ms of hashing.
const allWorkloads: Workload[] = [
  { name: 'io-heavy', cpuMs: 5, waitMs: 40, phases: [{ ms: 1000, perSecond: 150 }], description: '150 requests/s, each 5 ms of hashing then a 40 ms wait (about 7 busy workers needed, 0.75 CPUs of hashing).' },
  { name: 'cpu-heavy', cpuMs: 20, waitMs: 0, phases: [{ ms: 1000, perSecond: 120 }], description: '120 requests/s of 20 ms of hashing and no wait: 2.4 CPUs of demand, more than the machine has; more workers cannot help.' },
  { name: 'bursty', cpuMs: 5, waitMs: 40, phases: [{ ms: 8000, perSecond: 40 }, { ms: 4000, perSecond: 200 }], description: 'the io-heavy request at 40/s for 8 s then 200/s for 4 s, repeated.' },
];

const max = n * 4;
const min = Math.max(2, Math.floor(n / 2));
const cheaper = (algo: 'busyness' | 'spare' | 'backlog' | 'manual') => ({ kind: 'cheaper' as const, algo, processes: max, cheaper: min, initial: n * 2 });
const allContenders: Contender[] = [
  { name: 'static', model: { kind: 'static', processes: n * 2 } },
  { name: 'busyness', model: cheaper('busyness') },
  { name: 'spare', model: cheaper('spare') },
  { name: 'backlog', model: cheaper('backlog') },
  { name: 'pi', model: cheaper('manual'), law: 'pi' },
  { name: 'band', model: cheaper('manual'), law: 'band' },
];

/** The named subset of a --workloads or --contenders list (all without the flag); a name not offered is an error. */
function only<T extends { name: string }>(flag: string, all: T[]): T[] {
  const i = process.argv.indexOf(flag);
  if (i < 0) return all;
  const names = (process.argv[i + 1] ?? '').split(',').filter((x) => x !== '');
  const unknown = names.filter((x) => !all.some((t) => t.name === x));
  if (names.length === 0 || unknown.length > 0) {
    process.stderr.write(`bench:uwsgi: ${flag} ${names.length === 0 ? 'needs a comma-separated list' : `does not know ${unknown.map((x) => `"${x}"`).join(', ')}`} (allowed: ${all.map((t) => t.name).join(', ')})\n`);
    process.exit(2);
  }
  return all.filter((t) => names.includes(t.name));
}
const workloads = only('--workloads', allWorkloads);
const contenders = only('--contenders', allContenders);
const partial = workloads.length < allWorkloads.length || contenders.length < allContenders.length;

const probe = spawnSync('uwsgi', ['--plugin', 'python3', '--plugin', 'cheaper_busyness', '--version'], { encoding: 'utf8' });
if (probe.error !== undefined || probe.status !== 0) {
  process.stderr.write("bench:uwsgi needs uWSGI with its python3 and cheaper_busyness plugins (Debian: apt-get install uwsgi-core uwsgi-plugin-python3)\n");
  process.exit(2);
}

const msPerMiB = Number(execFileSync('python3', [APP], { encoding: 'utf8' }).trim());
const bytesPerMs = (1024 * 1024) / msPerMiB;
progress(`calibrated: ${msPerMiB.toFixed(3)} ms of CPU per MiB hashed`);

// Rounds, not one contender's runs back to back: a change in the machine's other load then
// falls on every contender alike.
const results: RunResult[] = [];
const total = runs * workloads.length * contenders.length;
progress(`${total} runs of ${seconds} s (${runs} round${runs === 1 ? '' : 's'}): about ${Math.ceil((total * (seconds + 8)) / 60)} min`);
for (let round = 0; round < runs; round += 1) {
  for (const w of workloads) {
    for (const c of contenders) {
      progress(`[${results.length + 1}/${total}] round ${round + 1}, ${w.name} / ${c.name}: ${seconds} s`);
      const r = await runContender(w, c, { n, durationMs: seconds * 1000, bytesPerMs, timeoutMs: TIMEOUT_MS, seed: seed + round });
      progress(`  ${r.throughput.toFixed(1)}/s served, ${r.failed} failed, p99 ${r.p99Ms.toFixed(0)} ms, ${r.meanWorkers.toFixed(2)} workers, load ${r.load1}`);
      if (r.loadNice === null && !results.some((x) => x.loadNice === null)) progress('  the load generator keeps the bench\'s priority (a higher one needs root or CAP_SYS_NICE): more worker processes take CPU from it');
      results.push(r);
    }
  }
}

const medians = aggregate(results);
const goals = uwsgiGoals(medians, ['pi', 'band']);
process.stdout.write(`${textTable(medians)}\n\n`);
for (const g of goals) process.stdout.write(`${g.met ? 'met   ' : 'MISSED'}  ${g.workload} ${g.contender}: ${g.goal}: ${g.detail}\n`);

if (partial && !quick) progress('a trial of some workloads or contenders: nothing written');
if (!quick && !partial) {
  const meta = {
    command: `npm run bench:uwsgi${process.argv.slice(2).length > 0 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    machine: `${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${os.availableParallelism()} CPUs, Node ${process.version}, uWSGI ${probe.stdout.trim().split('\n').at(-1) ?? '?'}`,
    n,
    seconds,
    runs,
    seed,
    msPerMiB,
    timeoutMs: TIMEOUT_MS,
  };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/uwsgi.json', import.meta.url), `${JSON.stringify({ ...meta, workloads, medians, goals, results }, null, 2)}\n`);
  const docPath = new URL('../docs/benchmarks.md', import.meta.url);
  writeFileSync(docPath, spliceSection(readFileSync(docPath, 'utf8'), markdownSection(medians, goals, workloads, meta)));
  progress('wrote bench/results/uwsgi.json and docs/benchmarks.md');
}
