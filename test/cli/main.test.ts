import test from 'ava';
import type { ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../fixtures/temp.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'src/cli/main.ts');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function run(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, stdout: () => out, stderr: () => err, exit };
}

function logLines(text: string): Record<string, unknown>[] {
  return text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The URL the service prints when it is bound (its "listening" log line). */
async function boundUrl(r: Run): Promise<string> {
  for (;;) {
    const line = logLines(r.stdout()).find((l) => typeof l['url'] === 'string');
    if (line !== undefined) return line['url'] as string;
    const early = await Promise.race([r.exit.then(() => true), new Promise<false>((res) => setTimeout(() => res(false), 20))]);
    if (early) throw new Error(`exited before listening: ${r.stderr()}${r.stdout()}`);
  }
}

/** A config file in a temp dir the test's teardown removes. */
function tempConfig(t: ExecutionContext, yaml: string): string {
  const file = join(tempDir(t, 'at-cli-'), 'config.yaml');
  writeFileSync(file, yaml);
  return file;
}

test('--version prints the package version; --help the usage', async (t) => {
  const v = run(['--version']);
  t.is((await v.exit).code, 0);
  t.is(v.stdout(), `${VERSION}\n`);
  const h = run(['--help']);
  t.is((await h.exit).code, 0);
  t.regex(h.stdout(), /^Usage: adaptive-threads/);
  for (const command of ['simulate', 'replay', 'demo']) t.regex(h.stdout(), new RegExp(`^  ${command} `, 'm'), command);
  t.regex(h.stdout(), /SIGHUP/);
});

test('the start-up log line and /healthz carry the version', async (t) => {
  const r = run(['--listen', '127.0.0.1:0', '--cpus', '2']);
  try {
    const url = await boundUrl(r);
    const line = logLines(r.stdout()).find((l) => typeof l['url'] === 'string');
    t.is(line?.['version'], VERSION);
    t.regex(String(line?.['msg']), new RegExp(`adaptive-threads ${VERSION.replaceAll('.', '\\.')} listening on`));
    t.deepEqual(await (await fetch(`${url}/healthz`)).json(), { status: 'ok', version: VERSION });
    r.child.kill('SIGTERM');
    t.is((await r.exit).code, 0);
  } finally {
    if (r.child.exitCode === null) r.child.kill('SIGKILL');
  }
});

/** Waits (bounded) for a log line; the child logs asynchronously. */
async function logged(r: Run, match: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown> | undefined> {
  for (let i = 0; i < 250; i++) {
    const line = logLines(r.stdout()).find(match);
    if (line !== undefined) return line;
    await new Promise((res) => setTimeout(res, 20));
  }
  return undefined;
}

test('SIGHUP reloads the config file: a pool added, one removed, one changed keeps its state; a bad file is logged and the running config kept', async (t) => {
  const file = tempConfig(t, 'pools:\n  transfer: {kind: transfer}\n  old: {kind: buffer}\n');
  const r = run(['--config', file, '--listen', '127.0.0.1:0', '--cpus', '8']);
  try {
    const url = await boundUrl(r);
    const pinned = await fetch(`${url}/v1/pools/transfer/pin`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"size":5}' });
    t.is(pinned.status, 200);
    writeFileSync(file, 'pools:\n  transfer: {kind: transfer, band: [0.5, 0.9]}\n  fresh: {kind: buffer}\n');
    r.child.kill('SIGHUP');
    t.truthy(await logged(r, (l) => String(l['msg']).startsWith('reloaded ')));
    const pools = (await (await fetch(`${url}/v1/pools`)).json()) as { pools: { name: string; band: unknown; target: number; mode: string }[] };
    t.deepEqual(pools.pools.map((p) => p.name), ['transfer', 'fresh']);
    t.like(pools.pools[0], { band: { low: 0.5, high: 0.9 }, target: 5, mode: 'pinned' });

    writeFileSync(file, 'pools:\n  transfer: {kind: transfer, threads: 5000}\n');
    r.child.kill('SIGHUP');
    const failed = await logged(r, (l) => String(l['msg']).startsWith('reload failed'));
    t.regex(String(failed?.['msg']), /keeping the running config: .*threads.*5000/);
    t.is(r.child.exitCode, null, 'still running');
    const after = (await (await fetch(`${url}/v1/pools`)).json()) as { pools: { name: string }[] };
    t.deepEqual(after.pools.map((p) => p.name), ['transfer', 'fresh']);
    r.child.kill('SIGTERM');
    t.is((await r.exit).code, 0);
  } finally {
    // gone before the teardown removes its temp dirs
    if (r.child.exitCode === null) {
      r.child.kill('SIGKILL');
      await r.exit;
    }
  }
});

test('a config error prints its message (file, key, value) to stderr and exits 2', async (t) => {
  const file = tempConfig(t, 'pools:\n  transfer: {kind: transfer, threads: 5000}\n');
  const r = run(['--config', file]);
  t.is((await r.exit).code, 2);
  t.true(r.stderr().includes(file));
  t.regex(r.stderr(), /threads/);
  t.regex(r.stderr(), /5000/);
  t.is(r.stdout(), '');
  const bad = run(['--cpus', 'many']);
  t.is((await bad.exit).code, 2);
  t.regex(bad.stderr(), /--cpus/);
});

test('simulate and replay are handed to the simulator', async (t) => {
  const r = run(['simulate', '--help']);
  t.is((await r.exit).code, 0);
  t.regex(r.stdout(), /simulate/);
});

test('SIGTERM: intake stops, the in-flight long poll is answered, every accepted sample is recorded, exit 0 within 5 s', async (t) => {
  const config = tempConfig(t, 'defaults: {periodMs: 50, growCooldownMs: 250, shrinkCooldownMs: 1500}\n');
  const record = join(tempDir(t, 'at-rec-'), 'samples.ndjson');
  const r = run(['--config', config, '--listen', '127.0.0.1:0', '--cpus', '8', '--record', record]);
  try {
    const url = await boundUrl(r);
    let posted = 0;
    for (let i = 0; i < 5; i++) {
      const batch = Array.from({ length: 4 }, () => ({ size: 16, busy: 16, idle: 0.9 }));
      const res = await fetch(`${url}/v1/pools/transfer/samples`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch) });
      t.is(res.status, 202);
      posted += batch.length;
      await new Promise((res2) => setTimeout(res2, 60));
    }
    const poll = new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
      const req = request(`${url}/v1/pools/buffer/target?waitMs=30000`, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      });
      req.on('error', reject);
      req.end();
    });
    // Round trips after the poll was sent, and a moment for a loaded machine: the server has
    // parsed it and holds it in flight (a request still unread at SIGTERM is an idle socket).
    // In band (75 %): on a slow machine the shrink cooldown (1.5 s from start) may be over, and
    // the poll is about being answered at SIGTERM, not about a move.
    await fetch(`${url}/v1/pools/buffer/samples`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"size":16,"busy":12}' });
    posted += 1;
    await new Promise((res2) => setTimeout(res2, 300));
    await fetch(`${url}/healthz`);

    const started = performance.now();
    r.child.kill('SIGTERM');
    const { code } = await r.exit;
    const elapsed = performance.now() - started;
    t.is(code, 0);
    t.true(elapsed < 5000, `exited after ${elapsed} ms`);
    const answered = await poll;
    t.is(answered.status, 200);
    t.deepEqual(JSON.parse(answered.body), { pool: 'buffer', target: 16 });

    const lines = readFileSync(record, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    t.like(lines[0], { trace: 'adaptive-threads', cpus: 8 }, 'the trace starts with its header');
    const recorded = lines.slice(1);
    t.is(recorded.length, posted);
    t.like(recorded[0], { pool: 'transfer', size: 16, busy: 16 });
    t.is(typeof recorded[0]?.['receivedAt'], 'number');
    t.is(recorded.at(-1)?.['pool'], 'buffer');

    const logs = logLines(r.stdout());
    const grow = logs.find((l) => l['action'] === 'grow');
    t.regex(String(grow?.['msg']), /^adaptive_thread_pool: domain=transfer size=16 .* action=grow new_size=\d+$/);
    t.truthy(logs.find((l) => l['msg'] === 'stopped'));
  } finally {
    // gone before the teardown removes its temp dirs
    if (r.child.exitCode === null) {
      r.child.kill('SIGKILL');
      await r.exit;
    }
  }
});

