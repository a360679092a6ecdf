// Child processes for the end-to-end tests: spawn the CLI from source, collect its output,
// poll for a condition (never a fixed sleep), and kill whatever was started.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';
import { tempDir } from '../fixtures/temp.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'src/cli/main.ts');

export interface Proc {
  name: string;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** stdout lines that are JSON objects */
  json(): Record<string, unknown>[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL unless told otherwise; resolves once the process is gone */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** `node --import tsx src/cli/main.ts ARGS` */
export function spawnCli(name: string, args: readonly string[]): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let gone = false;
  void exited.then(() => (gone = true));
  return {
    name,
    child,
    stdout: () => out,
    stderr: () => err,
    json: () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{') && l.endsWith('}'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    exited,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (!gone) child.kill(signal);
      await exited;
    },
  };
}

/**
 * A config file in a temp dir removed in the test's teardown. Teardowns run last registered
 * first: make it before registering the teardown that kills the processes reading it.
 */
export function tempConfig(t: ExecutionContext, yaml: string): string {
  const file = join(tempDir(t, 'at-e2e-'), 'config.yaml');
  writeFileSync(file, yaml);
  return file;
}

/** Polls `probe` every 50 ms until it returns a value (not undefined); fails with the processes' output after timeoutMs. */
export async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, procs: readonly Proc[] = []): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    const dead = procs.find((p) => p.child.exitCode !== null || p.child.signalCode !== null);
    if (Date.now() > deadline || dead) {
      const why = dead ? `${dead.name} exited (${dead.child.exitCode ?? dead.child.signalCode})` : `not within ${timeoutMs} ms`;
      const tails = procs.map((p) => `--- ${p.name} stderr:\n${p.stderr().slice(-1500)}\n--- ${p.name} stdout:\n${p.stdout().slice(-1500)}`).join('\n');
      throw new Error(`${what}: ${why}\n${tails}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The URL the sidecar logs once it is bound (its "listening on" line). */
export function sidecarUrl(p: Proc, timeoutMs: number): Promise<string> {
  return until(`${p.name} listening`, () => {
    const line = p.json().find((l) => typeof l['url'] === 'string');
    return line === undefined ? undefined : (line['url'] as string);
  }, timeoutMs, [p]);
}

export async function getJson(url: string): Promise<Record<string, unknown> | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return res.ok ? ((await res.json()) as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
