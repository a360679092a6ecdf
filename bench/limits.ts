// The limits benchmark: `npm run bench:limits` (tsx bench/limits.ts [--streams N] [--polls N]
// [--seconds S]). The built sidecar in its own process; from here, N event streams and N long
// polls are opened and held (5,000 each by default), and while they are held a daemon's
// samples (two pools, one every 100 ms each) and /healthz are timed. Goal: p99 <= 50 ms for
// both, the sidecar's RSS < 150 MB, and the streams and polls past their caps refused with a
// 503 that http_refused_total counts. Results: bench/results/limits.json and docs/benchmarks.md.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import os from 'node:os';
import { quantile } from 'simple-statistics';
import { DIST, buildDist } from './overhead-dist.js';
import { metricValue, startServer } from './overhead-http.js';
import { sidecarScript } from './overhead-server.js';
import { checkFlags, wholeNumberArg } from './common.js';

const USAGE = `usage: npm run bench:limits -- [--streams N] [--polls N] [--seconds S]

The built sidecar holding N event streams and N long polls while a daemon's samples and /healthz
are timed.
  --streams N   event streams held (default 5000)
  --polls N     long polls held (default 5000)
  --seconds S   the timed window (default 20)
Writes bench/results/limits.json and its section of docs/benchmarks.md.
`;
checkFlags('bench:limits', USAGE, { values: ['--streams', '--polls', '--seconds'], switches: [] });

const arg = (name: string, fallback: number): number => wholeNumberArg('bench:limits', name, fallback, 0);

const STREAMS = arg('--streams', 5000);
const POLLS = arg('--polls', 5000);
const SECONDS = arg('--seconds', 20);
const log = (msg: string): void => void process.stderr.write(`bench:limits: ${msg}\n`);
const ROOT = new URL('../', import.meta.url);

/** A held request: its status once the head arrives (a pending long poll has none), and its socket. */
interface Held {
  status: number | null;
  socket: Socket;
}

/** Opens one connection and sends a GET; resolves once it is connected, and records the status when the head arrives. */
function hold(url: URL, path: string): Promise<Held> {
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    const held: Held = { status: null, socket };
    let head = '';
    socket.on('error', () => {
      held.status ??= 0;
      resolve(held);
    });
    socket.on('data', (c: Buffer) => {
      if (held.status !== null) return;
      head += c.toString();
      const m = /^HTTP\/1\.1 (\d{3})/.exec(head);
      if (m === null) return;
      held.status = Number(m[1]);
      // A refusal is answered and done with: the client lets go, as a real one would.
      if (held.status !== 200) socket.destroy();
    });
    socket.once('connect', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      resolve(held);
    });
  });
}

/** Opens `count` in batches of 250; after a pause for the answers, tallies them (null: held, no answer yet). */
async function openMany(url: URL, path: string, count: number): Promise<{ statuses: Record<string, number>; held: Held[] }> {
  const all: Held[] = [];
  for (let i = 0; i < count; i += 250) all.push(...(await Promise.all(Array.from({ length: Math.min(250, count - i) }, () => hold(url, path)))));
  await new Promise((r) => setTimeout(r, 3000));
  const statuses: Record<string, number> = {};
  for (const h of all) statuses[String(h.status ?? 'held, no answer yet')] = (statuses[String(h.status ?? 'held, no answer yet')] ?? 0) + 1;
  return { statuses, held: all.filter((h) => h.status === 200 || h.status === null) };
}

/** One timed request on a keep-alive agent (the daemon's one connection). */
function timed(agent: Agent, url: string, method: string, body?: string): Promise<{ ms: number; status: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(url, { method, agent, headers: body === undefined ? {} : { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ ms: performance.now() - started, status: res.statusCode ?? 0 }));
    });
    req.on('error', () => resolve({ ms: performance.now() - started, status: 0 }));
    req.end(body);
  });
}

const p = (xs: number[], q: number): number => (xs.length === 0 ? Number.NaN : quantile(xs, q));
const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;

