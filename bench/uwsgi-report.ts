// `npm run bench:uwsgi`'s goals (issue 14), its table, and its section of docs/benchmarks.md.
// Each contender runs several times (rounds with different arrival seeds); the table and the
// goals use the median of each figure over its runs, with the range of served/s beside it.
import { median } from 'simple-statistics';
import type { RunResult, Workload } from './uwsgi-run.js';
import { spliceMarked } from './common.js';

/** One contender on one workload over its runs: the median of each figure, and the runs' spread. */
export interface Aggregate extends RunResult {
  runs: number;
  throughputMin: number;
  throughputMax: number;
}

type NumericKey = Exclude<{ [K in keyof RunResult]-?: RunResult[K] extends number ? K : never }[keyof RunResult], 'loadNice'>;

/** The figures of a run that are numbers: each gets its median. */
const numericKeys = (r: RunResult): NumericKey[] => (Object.keys(r) as (keyof RunResult)[]).filter((k): k is NumericKey => k !== 'loadNice' && typeof r[k] === 'number');

/** The median run of each (workload, contender), in the order they first appear. */
export function aggregate(rs: readonly RunResult[]): Aggregate[] {
  const groups = new Map<string, RunResult[]>();
  for (const r of rs) {
    const key = `${r.workload}\u0000${r.contender}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [r]);
    else group.push(r);
  }
  return [...groups.values()].map((runs) => {
    const first = runs[0] as RunResult;
    const out: Aggregate = { ...first, failures: {}, runs: runs.length, throughputMin: Math.min(...runs.map((r) => r.throughput)), throughputMax: Math.max(...runs.map((r) => r.throughput)) };
    for (const k of numericKeys(first)) {
      const values = runs.map((r) => r[k]).filter((v) => Number.isFinite(v));
      out[k] = values.length > 0 ? median(values) : NaN;
    }
    // Not a median: the runs' priority is either raised in all of them or it is not.
    out.loadNice = runs.every((r) => r.loadNice !== null) ? first.loadNice : null;
    const kinds = new Set(runs.flatMap((r) => Object.keys(r.failures)));
    for (const kind of kinds) out.failures[kind] = median(runs.map((r) => r.failures[kind] ?? 0));
    return out;
  });
}

export const UWSGI_START = '<!-- bench:uwsgi:start -->';
export const UWSGI_END = '<!-- bench:uwsgi:end -->';

/** uWSGI's own algorithms: the peers the sidecar is measured against. */
export const UWSGI_ALGOS = ['busyness', 'spare', 'backlog'] as const;

export interface Goal {
  workload: Workload['name'];
  contender: string;
  goal: string;
  met: boolean;
  detail: string;
}

const find = (rs: readonly RunResult[], workload: string, contender: string) => rs.find((r) => r.workload === workload && r.contender === contender);
const f1 = (v: number) => v.toFixed(1);
const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(0) : '-');

/**
 * On io-heavy the best algorithm serves the most; between algorithms that serve the same (all
 * of the load, typically), the one with the lower p99, then fewer worker-seconds: a tie is never
 * settled by the order the algorithms are listed in.
 */
function better(a: RunResult, b: RunResult): boolean {
  if (a.throughput !== b.throughput) return a.throughput > b.throughput;
  if (a.p99Ms !== b.p99Ms) return a.p99Ms < b.p99Ms;
  return a.workerSeconds < b.workerSeconds;
}

/** The goals, for each of the sidecar's contenders (`pi`, `band`). */
export function uwsgiGoals(rs: readonly RunResult[], sidecars: readonly string[]): Goal[] {
  const goals: Goal[] = [];
  const algos = (workload: string) => UWSGI_ALGOS.map((a) => find(rs, workload, a)).filter((r): r is RunResult => r !== undefined);
  for (const name of sidecars) {
    const io = find(rs, 'io-heavy', name);
    const ioPeers = algos('io-heavy');
    if (io && ioPeers.length > 0) {
      const best = ioPeers.reduce((a, b) => (better(b, a) ? b : a));
      const met = io.throughput >= 0.99 * best.throughput && io.p99Ms <= best.p99Ms && io.workerSeconds <= best.workerSeconds;
      goals.push({
        workload: 'io-heavy',
        contender: name,
        goal: "throughput >= the best uWSGI algorithm's (within 1 %), p99 and worker-seconds no higher",
        met,
        detail: `${name} ${f1(io.throughput)}/s, p99 ${ms(io.p99Ms)} ms, ${f1(io.workerSeconds)} worker-s; best ${best.contender} ${f1(best.throughput)}/s, p99 ${ms(best.p99Ms)} ms, ${f1(best.workerSeconds)} worker-s`,
      });
    }
    const cpu = find(rs, 'cpu-heavy', name);
    const st = find(rs, 'cpu-heavy', 'static');
    if (cpu && st) {
      const ratio = cpu.meanWorkers / st.meanWorkers;
      goals.push({
        workload: 'cpu-heavy',
        contender: name,
        goal: "throughput >= static's at <= 0.75x static's mean workers",
        met: cpu.throughput >= st.throughput && ratio <= 0.75,
        detail: `${name} ${f1(cpu.throughput)}/s at ${cpu.meanWorkers.toFixed(2)} workers (${ratio.toFixed(2)}x); static ${f1(st.throughput)}/s at ${st.meanWorkers.toFixed(2)}`,
      });
    }
    const bu = find(rs, 'bursty', name);
    const buPeers = algos('bursty');
    if (bu && buPeers.length > 0) {
      const best = buPeers.reduce((a, b) => (b.p99Ms < a.p99Ms ? b : a));
      goals.push({
        workload: 'bursty',
        contender: name,
        goal: "p99 <= the best uWSGI algorithm's at no more worker-seconds",
        met: bu.p99Ms <= best.p99Ms && bu.workerSeconds <= best.workerSeconds,
        detail: `${name} p99 ${ms(bu.p99Ms)} ms, ${f1(bu.workerSeconds)} worker-s; best ${best.contender} p99 ${ms(best.p99Ms)} ms, ${f1(best.workerSeconds)} worker-s`,
      });
    }
  }
  return goals;
}

const HEAD = ['workload', 'contender', 'runs', 'offered/s', 'served/s', 'served/s range', 'failed', 'p50 ms', 'p99 ms', 'mean workers', 'mean target', 'worker-s', 'resizes', 'uWSGI CPU-s', 'CPU ms/req', 'sidecar CPU-s', 'host cores', 'load1'];

function rows(rs: readonly Aggregate[]): string[][] {
  return rs.map((r) => [
    r.workload,
    r.contender,
    String(r.runs),
    f1(r.offered),
    f1(r.throughput),
    `${f1(r.throughputMin)}-${f1(r.throughputMax)}`,
    `${r.failed.toFixed(0)} (${(100 * r.failedRatio).toFixed(1)} %)`,
    ms(r.p50Ms),
    ms(r.p99Ms),
    r.meanWorkers.toFixed(2),
    Number.isFinite(r.meanTarget) ? r.meanTarget.toFixed(2) : '-',
    f1(r.workerSeconds),
    r.resizes.toFixed(0),
    r.uwsgiCpuSeconds.toFixed(1),
    r.throughput > 0 ? ((1000 * r.uwsgiCpuSeconds) / (r.throughput * r.seconds)).toFixed(1) : '-',
    r.benchCpuSeconds.toFixed(2),
    r.hostCores.toFixed(2),
    r.load1.toFixed(1),
  ]);
}

export function textTable(rs: readonly Aggregate[]): string {
  const all = [HEAD, ...rows(rs)];
  const widths = HEAD.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  return all.map((row) => row.map((cell, i) => (i < 2 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ')).join('\n');
}

export interface Meta {
  command: string;
  date: string;
  machine: string;
  n: number;
  seconds: number;
  runs: number;
  seed: number;
  msPerMiB: number;
  timeoutMs: number;
}

export function markdownSection(rs: readonly Aggregate[], goals: readonly Goal[], workloads: readonly Workload[], meta: Meta): string {
  const table = [HEAD, HEAD.map(() => '---'), ...rows(rs)].map((row) => `| ${row.join(' | ')} |`).join('\n');
  const goalRows = goals.map((g) => `| ${g.workload} | ${g.contender} | ${g.goal} | ${g.met ? 'met' : '**missed**'} | ${g.detail} |`).join('\n');
  return [
    UWSGI_START,
    '## uWSGI: the sidecar against uWSGI\'s own cheaper algorithms',
    '',
    `Made by \`${meta.command}\` on ${meta.date}, ${meta.machine}; n = ${meta.n}. Each contender ran ${meta.runs} time${meta.runs === 1 ? '' : 's'}, in`,
    `rounds (round k uses arrival seed ${meta.seed} + k - 1, the same for every contender in it); each figure below is the median over`,
    'its runs, and `served/s range` the lowest and highest served/s. For every run the contender gets a fresh',
    `uWSGI 2.0 (Debian's uwsgi-core and uwsgi-plugin-python3) serving \`bench/uwsgi-app.py\`: each request hashes real`,
    `bytes with sha256 (calibrated at start: ${meta.msPerMiB.toFixed(3)} ms of CPU per MiB) and then blocks in \`time.sleep\`.`,
    `The load comes from a separate process (\`bench/uwsgi-load.ts\`): seeded Poisson arrivals in an open loop, one request a`,
    `connection, for ${meta.seconds} s; a request that gets no answer within ${meta.timeoutMs / 1000} s of silence, or an error, is failed.`,
    'Throughput is answered requests per second of the run; latency is from send to the end of the answer (answered',
    'requests only); workers are the live workers read from uWSGI\'s stats server every 250 ms, and `mean target` the size',
    'the sidecar asked uWSGI for over the same readings (uWSGI retires only a worker that is not in a request, so on a',
    'saturated pool a smaller target can wait for ever). `uWSGI CPU-s` is the CPU of',
    'the master and its workers (reaped workers included) over the run, `CPU ms/req` the same per answered request,',
    '`sidecar CPU-s` that of the benchmark process (the in-process sidecar and the sampling), `host cores` the CPUs\' worth',
    'the whole machine used meanwhile (from /proc/stat) and `load1` its load average at the end: other work on the machine',
    'competes for the same CPUs, and a CPU-bound workload gets only what is left of them.',
    ...priorityNote(rs),
    '',
    `Contenders: \`static\` is uWSGI's \`processes = n*2\` = ${meta.n * 2}; \`busyness\`, \`spare\` and \`backlog\` are uWSGI's`,
    `\`cheaper-algo\` with only \`processes = ${meta.n * 4}\`, \`cheaper = ${Math.max(2, Math.floor(meta.n / 2))}\` and \`cheaper-initial = ${meta.n * 2}\` set (every other option at`,
    "uWSGI's default); `pi` and `band` are the sidecar (default parameters, 1 s period) driving the same uWSGI with",
    '`cheaper-algo = manual` through its stats server and master FIFO (the `uwsgi` source, docs/operator-guide.md).',
    '',
    ...workloads.map((w) => `- **${w.name}**: ${w.description}`),
    '',
    table,
    '',
    ...loadNote(rs, meta.n),
    '| workload | contender | goal (issue 14) | result | figures |',
    '|---|---|---|---|---|',
    goalRows,
    '',
    UWSGI_END,
  ].join('\n');
}

