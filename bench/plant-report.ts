// The real-plant benchmark's goals, its table, and its section of docs/benchmarks.md.
import type { RunResult, Workload } from './plant-run.js';
import { spliceMarked } from './common.js';

export const PLANT_START = '<!-- bench:plant:start -->';
export const PLANT_END = '<!-- bench:plant:end -->';

export interface Goal {
  workload: Workload['name'];
  contender: string;
  goal: string;
  met: boolean;
  detail: string;
}

export interface Meta {
  command: string;
  date: string;
  machine: string;
  n: number;
  timing: string;
  windows: string;
}

function find(results: readonly RunResult[], workload: string, contender: string): RunResult | undefined {
  return results.find((r) => r.workload === workload && r.contender === contender);
}

const x = (v: number): string => `${v.toFixed(2)}x`;

/** Completed transfers per CPU-second this process used: what a contended machine does not change. */
export const perCpu = (r: RunResult): number => r.throughput / Math.max(0.01, r.ownCores);

/** Every `pi` contender: it runs under one of the daemon's reporting styles. */
export const isPi = (r: RunResult): boolean => r.contender === 'pi' || r.contender.startsWith('pi ');

/**
 * The goals, for every `pi` contender: I/O-heavy >= 1.5x static's throughput; CPU-heavy >=
 * static's throughput with <= 0.75x its mean threads. They bind a style with a CPU source;
 * one without (`cpu: none`) is judged by the same figures, marked as such.
 */
export function plantGoals(results: readonly RunResult[]): Goal[] {
  const goals: Goal[] = [];
  for (const r of results.filter(isPi)) {
    const s = find(results, r.workload, 'static');
    if (!s) continue;
    const ratio = r.throughput / s.throughput;
    const bare = r.cpu === 'none' ? ' (no CPU source: not bound by the goal)' : '';
    if (r.workload === 'io-heavy') {
      goals.push({ workload: r.workload, contender: r.contender, goal: `throughput >= 1.5x static${bare}`, met: ratio >= 1.5, detail: `${x(ratio)} static (${r.throughput.toFixed(1)} vs ${s.throughput.toFixed(1)} tasks/s)` });
    } else {
      const threads = r.meanThreads / s.meanThreads;
      goals.push({
        workload: r.workload,
        contender: r.contender,
        goal: `throughput >= static, with <= 0.75x its mean threads${bare}`,
        met: ratio >= 1 && threads <= 0.75,
        detail: `${x(ratio)} static's throughput (${r.throughput.toFixed(1)} vs ${s.throughput.toFixed(1)} tasks/s), ${x(threads)} its mean threads (${r.meanThreads.toFixed(2)} vs ${s.meanThreads.toFixed(2)}); per CPU-second ${x(perCpu(r) / perCpu(s))}`,
      });
    }
  }
  return goals;
}

const HEAD = ['workload', 'contender', 'tasks/s', 'vs static', 'p50 ms', 'p99 ms', 'mean threads', 'vs static', 'refused', 'resizes', 'size at end', 'own cores', 'tasks per CPU-s', 'daemon cores', 'other cores'];

function rows(results: readonly RunResult[]): string[][] {
  return results.map((r) => {
    const s = find(results, r.workload, 'static');
    return [
      r.workload,
      r.contender,
      r.throughput.toFixed(1),
      s ? x(r.throughput / s.throughput) : '-',
      r.p50Ms.toFixed(0),
      r.p99Ms.toFixed(0),
      r.meanThreads.toFixed(2),
      s ? x(r.meanThreads / s.meanThreads) : '-',
      String(r.refused),
      String(r.resizes),
      String(r.sizeAtEnd),
      r.ownCores.toFixed(2),
      (r.throughput / Math.max(0.01, r.ownCores)).toFixed(1),
      r.daemonCores.toFixed(2),
      r.otherCores === null ? '-' : r.otherCores.toFixed(2),
    ];
  });
}