test('OC_ADAPTIVE_THREADS=0 (or false) runs every pool at its static size; yes enables', async (t) => {
  for (const [value, mode] of [['0', 'disabled'], ['false', 'disabled'], ['yes', 'adaptive']] as const) {
    const r = run(['--listen', '127.0.0.1:0', '--cpus', '4'], { OC_ADAPTIVE_THREADS: value });
    try {
      const url = await boundUrl(r);
      const state = (await (await fetch(`${url}/v1/pools/transfer`)).json()) as { mode: string; target: number };
      t.is(state.mode, mode);
      t.is(state.target, 8);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      t.regex(metrics, new RegExp(`^adaptive_threads_enabled ${mode === 'disabled' ? 0 : 1}$`, 'm'));
      r.child.kill('SIGINT');
      t.is((await r.exit).code, 0);
    } finally {
      if (r.child.exitCode === null) r.child.kill('SIGKILL');
    }
  }
});

test('when OC_ADAPTIVE_THREADS is neither on nor off, then the sidecar does not start: exit 2 naming the variable and the value', async (t) => {
  for (const env of [{ OC_ADAPTIVE_THREADS: 'disabled' }, { OC_ADAPTIVE_THREADS: '1', OC_RSYNC_ADAPTIVE_THREADS: '0' }] as Record<string, string>[]) {
    const r = run(['--listen', '127.0.0.1:0'], env);
    const { code } = await r.exit;
    t.is(code, 2);
    t.regex(r.stderr(), /OC_ADAPTIVE_THREADS="(disabled" is not allowed|1" and OC_RSYNC_ADAPTIVE_THREADS="0" disagree)/);
  }
});
