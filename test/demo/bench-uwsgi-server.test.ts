// The bench's uWSGI runs in its own process group, out of reach of the terminal's Ctrl-C: a
// bench or test run stopped by a signal must not leave it serving.
import test from 'ava';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { constants } from 'node:os';
import { uwsgiMissing } from '../sources/uwsgi/real-uwsgi.js';
import { alive } from '../processes.js';

const HOLDER = new URL('../fixtures/uwsgi-holder.ts', import.meta.url).pathname;
const missing = uwsgiMissing();
if (missing !== null) console.log(missing);

/** Polls until `pid` is gone (reaped by init once its parent ended) or `limitMs` passes. */
async function gone(pid: number, limitMs: number): Promise<boolean> {
  const until = Date.now() + limitMs;
  while (alive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  return !alive(pid);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  (missing === null ? test.serial : test.skip)(`when a process running the bench's uWSGI gets ${signal}, then its uWSGI master and workers end with it, and it exits with 128 + the signal's number`, async (t) => {
    const child = spawn(process.execPath, ['--import', 'tsx', HOLDER], { stdio: ['ignore', 'pipe', 'inherit'] });
    const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(out);
      });
      child.on('close', () => reject(new Error(`the holder ended before starting uWSGI: ${out}`)));
    });
    const [masterText, workerText, dir] = line.trim().split(' ') as [string, string, string];
    const [master, worker] = [Number(masterText), Number(workerText)];
    t.teardown(() => {
      // a uWSGI left by a failure here must not outlive the test either
      if (alive(master)) process.kill(-master, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });
    t.true(master > 0 && worker > 0 && alive(master) && alive(worker), line);
    child.kill(signal);
    t.is(await closed, 128 + constants.signals[signal]);
    t.true(await gone(master, 10_000), `uWSGI's master ${master} outlived the process that started it`);
    t.true(await gone(worker, 10_000), `uWSGI's worker ${worker} outlived the process that started it`);
  });
}