log('building src into .tmp/overhead-dist');
const build = buildDist();
if (!build.ok) log(`tsc reported errors (emitted anyway):\n${build.output.split('\n').slice(0, 5).join('\n')}`);
const server = await startServer(sidecarScript(DIST, 2, 200));
const url = new URL(server.url);
try {
  const rssIdleMb = (await metricValue(server.url, 'process_resident_memory_bytes')) / 2 ** 20;
  log(`opening ${STREAMS} event streams and ${POLLS} long polls`);
  const streams = await openMany(url, '/v1/events', STREAMS);
  const polls = await openMany(url, '/v1/pools/p1/target?waitMs=60000', POLLS);
  log(`held: ${streams.held.length} streams, ${polls.held.length} polls; timing samples and /healthz for ${SECONDS} s`);

  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const samples: number[] = [];
  const health: number[] = [];
  const failures: Record<string, number> = {};
  const until = performance.now() + SECONDS * 1000;
  let completed = 0;
  while (performance.now() < until) {
    completed += 100;
    const body = JSON.stringify({ size: 16, busy: 12, idle: 0.3, completed });
    for (const pool of ['p0', 'p1']) {
      const r = await timed(agent, `${server.url}/v1/pools/${pool}/samples`, 'POST', body);
      if (r.status === 202) samples.push(r.ms);
      else failures[`samples ${r.status}`] = (failures[`samples ${r.status}`] ?? 0) + 1;
    }
    const h = await timed(agent, `${server.url}/healthz`, 'GET');
    if (h.status === 200) health.push(h.ms);
    else failures[`healthz ${h.status}`] = (failures[`healthz ${h.status}`] ?? 0) + 1;
    await new Promise((r) => setTimeout(r, 100));
  }
  const rssHeldMb = (await metricValue(server.url, 'process_resident_memory_bytes')) / 2 ** 20;
  const refusedStreams = await metricValue(server.url, 'adaptive_threads_http_refused_total{reason="event-streams"}');
  const refusedPolls = await metricValue(server.url, 'adaptive_threads_http_refused_total{reason="long-polls"}');
  const refusedConnections = await metricValue(server.url, 'adaptive_threads_http_refused_total{reason="connections"}');
  agent.destroy();
  for (const h of [...streams.held, ...polls.held]) h.socket.destroy();

  const results = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.availableParallelism(),
    loadAverage: os.loadavg().map((x) => round(x, 2)),
    asked: { streams: STREAMS, polls: POLLS, seconds: SECONDS },
    streams: streams.statuses,
    polls: polls.statuses,
    refusedCounted: { eventStreams: refusedStreams, longPolls: refusedPolls, connections: refusedConnections },
    samples: { count: samples.length, p50Ms: round(p(samples, 0.5)), p99Ms: round(p(samples, 0.99)), maxMs: round(Math.max(...samples)) },
    healthz: { count: health.length, p50Ms: round(p(health, 0.5)), p99Ms: round(p(health, 0.99)), maxMs: round(Math.max(...health)) },
    failures,
    rssMb: { idle: round(rssIdleMb), held: round(rssHeldMb) },
    goals: {
      p99: p(samples, 0.99) <= 50 && p(health, 0.99) <= 50,
      rss: rssHeldMb < 150,
      excessRefusedAndCounted: refusedStreams === STREAMS - streams.held.length && refusedPolls === POLLS - polls.held.length && refusedStreams + refusedPolls > 0,
    },
  };
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  mkdirSync(new URL('bench/results/', ROOT), { recursive: true });
  writeFileSync(new URL('bench/results/limits.json', ROOT), `${JSON.stringify(results, null, 2)}\n`);
  writeReport(results);
} finally {
  await server.stop();
}

function writeReport(r: {
  date: string; node: string; cpus: number; loadAverage: number[]; asked: { streams: number; polls: number; seconds: number };
  streams: Record<string, number>; polls: Record<string, number>; refusedCounted: { eventStreams: number; longPolls: number; connections: number };
  samples: { count: number; p50Ms: number; p99Ms: number; maxMs: number }; healthz: { count: number; p50Ms: number; p99Ms: number; maxMs: number };
  rssMb: { idle: number; held: number }; goals: Record<string, boolean>;
}): void {
  const doc = new URL('docs/benchmarks.md', ROOT);
  const text = readFileSync(doc, 'utf8');
  const start = '<!-- limits:start -->';
  const end = '<!-- limits:end -->';
  const mark = (ok: boolean | undefined): string => (ok === true ? 'met' : 'missed');
  const body = [
    start,
    `Run ${r.date.slice(0, 16).replace('T', ' ')} UTC, Node ${r.node}, ${r.cpus} CPUs (load average ${r.loadAverage.join(', ')} at the end: the machine was shared).`,
    `${r.asked.streams} event streams and ${r.asked.polls} long polls opened and held, then for ${r.asked.seconds} s a daemon's samples (two pools, one connection) and \`/healthz\`:`,
    '',
    '| measure | value | goal |',
    '|---|---|---|',
    `| event streams: answered | ${JSON.stringify(r.streams)} (status: count) | past the cap, 503 |`,
    `| long polls: answered | ${JSON.stringify(r.polls)} | past the cap, 503 |`,
    `| refusals counted (\`http_refused_total\`) | event-streams ${r.refusedCounted.eventStreams}, long-polls ${r.refusedCounted.longPolls}, connections ${r.refusedCounted.connections} | every 503 counted: ${mark(r.goals['excessRefusedAndCounted'])} |`,
    `| sample POST latency | p50 ${r.samples.p50Ms} ms, p99 ${r.samples.p99Ms} ms, max ${r.samples.maxMs} ms (${r.samples.count} samples) | p99 <= 50 ms |`,
    `| \`/healthz\` latency | p50 ${r.healthz.p50Ms} ms, p99 ${r.healthz.p99Ms} ms, max ${r.healthz.maxMs} ms (${r.healthz.count} requests) | p99 <= 50 ms: ${mark(r.goals['p99'])} |`,
    `| sidecar RSS | ${r.rssMb.idle} MB idle, ${r.rssMb.held} MB with the streams and polls held | < 150 MB: ${mark(r.goals['rss'])} |`,
    end,
  ].join('\n');
  const next = text.includes(start) ? text.replace(new RegExp(`${start}[\\s\\S]*?${end}`), body) : `${text.trimEnd()}\n\n## Limits (\`npm run bench:limits\`)\n\n${body}\n`;
  writeFileSync(doc, next);
}
