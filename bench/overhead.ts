// The overhead benchmark: `npm run bench:overhead` (tsx bench/overhead.ts [--seconds S]
// [--rounds R] [--connections C] [--soak-seconds N] [--no-profile]). Everything on loopback.
// Builds src (the service as it runs in production), then measures, in one run:
//   - single-sample POST req/s and p99 against the sidecar and a minimal express 5 route (autocannon);
//   - batched ingest in samples/s (batches of 1,000);
//   - the core's tick per pool over 10,000 controller states;
//   - /metrics scrape time and RSS with 1,000 pools;
//   - a soak at 1,000 samples/s with RSS at its start and end.
// Results go to bench/results/overhead.json and to docs/benchmarks.md between the markers.
import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import { measureTick } from './overhead-core.js';
import { DIST, buildDist, loadConfigModule, loadCore } from './overhead-dist.js';
import { load, median, startServer } from './overhead-http.js';
import type { LoadResult } from './overhead-http.js';
import { mainProfile, profileInProcess, topFrames } from './overhead-profile.js';
import type { Frame } from './overhead-profile.js';
import { writeReport } from './overhead-report.js';
import type { OverheadResults } from './overhead-report.js';
import { expressScript, sidecarScript } from './overhead-server.js';
import { measureScrape, soak } from './overhead-soak.js';
import { checkFlags, wholeNumberArg } from './common.js';

const USAGE = `usage: npm run bench:overhead -- [--seconds S] [--rounds R] [--connections C] [--soak-seconds N] [--no-profile]

The sidecar's own cost, on loopback: sample ingest (single and batched), the core's tick, /metrics
with 1,000 pools, and a soak.
  --seconds S       each throughput measurement's length (default 10)
  --rounds R        rounds of each, medians reported (default 3)
  --connections C   concurrent connections of the single-sample load (default 32)
  --soak-seconds N  the soak's length, 0 for none (default 600)
  --no-profile      take no CPU profile (one is taken when single-sample ingest misses its goal)
Writes bench/results/overhead.json and its section of docs/benchmarks.md.
`;
checkFlags('bench:overhead', USAGE, { values: ['--seconds', '--rounds', '--connections', '--soak-seconds'], switches: ['--no-profile'] });

const arg = (name: string, fallback: number): number => wholeNumberArg('bench:overhead', name, fallback, 0);

const seconds = arg('--seconds', 10);
const rounds = arg('--rounds', 3);
const connections = arg('--connections', 32);
const soakSeconds = arg('--soak-seconds', 600);
const profile = !process.argv.includes('--no-profile');
const log = (msg: string): void => void process.stderr.write(`bench:overhead: ${msg}\n`);

const SAMPLE = JSON.stringify({ size: 16, busy: 12, queueStall: 0.05, idle: 0.1, completed: 48211 });
const BATCH = JSON.stringify(Array.from({ length: 1000 }, (_, i) => ({ size: 16, busy: i % 17, queueStall: 0.05, idle: 0.1, completed: 48211 + i })));
/** The throughput runs lift the rate limit out of the way (it is still computed per request). */
const UNLIMITED = 1e12;

log('building src into .tmp/overhead-dist');
const build = buildDist();
if (!build.ok) log(`tsc reported errors (emitted anyway; another module is mid-edit):\n${build.output.split('\n').slice(0, 5).join('\n')}`);
const started = new Date();

log('core tick over 10,000 pools');
const core = await loadCore();
const configModule = await loadConfigModule();
const tickCost = measureTick(core, configModule);
const tickProfile: Frame[] = profile && tickCost.medianUsPerPool > 2 ? await profileInProcess(() => void measureTick(core, configModule, 10_000, 5, 1)) : [];

log(`single-sample POST, ${rounds} rounds of ${seconds} s each, sidecar and express alternating, ${connections} connections`);
const sidecar = await startServer(sidecarScript(DIST, 2, UNLIMITED));
const baseline = await startServer(expressScript());
const side: LoadResult[] = [];
const base: LoadResult[] = [];
try {
  await load(`${sidecar.url}/v1/pools/p0/samples`, SAMPLE, connections, 2); // warm-up (JIT)
  await load(`${baseline.url}/v1/pools/p0/samples`, SAMPLE, connections, 2);
  for (let r = 0; r < rounds; r++) {
    side.push(await load(`${sidecar.url}/v1/pools/p0/samples`, SAMPLE, connections, seconds));
    base.push(await load(`${baseline.url}/v1/pools/p0/samples`, SAMPLE, connections, seconds));
    log(`  round ${r + 1}: sidecar ${side.at(-1)?.requestsPerSecond.toFixed(0)} req/s, express ${base.at(-1)?.requestsPerSecond.toFixed(0)} req/s`);
  }
} finally {
  await sidecar.stop();
  await baseline.stop();
}

log(`batched ingest (1,000 samples a request), ${rounds} rounds of ${seconds} s`);
const batched: LoadResult[] = [];
const batchServer = await startServer(sidecarScript(DIST, 2, UNLIMITED));
try {
  await load(`${batchServer.url}/v1/pools/p0/samples`, BATCH, 8, 2);
  for (let r = 0; r < rounds; r++) batched.push(await load(`${batchServer.url}/v1/pools/p0/samples`, BATCH, 8, seconds));
} finally {
  await batchServer.stop();
}

const singleRps = median(side.map((x) => x.requestsPerSecond));
const singleP99 = median(side.map((x) => x.p99Ms));
const ratio = singleRps / median(base.map((x) => x.requestsPerSecond));
const batchedSps = median(batched.map((x) => x.requestsPerSecond)) * 1000;

/** A profile of the sidecar under the load that missed its goal: the top frames by self time. */
async function profileUnder(body: string, conns: number): Promise<Frame[]> {
  const dir = `${DIST}-profile-${Date.now()}`;
  mkdirSync(dir, { recursive: true });
  const server = await startServer(sidecarScript(DIST, 2, UNLIMITED), ['--cpu-prof', '--cpu-prof-dir', dir]);
  try {
    await load(`${server.url}/v1/pools/p0/samples`, body, conns, seconds);
  } finally {
    await server.stop();
  }
  const file = mainProfile(dir);
  const frames = file === null ? [] : topFrames(file, 15);
  rmSync(dir, { recursive: true, force: true });
  return frames;
}
const singleProfile = profile && (ratio < 0.9 || singleP99 > 10) ? (log('profiling the single-sample load'), await profileUnder(SAMPLE, connections)) : [];
const batchedProfile = profile && batchedSps < 250_000 ? (log('profiling the batched load'), await profileUnder(BATCH, 8)) : [];

log('/metrics scrape with 1,000 pools');
const scrape = await measureScrape(1000);

log(`soak: ${soakSeconds} s at 1,000 samples/s`);
const soaked = soakSeconds > 0 ? await soak(soakSeconds) : null;

const results: OverheadResults = {
  date: started.toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', node: process.version, loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100) },
  settings: { seconds, rounds, connections, soakSeconds, built: build.ok ? 'tsc' : 'tsc (with errors elsewhere)' },
  single: { sidecar: side, express: base, medianRequestsPerSecond: singleRps, medianP99Ms: singleP99, ratioToExpress: ratio },
  batched: { rounds: batched, medianSamplesPerSecond: batchedSps },
  tick: tickCost,
  scrape,
  soak: soaked,
  profiles: { tick: tickProfile, single: singleProfile, batched: batchedProfile },
};
writeReport(results);
log('wrote bench/results/overhead.json and the docs/benchmarks.md section');
process.exit(0);
