import test from 'ava';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileActuator, randomTempName, writeSizeFile } from '../../src/actuators/index.js';
import type { Sleep } from '../../src/actuators/index.js';
import type { Decision } from '../../src/core/index.js';
import { tempDir } from '../fixtures/temp.js';

function decision(pool: string, to: number): Decision {
  return { pool, ts: 0, action: 'grow', from: to - 1, to, recommended: to, reason: 'above-band', mode: 'adaptive', utilization: 0.9, queueStall: 0, workerIdle: 0.1, band: { low: 0.6, high: 0.85 } };
}

/** A sleep the test releases by hand, recording each back-off asked for. */
function heldSleep(): { sleep: Sleep; delays: number[]; waiting: () => Promise<void>; release: () => void } {
  const delays: number[] = [];
  let wake: () => void = () => undefined;
  let asleep: () => void = () => undefined;
  let nextSleep = new Promise<void>((resolve) => (asleep = resolve));
  return {
    delays,
    sleep: (ms) =>
      new Promise((resolve) => {
        delays.push(ms);
        wake = resolve;
        asleep();
      }),
    waiting: async () => {
      await nextSleep;
      nextSleep = new Promise<void>((resolve) => (asleep = resolve));
    },
    release: () => wake(),
  };
}

test('when a size is applied, then {dir}/{pool}.size holds it and no temp file is left; the newest size wins', async (t) => {
  const dir = tempDir(t, 'at-file-');
  const attempts: string[] = [];
  const actuator = fileActuator({ dir, onAttempt: (p, r) => attempts.push(`${p}:${r}`) });
  t.like(await actuator.apply(decision('transfer', 12)), { status: 'ok', size: 12 });
  t.is(readFileSync(join(dir, 'transfer.size'), 'utf8'), '12\n');
  const all = await Promise.all([13, 14, 15].map((n) => actuator.apply(decision('transfer', n))));
  t.is(readFileSync(join(dir, 'transfer.size'), 'utf8'), '15\n');
  t.is(all.at(-1)?.status, 'ok');
  t.deepEqual(readdirSync(dir), ['transfer.size'], 'no temp file left behind');
  t.true(attempts.every((a) => a === 'transfer:ok'));
});

test('when the sidecar runs under umask 0077 (systemd UMask=0077), then the size file is still 0644, readable by the daemon', async (t) => {
  const dir = tempDir(t, 'at-file-');
  const previous = process.umask(0o077);
  try {
    await writeSizeFile(dir, 'transfer', 9);
  } finally {
    process.umask(previous);
  }
  t.is(statSync(join(dir, 'transfer.size')).mode & 0o777, 0o644);
});

test('when a symlink is planted at the temp name, then it is not followed: its target is untouched and the size lands under another name', async (t) => {
  const dir = tempDir(t, 'at-file-');
  const victim = join(dir, 'victim');
  writeFileSync(victim, 'precious\n');
  symlinkSync(victim, join(dir, '.transfer.size.planted.tmp'));
  const names = ['.transfer.size.planted.tmp'];
  const { sleep, waiting, release } = heldSleep();
  const actuator = fileActuator({ dir, sleep, tempName: (pool) => names.shift() ?? randomTempName(pool) });
  const out = actuator.apply(decision('transfer', 7));
  await waiting();
  t.is(readFileSync(victim, 'utf8'), 'precious\n');
  t.true(lstatSync(join(dir, '.transfer.size.planted.tmp')).isSymbolicLink());
  release();
  t.like(await out, { status: 'ok', size: 7, attempts: 2 });
  t.is(readFileSync(join(dir, 'transfer.size'), 'utf8'), '7\n');
  t.is(readFileSync(victim, 'utf8'), 'precious\n');
});

test('when temp names are drawn, then they are unpredictable (64 random bits each)', (t) => {
  const names = new Set(Array.from({ length: 100 }, () => randomTempName('transfer')));
  t.is(names.size, 100);
  for (const n of names) t.regex(n, /^\.transfer\.size\.[0-9a-f]{16}\.tmp$/);
});

test('when the directory is missing, then the write is retried with back-off until it lands, each failure counted and reported', async (t) => {
  const dir = join(tempDir(t, 'at-file-'), 'later');
  const attempts: string[] = [];
  const failures: number[] = [];
  const delays: number[] = [];
  const sleep: Sleep = async (ms) => {
    delays.push(ms);
    if (delays.length === 3) mkdirSync(dir);
  };
  const actuator = fileActuator({ dir, sleep, onAttempt: (_p, r) => attempts.push(r) });
  const out = await actuator.apply(decision('buffer', 8), (f) => failures.push(f.attempts));
  t.deepEqual(out, { status: 'ok', pool: 'buffer', size: 8, attempts: 4 });
  t.deepEqual(attempts, ['error', 'error', 'error', 'ok']);
  t.deepEqual(failures, [1, 2, 3]);
  t.deepEqual(delays, [200, 400, 800]);
  t.is(readFileSync(join(dir, 'buffer.size'), 'utf8'), '8\n');
});

test('when a newer size comes while a failed write waits to retry, then the newer size is the one that lands', async (t) => {
  const dir = join(tempDir(t, 'at-file-'), 'later');
  const { sleep, waiting, release } = heldSleep();
  const actuator = fileActuator({ dir, sleep });
  const first = actuator.apply(decision('transfer', 8));
  await waiting();
  const second = actuator.apply(decision('transfer', 9));
  mkdirSync(dir);
  release();
  t.like(await first, { status: 'superseded', size: 8 });
  t.like(await second, { status: 'ok', size: 9, attempts: 1 });
  t.is(readFileSync(join(dir, 'transfer.size'), 'utf8'), '9\n');
});

test('when the actuator stops, then a pending retry gives up', async (t) => {
  const dir = join(tempDir(t, 'at-file-'), 'never');
  const { sleep, waiting, release } = heldSleep();
  const actuator = fileActuator({ dir, sleep });
  const out = actuator.apply(decision('transfer', 8));
  await waiting();
  actuator.stop();
  release();
  t.like(await out, { status: 'superseded' });
  t.false(existsSync(dir));
});

test('when a size is applied at start (a pin, a static size), then it is written like any other', async (t) => {
  const dir = tempDir(t, 'at-file-');
  const actuator = fileActuator({ dir });
  t.like(await actuator.initial?.('buffer', 16), { status: 'ok', size: 16 });
  t.is(readFileSync(join(dir, 'buffer.size'), 'utf8'), '16\n');
});
