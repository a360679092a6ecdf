// The overhead benchmark's results: bench/results/overhead.json, and its section of
// docs/benchmarks.md between the markers (the rest of the file is kept as it is).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TickCost } from './overhead-core.js';
import type { LoadResult } from './overhead-http.js';
import type { Frame } from './overhead-profile.js';
import type { ScrapeResult, SoakResult } from './overhead-soak.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BEGIN = '<!-- bench:overhead:start -->';
const END = '<!-- bench:overhead:end -->';

export interface OverheadResults {
  date: string;
  machine: { cpus: number; model: string; node: string; loadavg: number[] };
  settings: { seconds: number; rounds: number; connections: number; soakSeconds: number; built: string };
  single: { sidecar: LoadResult[]; express: LoadResult[]; medianRequestsPerSecond: number; medianP99Ms: number; ratioToExpress: number };
  batched: { rounds: LoadResult[]; medianSamplesPerSecond: number };
  tick: TickCost;
  scrape: ScrapeResult;
  soak: SoakResult | null;
  profiles: { tick: Frame[]; single: Frame[]; batched: Frame[] };
}

interface Goal {
  measure: string;
  goal: string;
  result: string;
  met: boolean | null;
}

const f0 = (x: number): string => Math.round(x).toLocaleString('en-US');
const f1 = (x: number): string => x.toFixed(1);
const f2 = (x: number): string => x.toFixed(2);

/**
 * RSS growth from a quarter into the soak to its end: past V8's warm-up (the heap grows to
 * its working size in the first minutes under steady churn), what a leak would still show.
 */
export function lateGrowthPercent(s: SoakResult): number {
  const from = s.rssTrace.find((p) => p.s >= s.seconds / 4) ?? s.rssTrace[0];
  return from === undefined ? Number.NaN : (100 * (s.rssEndMb - from.mb)) / from.mb;
}

export function goals(r: OverheadResults): Goal[] {
  const rssMb = Math.max(r.scrape.rssMb, r.soak?.rssMaxMb ?? 0);
  return [
    { measure: 'single-sample POST vs express 5', goal: '>= 0.90x', result: `${f2(r.single.ratioToExpress)}x (${f0(r.single.medianRequestsPerSecond)} req/s)`, met: r.single.ratioToExpress >= 0.9 },
    { measure: 'single-sample POST p99', goal: '<= 10 ms', result: `${f1(r.single.medianP99Ms)} ms at ${r.settings.connections} connections`, met: r.single.medianP99Ms <= 10 },
    { measure: 'batched ingest (1,000 a request)', goal: '>= 250,000 samples/s', result: `${f0(r.batched.medianSamplesPerSecond)} samples/s`, met: r.batched.medianSamplesPerSecond >= 250_000 },
    { measure: 'core tick, 10,000 pools', goal: '<= 2 µs per pool', result: `${f2(r.tick.medianUsPerPool)} µs per pool`, met: r.tick.medianUsPerPool <= 2 },
    { measure: '/metrics scrape, 1,000 pools', goal: '<= 50 ms', result: `${f1(r.scrape.medianMs)} ms (${f0(r.scrape.bytes / 1024)} KiB)`, met: r.scrape.medianMs <= 50 },
    { measure: 'RSS (1,000 pools; soak peak)', goal: '<= 150 MB', result: `${f0(r.scrape.rssMb)} MB; ${r.soak === null ? 'no soak' : `${f0(r.soak.rssMaxMb)} MB`}`, met: rssMb <= 150 },
    {
      measure: `soak RSS growth, 1,000 samples/s`,
      goal: '<= 5 %',
      result:
        r.soak === null
          ? 'not run'
          : `${f1(r.soak.growthPercent)} % (${f0(r.soak.rssStartMb)} -> ${f0(r.soak.rssEndMb)} MB over ${r.soak.seconds} s); ${f1(lateGrowthPercent(r.soak))} % from ${Math.round(r.soak.seconds / 4)} s on`,
      met: r.soak === null ? null : r.soak.growthPercent <= 5,
    },
  ];
}

