import test from 'ava';
import type { ExecutionContext } from 'ava';
import { fileURLToPath } from 'node:url';
import { PoolError } from '../../src/pool/errors.js';
import { createGate, hash } from '../../src/pool/tasks.js';
import { WorkerPool } from '../../src/pool/worker-pool.js';
import type { WorkerPoolOptions } from '../../src/pool/types.js';

const fixtures = fileURLToPath(new URL('./fixtures/tasks.ts', import.meta.url));

function makePool(t: ExecutionContext, options: WorkerPoolOptions): WorkerPool {
  const pool = new WorkerPool(options);
  t.teardown(() => pool.terminate());
  return pool;
}

function code(err: unknown): string | undefined {
  return err instanceof PoolError ? err.code : undefined;
}

test('when a pool shrinks below its busy workers, then every running task completes and its result is delivered', async (t) => {
  const pool = makePool(t, { size: 3, queueCapacity: 0 });
  const gate = createGate();
  const running = ['a', 'b', 'c'].map((value) => pool.run({ kind: 'gate', gate: gate.buffer, value }));
  t.is(pool.busy, 3);

  pool.resize(1);
  t.is(pool.size, 1);
  t.is(pool.threads, 3, 'busy workers are retired after their task, not cut short');

  gate.open();
  const results = await Promise.all(running);
  t.deepEqual(results, [
    { opened: true, value: 'a' },
    { opened: true, value: 'b' },
    { opened: true, value: 'c' },
  ]);
  await pool.whenSettled();
  t.is(pool.threads, 1);
});

test('when a pool shrinks, then idle workers are retired at once and busy ones take no new task', async (t) => {
  const pool = makePool(t, { size: 3, queueCapacity: 4 });
  const gate = createGate();
  const first = pool.run({ kind: 'gate', gate: gate.buffer, value: 1 });
  pool.resize(1);
  await pool.whenSettled();
  t.is(pool.threads, 1, 'the two idle workers exited while the busy one kept running');

  const second = pool.run({ kind: 'gate', gate: gate.buffer, value: 2 });
  t.is(pool.queueDepth, 1, 'the one worker is busy, so the next task waits');
  gate.open();
  t.deepEqual(await Promise.all([first, second]), [
    { opened: true, value: 1 },
    { opened: true, value: 2 },
  ]);
});

test('when a pool grows, then it runs exactly as many tasks at once as it was told, and no more threads', async (t) => {
  const pool = makePool(t, { size: 1, queueCapacity: 8 });
  const gate = createGate();
  pool.resize(4);
  t.is(pool.size, 4);
  t.is(pool.threads, 4);
  const tasks = [1, 2, 3, 4, 5].map((value) => pool.run({ kind: 'gate', gate: gate.buffer, value }));
  t.is(pool.busy, 4);
  t.is(pool.queueDepth, 1);

  pool.resize(2);
  pool.resize(3);
  t.is(pool.size, 3);
  t.is(pool.threads, 4, 'a retiring worker is taken back before a new thread starts');

  gate.open();
  await Promise.all(tasks);
  await pool.whenSettled();
  t.is(pool.threads, 3);
  t.is(pool.size, 3);
});

test('when every worker is busy and the queue is full, then run() refuses with POOL_QUEUE_FULL and counts it', async (t) => {
  const pool = makePool(t, { size: 1, queueCapacity: 2 });
  const gate = createGate();
  const accepted = [1, 2, 3].map((value) => pool.run({ kind: 'gate', gate: gate.buffer, value }));
  t.is(pool.queueDepth, 2);

  const refused = await pool.run({ kind: 'gate', gate: gate.buffer, value: 4 }).catch((err: unknown) => err);
  t.is(code(refused), 'POOL_QUEUE_FULL');
  t.is(pool.stats().refused, 1);
  t.is(pool.queueDepth, 2, 'a refused task takes no queue slot');

  gate.open();
  t.is((await Promise.all(accepted)).length, 3);
  t.is(pool.stats().completed, 3);
});

