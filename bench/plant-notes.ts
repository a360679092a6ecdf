// What the figures of the real-plant benchmark mean, written from a run's own numbers, so
// `npm run bench:plant` regenerates the whole docs section, notes included.
import { isPi, perCpu } from './plant-report.js';
import type { Goal } from './plant-report.js';
import type { RunResult } from './plant-run.js';

const f2 = (v: number): string => v.toFixed(2);
const cores = (r: RunResult): string => (r.otherCores === null ? 'unknown' : f2(r.otherCores));
const served = (r: RunResult): string => `${Math.round((100 * r.completed) / Math.max(1, r.offered))} %`;
const name = (r: RunResult): string => `\`${r.contender}\``;

/** What the law said over the run, most frequent first, and the class it ended on: why it sized as it did. */
function why(r: RunResult): string {
  const total = Object.values(r.reasons).reduce((a, b) => a + b, 0);
  const top = Object.entries(r.reasons)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([reason, count]) => `${reason} ${Math.round((100 * count) / Math.max(1, total))} %`);
  const cls = r.stateAtEnd === null ? '' : `; classified ${r.stateAtEnd.classification} at the end`;
  return `its ticks: ${top.join(', ')}${cls}`;
}

function ioNotes(results: readonly RunResult[], cpus: number): string[] {
  const io = results.filter((r) => r.workload === 'io-heavy');
  const s = io.find((r) => r.contender === 'static');
  const pis = io.filter(isPi);
  if (!s || pis.length === 0) return [];
  return [
    `**io-heavy.** The static ${s.meanThreads.toFixed(0)} threads complete ${served(s)} of the transfers offered in the window and refuse ${s.refused}.`,
    ...pis.map((r) => `${name(r)} runs ${f2(r.meanThreads)} threads on average (bounds end at ${cpus * 4}), completes ${served(r)} (${f2(r.throughput / s.throughput)}x static's throughput), its daemon using ${f2(r.daemonCores)} cores (${why(r)}).`),
    ...(io.some((r) => r.otherCores === null || r.otherCores > 0.25 * cpus)
      ? [
          `The rest of the machine took ${io.map((r) => `${cores(r)} (${r.contender})`).join(', ')} of the ${cpus} cores: each transfer's`,
          'hashing waited for a CPU, so even this workload was short of CPU, and its threads showed run delay.',
        ]
      : ['The threads wait on I/O, not computing, which is why more of them is the right answer here.']),
    '',
  ];
}

function cpuNotes(results: readonly RunResult[], goals: readonly Goal[], cpus: number): string[] {
  const cpu = results.filter((r) => r.workload === 'cpu-heavy');
  const s = cpu.find((r) => r.contender === 'static');
  const pis = cpu.filter(isPi);
  if (!s || pis.length === 0) return [];
  const busyBox = cpu.some((r) => r.otherCores === null || r.otherCores > 0.1);
  const lines = [`**cpu-heavy.** The rest of the machine took ${cpu.map((r) => `${cores(r)} (${r.contender})`).join(', ')} of the ${cpus} cores during these windows${busyBox ? ' (something else ran on the same box)' : ' (the machine was otherwise idle)'}.`];
  for (const r of pis) {
    const goal = goals.find((g) => g.workload === 'cpu-heavy' && g.contender === r.contender);
    const thr = r.throughput / s.throughput;
    const threads = r.meanThreads / s.meanThreads;
    const eff = perCpu(r) / perCpu(s);
    const missed = [thr < 1 ? `throughput ${thr.toFixed(3)}x static's (goal >= 1.00x)` : null, threads > 0.75 ? `mean threads ${f2(threads)}x static's (goal <= 0.75x)` : null].filter((m) => m !== null);
    lines.push(`${name(r)}: ${goal?.met === true ? 'met' : `missed on ${missed.join(' and ')}`}; ${f2(r.meanThreads)} threads on average, ${r.sizeAtEnd} at the end; per CPU-second it got, ${f2(eff)}x what static completed (${why(r)}).`);
  }
  const twin = pis.find((r) => Math.abs(r.meanThreads / s.meanThreads - 1) < 0.05);
  if (twin) lines.push(`${name(twin)} ran at static's size and got ${twin.throughput / s.throughput >= 1 ? '' : 'only '}${(twin.throughput / s.throughput).toFixed(3)}x its throughput: the run-to-run noise of this workload at equal size.`);
  if (busyBox) {
    lines.push(
      'Linux shares a contended CPU per runnable thread: a pool of fewer threads gets a smaller share of a machine that',
      'something else is using, so throughput here tracks `own cores`, not size; a fair comparison of CPU-bound',
      'throughput needs a machine left alone while it runs, which this one was not.',
    );
  }
  if (pis.some((r) => r.meanThreads / s.meanThreads > 0.75)) {
    lines.push(
      '`pi` starts at the static size and steps back (at most ceil(size/4) per shrink cooldown of 8 s) only once it has',
      'judged the pool CPU-bound; the mean over the window includes the time spent getting there.',
    );
  }
  lines.push('');
  return lines;
}

export function plantNotes(results: readonly RunResult[], goals: readonly Goal[], cpus: number): string[] {
  return [
    ...ioNotes(results, cpus),
    ...cpuNotes(results, goals, cpus),
    '**What each CPU figure counts.** `no-idle+process` and `no-idle+sample` count the transfer threads only;',
    '`busy-idle+pid` counts the whole daemon process (its main thread runs the load generator, the dispatch and the',
    'sidecar client, and Node.js runs helper threads), so its CPU per busy worker reads a little higher than the workers\'.',
    'The sidecar runs in the benchmark\'s own process, never in the daemon\'s.',
    '',
  ];
}
