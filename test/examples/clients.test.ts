// The daemon loops of docs/examples/clients (C, Python, Rust), compiled once each into a temp
// dir and run as real processes against a real sidecar: the pool follows pinned targets, the
// samples carry refused and CPU, the loop backs off while the sidecar is away and reports again
// when it is back, and SIGTERM stops it cleanly. A language whose tool is absent is skipped.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startSidecar } from './sidecar.js';
import type { Sidecar } from './sidecar.js';
import { freePort } from '../../bench/common.js';

const CLIENTS = fileURLToPath(new URL('../../docs/examples/clients/', import.meta.url));
const BUILD = mkdtempSync(join(tmpdir(), 'at-clients-'));
const run = promisify(execFile);

/** A compiler's warnings are shown, not fatal: another compiler version may add lints. */
function warn(lang: string, { stderr }: { stderr: string }): void {
  if (stderr.trim() !== '') console.log(`${lang} daemon loop: compiler warnings:\n${stderr}`);
}

interface Lang {
  name: 'c' | 'python' | 'rust';
  tool: string;
  /** resolves to the command line that runs the daemon */
  build(): Promise<string[]>;
}

const LANGS: Lang[] = [
  {
    name: 'c',
    tool: 'gcc',
    async build() {
      const out = join(BUILD, 'daemon-loop-c');
      warn('c', await run('gcc', ['-O2', '-Wall', '-Wextra', '-pthread', '-o', out, join(CLIENTS, 'c/daemon-loop.c'), '-lm']));
      return [out];
    },
  },
  { name: 'python', tool: 'python3', build: () => Promise.resolve(['python3', join(CLIENTS, 'python/daemon_loop.py')]) },
  {
    name: 'rust',
    tool: 'rustc',
    async build() {
      const out = join(BUILD, 'daemon-loop-rs');
      warn('rust', await run('rustc', ['-O', '--edition', '2021', '-o', out, join(CLIENTS, 'rust/main.rs')]));
      return [out];
    },
  },
];

const present = (tool: string) => spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0;
// Started at load, once per language, all at once; each test awaits its own.
const builds = new Map(LANGS.filter((l) => present(l.tool)).map((l) => [l.name, l.build()]));
for (const l of LANGS) if (!builds.has(l.name)) console.log(`${l.tool} not found: skipping the ${l.name} daemon loop`);
for (const b of builds.values()) b.catch(() => undefined); // reported by the test that awaits it
// After the last test, once no compiler still writes there (a test not run leaves its build unawaited).
test.after.always(async () => {
  await Promise.allSettled(builds.values());
  rmSync(BUILD, { recursive: true, force: true });
});

interface Daemon {
  out(): string;
  pid: number;
  exited: Promise<number | null>;
  stop(signal: NodeJS.Signals): Promise<number | null>;
}