/** The table for a terminal: aligned columns. */
export function textTable(results: readonly RunResult[]): string {
  const all = [HEAD, ...rows(results)];
  const widths = HEAD.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  return all.map((row) => row.map((cell, i) => (i < 2 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ')).join('\n');
}

export function markdownSection(results: readonly RunResult[], goals: readonly Goal[], workloads: readonly Workload[], meta: Meta, notes: readonly string[]): string {
  const table = [HEAD, HEAD.map(() => '---'), ...rows(results)].map((row) => `| ${row.join(' | ')} |`).join('\n');
  const goalRows = goals.map((g) => `| ${g.workload} | ${g.contender} | ${g.goal} | ${g.met ? 'yes' : '**no**'} | ${g.detail} |`).join('\n');
  return [
    PLANT_START,
    '## Real plant (worker threads, real work)',
    '',
    `Made by \`${meta.command}\` on ${meta.date}, ${meta.machine}, in one run. n = ${meta.n} (the machine's CPUs), so`,
    `the static baseline is the pinned \`n * 2\` = ${meta.n * 2} threads and the transfer pool's bounds are ${Math.max(2, Math.floor(meta.n / 2))}..${meta.n * 4}; the same n sizes every contender.`,
    `The demo daemon (\`src/demo\`: a WorkerPool \`transfer\` and a BufferPool \`buffer\`, each reporting through a SidecarClient)`,
    `runs in a child process of its own (\`bench/plant-daemon.ts\`), so the pid it reports or the sidecar reads holds the`,
    `daemon's threads only, under a fresh sidecar in the benchmark's process per contender with short periods (${meta.timing}).`,
    'Transfers arrive as a seeded Poisson stream (an open loop: a full hand-off queue of 64 refuses them) and each runs',
    'sha256 over real bytes with node:crypto, then a real blocking wait (Atomics.wait) for the I/O part, on a worker',
    'thread that names itself `transfer` (Linux `comm`). The CPU per task is calibrated on the machine at start.',
    `${meta.windows} Throughput is completed transfers/s in the window; latency is from arrival to completion`,
    '(simple-statistics quantile); mean threads counts live threads, retiring ones included.',
    '',
    'The `pi` contenders differ only in how the daemon reports its transfer pool (`demo --report STYLE --cpu SOURCE`;',
    'every style sends `busy` counted from taking a task to finishing it, blocked time included, and its `refused` count):',
    '',
    '- `pi documented`: `idle` with I/O time counted as idle (what the daemon knows of each transfer); no CPU figure;',
    '- `pi no-idle+process`: no `idle`; the sidecar reads the CPU and run delay of the daemon\'s threads named `transfer`',
    '  from /proc (the pool\'s config `process: {pid, threads: "^transfer$"}`);',
    '- `pi busy-idle+pid`: `idle = 1 - busy/size` (a worker blocked in I/O is busy) and the daemon\'s `pid` in each sample;',
    '  the sidecar reads every thread of that process: the worker threads, and also the main thread (load generator,',
    '  dispatch, sidecar client) and Node.js\'s helper threads;',
    '- `pi no-idle+sample`: no `idle`; each worker reads its own /proc/thread-self/schedstat after each task and the',
    '  daemon sends the workers\' cumulative `cpuSeconds` and `runDelaySeconds`.',
    '',
    '`static` and `band` run the documented style. `own cores` is the CPU the daemon\'s process and the sidecar\'s used in the',
    'window, `tasks per CPU-s` the throughput per core of it, `daemon cores` the daemon\'s process alone, and `other cores`',
    'what the rest of the machine used meanwhile (from /proc/stat): a CPU-bound pool gets fewer cores while something else runs.',
    '',
    ...workloads.map((w) => `- **${w.name}**: ${w.description}`),
    '',
    table,
    '',
    '| workload | contender | goal | met | figures |',
    '|---|---|---|---|---|',
    goalRows,
    '',
    ...notes,
    PLANT_END,
  ].join('\n');
}

/** Replaces the text between the markers (appending them at the end when absent); the rest is kept byte for byte. */
export function spliceSection(doc: string, section: string): string {
  return spliceMarked(doc, PLANT_START, PLANT_END, section);
}