test('when the queue was full for part of a period, then the sample reports that fraction, the mean busy workers and the completions', async (t) => {
  let nowMs = 1_000;
  const pool = makePool(t, { size: 1, queueCapacity: 1, now: () => nowMs });
  const gate = createGate();
  const tasks = [1, 2].map((value) => pool.run({ kind: 'gate', gate: gate.buffer, value }));

  nowMs = 1_500;
  t.deepEqual(pool.sample(), {
    ts: 1_500, size: 1, busy: 1, queueDepth: 1, queueCapacity: 1, queueStall: 1, idle: 0, completed: 0,
  });

  nowMs = 1_750; // both tasks finish now: full and busy for the first half of the next period
  gate.open();
  await Promise.all(tasks);
  nowMs = 2_000;
  t.deepEqual(pool.sample(), {
    ts: 2_000, size: 1, busy: 1, queueDepth: 0, queueCapacity: 1, queueStall: 0.5, idle: 0.5, completed: 2,
  });

  nowMs = 3_000;
  t.like(pool.sample(), { busy: 0, queueStall: 0, idle: 1, completed: 2 });
});

test('when a sample is taken with an explicit time, then the period ends at that time', async (t) => {
  const pool = makePool(t, { size: 2, queueCapacity: 0, now: () => 0 });
  const gate = createGate();
  const task = pool.run({ kind: 'gate', gate: gate.buffer });
  t.like(pool.sample(400), { ts: 400, size: 2, busy: 1, idle: 0.5, queueStall: 0 });
  gate.open();
  await task;
});

test('when a hash task runs, then it hashes real bytes in the worker and returns the digest', async (t) => {
  const pool = makePool(t, { size: 1, queueCapacity: 0 });
  const result = await pool.run({ kind: 'hash', bytes: 65_536, rounds: 2, ioMs: 5 });
  const local = hash({ bytes: 65_536, rounds: 2 });
  t.is(result.digest, local.digest);
  t.regex(result.digest, /^[0-9a-f]{64}$/);
  t.is(result.bytesHashed, 131_072);
});

test('when a task throws, then run() rejects with TASK_FAILED and the worker keeps serving', async (t) => {
  const pool = makePool(t, { size: 1, queueCapacity: 0 });
  const err = await pool.run({ kind: 'fail', message: 'disk on fire' }).catch((e: unknown) => e);
  t.is(code(err), 'TASK_FAILED');
  t.is((err as Error).message, 'disk on fire');
  t.is(await pool.run<number>({ module: fixtures, fn: 'double', arg: { n: 21 } }), 42);
  t.like(pool.stats(), { completed: 2, failed: 1, workerExits: 0, threads: 1 });
});

test('when a worker dies mid-task, then that task rejects with WORKER_EXITED and a new worker keeps the size', async (t) => {
  const pool = makePool(t, { size: 1, queueCapacity: 1 });
  await pool.run({ module: fixtures, fn: 'double', arg: { n: 1 } }); // the worker is up before it dies
  const err = await pool.run({ module: fixtures, fn: 'die' }).catch((e: unknown) => e);
  t.is(code(err), 'WORKER_EXITED');
  t.is(pool.size, 1);
  t.is(await pool.run<number>({ module: fixtures, fn: 'double', arg: { n: 5 } }), 10);
  t.is(pool.stats().workerExits, 1);
});

test('when a pool closes, then queued tasks are refused, running ones finish and every thread ends', async (t) => {
  const pool = makePool(t, { size: 1, queueCapacity: 1 });
  const gate = createGate();
  const running = pool.run({ kind: 'gate', gate: gate.buffer, value: 'kept' });
  const queued = pool.run({ kind: 'gate', gate: gate.buffer }).catch((e: unknown) => e);
  const closed = pool.close();
  t.is(code(await queued), 'POOL_CLOSED');
  gate.open();
  t.deepEqual(await running, { opened: true, value: 'kept' });
  await closed;
  t.is(pool.threads, 0);
  t.is(code(await pool.run({ kind: 'hash', bytes: 1 }).catch((e: unknown) => e)), 'POOL_CLOSED');
});