function frames(title: string, list: Frame[]): string[] {
  if (list.length === 0) return [];
  return ['', `Top frames by self time, ${title}:`, '', '| frame | self % |', '|---|---|', ...list.map((x) => `| \`${x.frame}\` | ${f1(x.selfPercent)} |`)];
}

export function renderSection(r: OverheadResults): string {
  const rounds = (xs: LoadResult[]): string => xs.map((x) => f0(x.requestsPerSecond)).join(' / ');
  const lines = [
    '## Overhead (`npm run bench:overhead`)',
    '',
    `Made on ${r.date.slice(0, 10)}, ${r.machine.cpus} cores (${r.machine.model}), Node.js ${r.machine.node}, load average ${r.machine.loadavg.join(' ')} at the end`,
    `(on this 2-core machine figures move by 10-20 % between runs, so compare ratios taken in one run).`,
    `The service is the tsc build of src, run as a child process on loopback; autocannon runs in the benchmark's process, so each gets one core.`,
    `Single-sample and batched runs: ${r.settings.rounds} rounds of ${r.settings.seconds} s, medians quoted; the sidecar and the express route alternate.`,
    'The throughput runs lift the per-pool rate limit (200 samples/s by default), which is still checked on every request.',
    '',
    '| measure | goal | result | met |',
    '|---|---|---|---|',
    ...goals(r).map((g) => `| ${g.measure} | ${g.goal} | ${g.result} | ${g.met === null ? '-' : g.met ? 'yes' : '**no**'} |`),
    '',
    `Single-sample req/s per round: sidecar ${rounds(r.single.sidecar)}; express ${rounds(r.single.express)}.`,
    `p99 per round: sidecar ${r.single.sidecar.map((x) => f1(x.p99Ms)).join(' / ')} ms; express ${r.single.express.map((x) => f1(x.p99Ms)).join(' / ')} ms.`,
    `Batched req/s per round (x 1,000 samples): ${rounds(r.batched.rounds)}.`,
    `Core tick: median of ${r.tick.rounds} rounds over ${f0(r.tick.pools)} pools, ${f2(r.tick.minUsPerPool)}..${f2(r.tick.maxUsPerPool)} µs per pool; at 1 s periods, 10,000 pools cost ${f1((r.tick.medianUsPerPool * r.tick.pools) / 1000)} ms of CPU a second.`,
    `Scrape: median of ${r.scrape.scrapes} scrapes from the client (max ${f1(r.scrape.maxMs)} ms), every pool with a sample and a tick.`,
  ];
  if (r.soak !== null) {
    const s = r.soak;
    lines.push(
      `Soak: ${s.seconds} s after a ${s.warmupSeconds} s warm-up, one sample a request over 10 pools, ${f0(s.achievedSamplesPerSecond)} samples/s accepted ` +
        `(${s.refused} refused, ${s.failed} failed); RSS every 10 s: ${s.rssTrace.map((p) => f0(p.mb)).join(' ')} MB.`,
    );
  }
  lines.push(...frames('the core tick (in-process inspector profile)', r.profiles.tick));
  lines.push(...frames('the sidecar under the single-sample load (`node --cpu-prof`)', r.profiles.single));
  lines.push(...frames('the sidecar under the batched load (`node --cpu-prof`)', r.profiles.batched));
  return lines.join('\n');
}

export function writeReport(r: OverheadResults): void {
  mkdirSync(`${ROOT}bench/results`, { recursive: true });
  const { goals: _old, ...plain } = r as OverheadResults & { goals?: unknown };
  writeFileSync(`${ROOT}bench/results/overhead.json`, `${JSON.stringify({ ...plain, goals: goals(r) }, null, 2)}\n`);
  const docs = `${ROOT}docs/benchmarks.md`;
  const text = existsSync(docs) ? readFileSync(docs, 'utf8') : '# Benchmarks\n';
  const section = `${BEGIN}\n${renderSection(r)}\n${END}`;
  const begin = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  const next = begin >= 0 && end > begin ? `${text.slice(0, begin)}${section}${text.slice(end + END.length)}` : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(docs, next);
}
