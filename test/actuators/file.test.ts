import test from 'ava';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileActuator } from '../../src/actuators/index.js';
import type { Decision } from '../../src/core/index.js';

function decision(pool: string, to: number): Decision {
  return { pool, ts: 0, action: 'grow', from: to - 1, to, recommended: to, reason: 'above-band', mode: 'adaptive', utilization: 0.9, queueStall: 0, workerIdle: 0.1, band: { low: 0.6, high: 0.85 } };
}

test('the size is written to {dir}/{pool}.size through a temp file and a rename', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'at-file-'));
  const attempts: string[] = [];
  const actuator = fileActuator({ dir, onAttempt: (p, r) => attempts.push(`${p}:${r}`) });
  t.like(await actuator.apply(decision('transfer', 12)), { status: 'ok', size: 12 });
  t.is(readFileSync(join(dir, 'transfer.size'), 'utf8'), '12\n');
  const all = await Promise.all([13, 14, 15].map((n) => actuator.apply(decision('transfer', n))));
  t.is(readFileSync(join(dir, 'transfer.size'), 'utf8'), '15\n', 'the newest size wins');
  t.is(all.at(-1)?.status, 'ok');
  t.deepEqual(readdirSync(dir), ['transfer.size'], 'no temp file left behind');
  t.true(attempts.every((a) => a === 'transfer:ok'));
});

test('a directory that cannot be written is an error outcome, counted, never a throw', async (t) => {
  const attempts: string[] = [];
  const actuator = fileActuator({ dir: '/nonexistent/adaptive-threads', onAttempt: (p, r) => attempts.push(`${p}:${r}`) });
  const out = await actuator.apply(decision('buffer', 8));
  t.like(out, { status: 'error', pool: 'buffer', size: 8 });
  t.deepEqual(attempts, ['buffer:error']);
});
