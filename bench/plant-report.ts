// The real-plant benchmark's goals, its table, and its section of docs/benchmarks.md.
import type { RunResult, Workload } from './plant-run.js';

export const PLANT_START = '<!-- bench:plant:start -->';
export const PLANT_END = '<!-- bench:plant:end -->';

export interface Goal {
  workload: Workload['name'];
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

/** The goals for `pi`: I/O-heavy >= 1.5x static's throughput; CPU-heavy >= static's with <= 0.75x its threads. */
export function plantGoals(results: readonly RunResult[]): Goal[] {
  const goals: Goal[] = [];
  const ioStatic = find(results, 'io-heavy', 'static');
  const ioPi = find(results, 'io-heavy', 'pi');
  if (ioStatic && ioPi) {
    const ratio = ioPi.throughput / ioStatic.throughput;
    goals.push({ workload: 'io-heavy', goal: 'pi throughput >= 1.5x static', met: ratio >= 1.5, detail: `pi ${x(ratio)} static (${ioPi.throughput.toFixed(1)} vs ${ioStatic.throughput.toFixed(1)} tasks/s)` });
  }
  const cpuStatic = find(results, 'cpu-heavy', 'static');
  const cpuPi = find(results, 'cpu-heavy', 'pi');
  if (cpuStatic && cpuPi) {
    const ratio = cpuPi.throughput / cpuStatic.throughput;
    const threads = cpuPi.meanThreads / cpuStatic.meanThreads;
    goals.push({
      workload: 'cpu-heavy',
      goal: 'pi throughput >= static, with <= 0.75x its mean threads',
      met: ratio >= 1 && threads <= 0.75,
      detail: `pi ${x(ratio)} static's throughput (${cpuPi.throughput.toFixed(1)} vs ${cpuStatic.throughput.toFixed(1)} tasks/s), ${x(threads)} its mean threads (${cpuPi.meanThreads.toFixed(2)} vs ${cpuStatic.meanThreads.toFixed(2)}); per CPU-second ${x(perCpu(cpuPi) / perCpu(cpuStatic))}`,
    });
  }
  return goals;
}

const HEAD = ['workload', 'contender', 'tasks/s', 'vs static', 'p50 ms', 'p99 ms', 'mean threads', 'vs static', 'refused', 'resizes', 'size at end', 'own cores', 'tasks per CPU-s', 'other cores'];

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
  const goalRows = goals.map((g) => `| ${g.workload} | ${g.goal} | ${g.met ? 'yes' : '**no**'} | ${g.detail} |`).join('\n');
  return [
    PLANT_START,
    '## Real plant (worker threads, real work)',
    '',
    `Made by \`${meta.command}\` on ${meta.date}, ${meta.machine}, in one run. n = ${meta.n} (the machine's CPUs), so`,
    `the static baseline is the pinned \`n * 2\` = ${meta.n * 2} threads and the transfer pool's bounds are ${Math.max(2, Math.floor(meta.n / 2))}..${meta.n * 4}; the same n sizes every contender.`,
    `The demo daemon (\`src/demo\`: a WorkerPool \`transfer\` and a BufferPool \`buffer\`, each reporting through a SidecarClient)`,
    `runs under a fresh in-process sidecar per contender with short periods (${meta.timing}). Transfers arrive as a seeded`,
    'Poisson stream (an open loop: a full hand-off queue of 64 refuses them) and run the pool\'s built-in task: sha256',
    'over real bytes with node:crypto, then a real blocking wait (Atomics.wait) for the I/O part. The CPU per task is',
    `calibrated on the machine at start. ${meta.windows} Throughput is completed transfers/s in the window; latency is`,
    'from arrival to completion (simple-statistics quantile); mean threads counts live threads, retiring ones included.',
    '`own cores` is the CPU this benchmark used in the window (daemon threads and sidecar), `tasks per CPU-s` the throughput',
    'per core of it, and `other cores` what the rest of the machine used meanwhile (from /proc/stat): a CPU-bound pool gets',
    'fewer cores while something else runs.',
    '',
    ...workloads.map((w) => `- **${w.name}**: ${w.description}`),
    '',
    table,
    '',
    '| workload | goal | met | figures |',
    '|---|---|---|---|',
    goalRows,
    '',
    ...notes,
    PLANT_END,
  ].join('\n');
}

/** Replaces the text between the markers (appending them at the end when absent); the rest is kept byte for byte. */
export function spliceSection(doc: string, section: string): string {
  const start = doc.indexOf(PLANT_START);
  const end = doc.indexOf(PLANT_END);
  if (start >= 0 && end > start) return doc.slice(0, start) + section + doc.slice(end + PLANT_END.length);
  const sep = doc.length === 0 || doc.endsWith('\n\n') ? '' : doc.endsWith('\n') ? '\n' : '\n\n';
  return `${doc}${sep}${section}\n`;
}
