// The sidecar and the demo daemon as separate processes over loopback HTTP: the daemon's
// real worker pool follows the sidecar's targets, keeps working at its last size while the
// sidecar is down, and a new sidecar on the same port takes over; its first target should be
// the daemon's size (a known bug makes it the static size for one period: see the last test).
import test from 'ava';
import { getJson, sidecarUrl, spawnCli, tempConfig, until } from './processes.js';
import type { Proc } from './processes.js';

/** n = 2: the transfer pool's static size is 4, its bounds 2..8. */
const STATIC = 4;
const PERIOD_MS = 200;
// No shrink within the test: any size change after a restart is the sidecar's start, not a law.
const CONFIG = `cpus: 2
defaults: {periodMs: ${PERIOD_MS}, growCooldownMs: 600, shrinkCooldownMs: 600000}
`;
/** Generous: a loaded 2-core machine starts a tsx process in seconds, not milliseconds. */
const START_MS = 25_000;
const STEP_MS = 15_000;

interface Report {
  elapsedMs: number;
  pool: string;
  result: string;
  size: number;
  target: number | null;
  connected: boolean;
  completed: number;
}

const transferReports = (daemon: Proc): Report[] => daemon.json().filter((l) => l['pool'] === 'transfer') as unknown as Report[];

interface Trace {
  /** the daemon's size when the first sidecar was killed */
  sizeAtKill: number;
  /** the first reply of the restarted sidecar */
  firstReplyAfterRestart: Report;
}

// The scenario runs once; the tests below it read what it saw.
let trace: Trace | null = null;

test.serial('when the sidecar raises the target, the daemon follows; when it dies, the daemon works on at its size; a new sidecar takes over', async (t) => {
  t.timeout(120_000);
  const config = tempConfig(t, CONFIG);
  const procs: Proc[] = [];
  // registered after the config's dir, so run before its removal (teardowns run in reverse)
  t.teardown(() => Promise.all(procs.map((p) => p.kill())).then(() => undefined));

  const first = spawnCli('sidecar', ['--listen', '127.0.0.1:0', '--config', config]);
  procs.push(first);
  const url = await sidecarUrl(first, START_MS);
  const daemon = spawnCli('daemon', ['demo', '--sidecar', url, '--json', '--phases', 'io', '--period-ms', String(PERIOD_MS), '--cpus', '2']);
  procs.push(daemon);

  // 1. Under I/O load the sidecar grows the pool, and the daemon's real size reaches its target.
  const grown = await until('the daemon grows to the sidecar\'s target', async () => {
    const last = transferReports(daemon).at(-1);
    if (last === undefined || last.size <= STATIC) return undefined;
    const state = await getJson(`${url}/v1/pools/transfer`);
    return state !== undefined && state['target'] === last.size ? last : undefined;
  }, START_MS, [first, daemon]);
  t.true(grown.size > STATIC, `grew past the static ${STATIC}`);
  const posted = transferReports(daemon).filter((r) => r.result === 'posted');
  t.true(posted.every((r) => r.size === r.target), 'every reply\'s target was applied at once');

  // 2. The sidecar dies: the daemon keeps its size and its transfers keep completing.
  const sizeAtKill = transferReports(daemon).at(-1)?.size as number;
  await first.kill('SIGKILL');
  const cut = transferReports(daemon).length;
  const down = await until('the daemon notices the outage', () => transferReports(daemon).slice(cut).find((r) => !r.connected), STEP_MS, [daemon]);
  await until('transfers complete while the sidecar is down', () => {
    const last = transferReports(daemon).at(-1);
    return last !== undefined && !last.connected && last.completed >= down.completed + 50 ? last : undefined;
  }, STEP_MS, [daemon]);
  const during = transferReports(daemon).slice(cut);
  t.true(during.every((r) => r.size === sizeAtKill), `the pool kept size ${sizeAtKill}: ${during.map((r) => r.size).join(',')}`);

  // 3. A new sidecar on the same port: control resumes from the size the daemon reports.
  const second = spawnCli('sidecar-2', ['--listen', url.replace('http://', ''), '--config', config]);
  procs.push(second);
  t.is(await sidecarUrl(second, START_MS), url);
  const restartAt = transferReports(daemon).length;
  const firstReply = await until('the daemon reaches the new sidecar', () => transferReports(daemon).slice(restartAt).find((r) => r.result === 'posted'), STEP_MS, [second, daemon]);
  trace = { sizeAtKill, firstReplyAfterRestart: firstReply };
  const resumed = await until('the new sidecar controls the pool the daemon runs', async () => {
    const state = await getJson(`${url}/v1/pools/transfer`);
    const last = transferReports(daemon).at(-1);
    const ticked = state !== undefined && state['utilization'] !== null;
    // ... and transfers completed since its first reply (the same report may satisfy the rest at once).
    const controlled = ticked && last !== undefined && last.connected && state['target'] === last.size;
    return controlled && last.completed > firstReply.completed ? last : undefined;
  }, STEP_MS, [second, daemon]);
  t.true(resumed.completed > firstReply.completed, 'transfers complete under the new sidecar');
  t.is(daemon.child.exitCode, null, 'the daemon ran throughout');
});

// Before its first tick a new sidecar answers with the size the daemon reports, so a daemon
// is never told the static size by a restarted sidecar.
test.serial('a restarted sidecar\'s very first reply is the daemon\'s size, not the static size', (t) => {
  if (trace === null) return t.fail('the scenario above did not get this far');
  const reply = trace.firstReplyAfterRestart;
  t.is(reply.target, trace.sizeAtKill, `first reply ${JSON.stringify(reply)}`);
});