function startDaemon(cmd: string[], args: string[], env: NodeJS.ProcessEnv = process.env): Daemon {
  const [file, ...pre] = cmd as [string, ...string[]];
  const child = spawn(file, [...pre, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  // 'close', not 'exit': by then stdout and stderr are read to their end, the last line included.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return {
    out: () => out,
    pid: child.pid as number,
    exited,
    stop(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Polls every 50 ms until `probe` holds; fails with the daemon's output after timeoutMs. */
async function until(t: ExecutionContext, what: string, daemon: Daemon, probe: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) {
      t.log(daemon.out().slice(-2000));
      throw new Error(`${what}: not within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}


// A daemon offered 200 tasks/s of 20 ms each: 4 workers keep up, 1 cannot (its queue of 4 fills).
const WORKLOAD = ['--size', '2', '--period-ms', '100', '--rate', '200', '--queue', '4', '--sleep-ms', '20', '--hash-kib', '64'];

let sidecar: Sidecar;
test.before(async () => {
  sidecar = await startSidecar(LANGS.map((l) => l.name));
});
test.after.always(async () => {
  await sidecar.stop();
});

async function size(pool: string): Promise<number> {
  const state = (await (await fetch(`${sidecar.url}/v1/pools/${pool}`)).json()) as { size: number };
  return state.size;
}

async function pin(pool: string, to: number | null): Promise<number> {
  const res = await fetch(`${sidecar.url}/v1/pools/${pool}/pin`, to === null ? { method: 'DELETE' } : { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ size: to }) });
  return res.status;
}

for (const lang of LANGS) {
  const maybe = builds.has(lang.name) ? test : test.skip;

  maybe(`when the ${lang.name} daemon loop is pinned to 5, to 1 and past its --max-workers, then its pool reports each size (the cap's), with refused and CPU in its samples`, async (t) => {
    const cmd = await (builds.get(lang.name) as Promise<string[]>);
    // The forms of --sidecar: HOST:PORT and the URL.
    const where = lang.name === 'python' ? sidecar.url : `127.0.0.1:${sidecar.port}`;
    const daemon = startDaemon(cmd, ['--sidecar', where, '--pool', lang.name, ...WORKLOAD, '--max-workers', '6', '--seconds', '50']);
    try {
      await until(t, 'first samples', daemon, () => sidecar.samples(lang.name).length >= 2);
      t.is(await pin(lang.name, 5), 200);
      await until(t, 'size 5', daemon, async () => (await size(lang.name)) === 5);
      t.is(await pin(lang.name, 1), 200);
      await until(t, 'size 1', daemon, async () => (await size(lang.name)) === 1);
      await until(t, 'refusals at size 1', daemon, () => (sidecar.samples(lang.name).at(-1)?.refused ?? 0) > 0);
      // More than --max-workers: the loop runs its cap and says what the sidecar asked for.
      t.is(await pin(lang.name, 7), 200);
      await until(t, 'size 6', daemon, async () => (await size(lang.name)) === 6);
      await until(t, 'the capped target said', daemon, () => /^sample size=6 .*target=6 \(the sidecar's 7, capped by --max-workers\)$/m.test(daemon.out()));
      t.is(await pin(lang.name, null), 200);
      t.is(await daemon.stop('SIGTERM'), 0, 'SIGTERM is a clean exit');
    } finally {
      await daemon.stop('SIGKILL');
    }
    const samples = sidecar.samples(lang.name);
    const last = samples.at(-1);
    t.true((last?.completed ?? 0) > 0);
    // Counters are cumulative: they never go down, workers retiring included.
    for (const key of ['completed', 'refused', 'cpuSeconds'] as const) {
      t.true(samples.every((s, i) => i === 0 || (s[key] ?? 0) >= (samples[i - 1]?.[key] ?? 0)), `${key} never decreases`);
    }
    if (existsSync('/proc/thread-self/schedstat')) {
      t.true((last?.cpuSeconds ?? 0) > 0 && (last?.runDelaySeconds ?? -1) >= 0, 'CPU and run delay from schedstat');
    } else {
      t.true((last?.cpuSeconds ?? 0) > 0 || last?.pid === daemon.pid, 'CPU: cpuSeconds, or the pid');
    }
    t.true(samples.every((s) => s.busy <= s.size && s.queueCapacity === 4));
    const out = daemon.out();
    t.regex(out, /^sample size=5 busy=\d+ .*target=5$/m);
    t.regex(out, /^sample size=1 busy=[01] .*target=1$/m);
    t.regex(out, /^stopped \(SIGTERM\): completed=\d+ refused=[1-9]\d*$/m);
  });

  maybe(`when the sidecar is away, then the ${lang.name} daemon loop keeps its size, backs off, and reports again once the sidecar is back`, async (t) => {
    const cmd = await (builds.get(lang.name) as Promise<string[]>);
    const port = await freePort();
    const daemon = startDaemon(cmd, ['--sidecar', `127.0.0.1:${port}`, '--pool', lang.name, ...WORKLOAD, '--period-ms', '50', '--seconds', '50']);
    let back: Sidecar | undefined;
    try {
      const tries = () => [...daemon.out().matchAll(/^sidecar unreachable \(.+\): keeping size=2, next try in (\d+) ms$/gm)].map((m) => Number(m[1]));
      await until(t, 'three failed tries', daemon, () => tries().length >= 3);
      const waits = tries().slice(0, 3); // 2, 4 and 8 periods, less up to a quarter each
      t.true(waits.every((w, i) => i === 0 || w > (waits[i - 1] as number)), `back-off grows: ${waits.join(', ')}`);
      back = await startSidecar([lang.name], port);
      await until(t, 'samples again', daemon, () => back !== undefined && back.samples(lang.name).length >= 1);
      t.is(back.samples(lang.name)[0]?.size, 2, 'the size was kept');
      await until(t, 'the recovery logged', daemon, () => /^sidecar back after \d+ failed tries$/m.test(daemon.out()));
      t.is(await daemon.stop('SIGINT'), 0);
      t.regex(daemon.out(), /^stopped \(SIGINT\)/m);
    } finally {
      await daemon.stop('SIGKILL');
      await back?.stop();
    }
  });
}

/** A server that accepts connections and never answers (a hung sidecar); it records when each came. */
async function silentServer(): Promise<{ port: number; acceptedAt: number[]; close(): Promise<void> }> {
  const acceptedAt: number[] = [];
  const open = new Set<Socket>();
  const server = createServer((sock) => {
    acceptedAt.push(Date.now());
    open.add(sock);
    sock.on('error', () => undefined);
    sock.on('close', () => open.delete(sock));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    acceptedAt,
    close: async () => {
      for (const sock of open) sock.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

for (const lang of LANGS) {
  // Serial: it times connections on this process's event loop, which the other tests' spawnSync would hold.
  const maybe = builds.has(lang.name) ? test.serial : test.skip;

  maybe(`when the sidecar hangs, then the ${lang.name} daemon loop waits its back-off after each 2 s timeout (not from the try's start) and stops soon after SIGTERM`, async (t) => {
    const cmd = await (builds.get(lang.name) as Promise<string[]>);
    const hung = await silentServer();
    const daemon = startDaemon(cmd, ['--sidecar', `127.0.0.1:${hung.port}`, '--pool', lang.name, '--size', '2', '--rate', '0', '--period-ms', '500', '--seconds', '50']);
    try {
      await until(t, 'a second try', daemon, () => hung.acceptedAt.length >= 2, 15_000);
      const [first, second] = hung.acceptedAt as [number, number];
      const waits = [...daemon.out().matchAll(/^sidecar unreachable \(no whole answer within 2 s\): keeping size=2, next try in (\d+) ms$/gm)].map((m) => Number(m[1]));
      t.is(waits.length, 1, daemon.out());
      // 2 periods less up to a quarter: 750-1000 ms after the 2 s the try took (the timeout's own slack aside).
      t.true(second - first >= 2000 + (waits[0] as number) - 100, `${second - first} ms between the tries, the back-off ${String(waits[0])} ms`);
      const signalled = Date.now();
      t.is(await daemon.stop('SIGTERM'), 0);
      t.true(Date.now() - signalled < 3000, `stopped ${Date.now() - signalled} ms after SIGTERM (a try in flight ends within 2 s)`);
    } finally {
      await daemon.stop('SIGKILL');
      await hung.close();
    }
  });
}

/**
 * A server that is no well-behaved sidecar, one behaviour a connection in turn: a 202 with its
 * Content-Length on a connection it keeps open (as a proxy may), an answer that is no HTTP, and
 * an answer that trickles in a byte every 300 ms. It records each request's head.
 */
async function oddServer(): Promise<{ port: number; heads: string[]; acceptedAt: number[]; close(): Promise<void> }> {
  const heads: string[] = [];
  const acceptedAt: number[] = [];
  const open = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((sock) => {
    open.add(sock);
    sock.on('error', () => undefined);
    sock.on('close', () => open.delete(sock));
    const k = acceptedAt.push(Date.now()) - 1;
    let head = '';
    sock.on('data', (chunk: Buffer) => {
      if (head.includes('\r\n\r\n')) return;
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      heads.push(head.slice(0, head.indexOf('\r\n\r\n')));
      const body = '{"pool":"odd","target":3,"action":"hold","mode":"adaptive"}';
      if (k === 0) sock.write(`HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: keep-alive\r\n\r\n${body}`);
      else if (k === 1) sock.end('hello, this is no HTTP\r\n\r\n');
      else {
        const text = `HTTP/1.1 202 Accepted\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
        let i = 0;
        const timer = setInterval(() => {
          if (i >= text.length || sock.destroyed) return void clearInterval(timer);
          sock.write(text[i++] as string);
        }, 300);
        timers.add(timer);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    heads,
    acceptedAt,
    close: async () => {
      for (const t of timers) clearInterval(t);
      for (const sock of open) sock.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

for (const lang of LANGS) {
  const maybe = builds.has(lang.name) ? test : test.skip;

  maybe(`when the ${lang.name} daemon loop meets a keep-alive proxy, an answer that is no HTTP and one that trickles in, then it reads the first by its length, survives the second and gives up on the third at 2 s, sending its token`, async (t) => {
    const cmd = await (builds.get(lang.name) as Promise<string[]>);
    const odd = await oddServer();
    const daemon = startDaemon(cmd, ['--sidecar', `127.0.0.1:${odd.port}`, '--pool', 'odd', ...WORKLOAD, '--seconds', '50'], { ...process.env, ADAPTIVE_THREADS_TOKEN: 's3cret' });
    try {
      await until(t, 'the target read from the open connection', daemon, () => /^sample size=2 .*target=3$/m.test(daemon.out()), 10_000);
      t.true(Date.now() - (odd.acceptedAt[0] as number) < 1500, 'without waiting for the connection to close');
      t.regex(odd.heads[0] ?? '', /^POST \/v1\/pools\/odd\/samples HTTP\/1\.1\r\n/);
      t.regex(odd.heads[0] ?? '', /\r\nAuthorization: Bearer s3cret(\r\n|$)/i, 'the token from the environment');
      await until(t, 'the answer that is no HTTP', daemon, () => /^sidecar unreachable \(.*no HTTP answer.*\): keeping size=3, next try in \d+ ms$/m.test(daemon.out()), 10_000);
      await until(t, 'the trickle given up', daemon, () => /^sidecar unreachable \(.*no whole answer within 2 s.*\): keeping size=3/m.test(daemon.out()), 15_000);
      const trickleAt = odd.acceptedAt[2] as number;
      t.true(Date.now() - trickleAt < 3500, `the trickle was cut at 2 s (${Date.now() - trickleAt} ms after its connection)`);
      t.is(await daemon.stop('SIGTERM'), 0, 'still running, and a clean exit');
    } finally {
      await daemon.stop('SIGKILL');
      await odd.close();
    }
  });
}

for (const lang of LANGS) {
  const maybe = builds.has(lang.name) ? test : test.skip;

  maybe(`when the ${lang.name} daemon loop is given a bad sidecar address, rate or number, then it exits 2 naming the flag and what is allowed (every number at most 1000000)`, async (t) => {
    const cmd = await (builds.get(lang.name) as Promise<string[]>);
    const refuse = (args: string[]) => spawnSync(cmd[0] as string, [...cmd.slice(1), ...args], { encoding: 'utf8', timeout: 10_000 });
    for (const sidecar of ['127.0.0.1:abc', '127.0.0.1:99999', '::1:9464', 'https://127.0.0.1:9464', '127.0.0.1:+9464']) {
      const r = refuse(['--sidecar', sidecar, '--seconds', '1']);
      t.is(r.status, 2, `--sidecar ${sidecar}: ${r.stderr}`);
      t.regex(r.stderr, /--sidecar/);
      t.notRegex(r.stderr, /Traceback|panicked/);
    }
    const r = refuse(['--rate', '2000000000', '--seconds', '1']);
    t.is(r.status, 2, r.stderr);
    t.regex(r.stderr, /--rate .*1000000/);
    const fraction = refuse(['--seconds', '1.5']);
    t.is(fraction.status, 2, `--seconds 1.5: ${fraction.stderr}`);
    t.regex(fraction.stderr, /--seconds/);
    // A name no resolver takes: refused at start, or an unreachable sidecar the loop backs off from; never a crash.
    const badName = refuse(['--sidecar', 'a..b:9464', '--seconds', '1', '--rate', '0', '--period-ms', '100']);
    t.true(badName.status === 0 || badName.status === 2, `--sidecar a..b:9464: status ${String(badName.status)}: ${badName.stderr}`);
    t.notRegex(badName.stdout + badName.stderr, /Traceback|panicked/);
    // A number past 1000000 would overflow a deadline or ask for more memory than there is: refused, not a crash.
    for (const [flag, value] of [['--seconds', '18446744073709551615'], ['--queue', '99999999999999'], ['--hash-kib', '999999999999999']]) {
      const big = refuse([flag as string, value as string]);
      t.is(big.status, 2, `${flag} ${value}: ${big.stderr}`);
      t.regex(big.stderr, new RegExp(`${flag} .*1000000`));
      t.notRegex(big.stderr, /Traceback|panicked|allocation/);
    }
    const help = refuse(['--help']);
    t.is(help.status, 0, help.stderr);
    t.regex(help.stdout, /--sidecar/);
    const unknown = refuse(['--bogus', 'x']);
    t.is(unknown.status, 2, unknown.stderr);
    t.regex(unknown.stderr, /unrecognized arguments: --bogus|unknown flag --bogus/);
  });
}