/** How the load generator shared the CPUs with the server. */
function priorityNote(rs: readonly RunResult[]): string[] {
  const raised = rs.map((r) => r.loadNice).filter((n): n is number => n !== null);
  if (raised.length === rs.length && raised.length > 0) {
    return [
      `The load generator's main thread, where the requests are made, ran at nice ${raised[0]}, ahead of uWSGI's workers for the`,
      'CPUs: in production the clients are other machines, and a contender with more worker processes must not look faster',
      'for taking CPU from its own clients.',
    ];
  }
  return [
    `The load generator kept the bench's own priority in ${rs.length - raised.length} of the ${rs.length} rows below (a higher one needs root or`,
    'CAP_SYS_NICE): there a contender with more worker processes takes a larger share of the CPUs from its own clients.',
  ];
}

/** What the machine's other work left to the runs, when it was more than its CPUs. */
function loadNote(rs: readonly RunResult[], n: number): string[] {
  const loads = rs.map((r) => r.load1);
  const high = Math.max(...loads);
  if (!(high > n)) return [];
  return [
    `The machine was shared during these runs: the median load average of each contender's runs was ${Math.min(...loads).toFixed(0)}..${high.toFixed(0)} on ${n} CPUs, so uWSGI got a`,
    'fraction of them and every contender fails requests it would serve on an idle machine; compare contenders within a',
    'workload, and rerun on a quiet machine for absolute figures.',
    '',
  ];
}

/** Replaces the text between the markers (appending them when absent); the rest is kept byte for byte. */
export function spliceSection(doc: string, section: string): string {
  return spliceMarked(doc, UWSGI_START, UWSGI_END, section);
}
