import test from 'ava';
import { PoolModel, cpuRate } from '../../src/sim/pool.js';
import { mulberry32 } from '../../src/sim/random.js';
import { drive, settle } from './drive.js';

test('when an M/M/c queue runs long, then Little\'s law holds within 2 % (queue length = arrival rate x wait)', (t) => {
  // c = 4 workers on 8 cores (no CPU contention), exponential 10 ms service, 300 tasks/s: rho = 0.75.
  const pool = new PoolModel({ n: 8, size: 4, queueCapacity: 100_000, switchCost: 0.1 });
  const service = mulberry32(2);
  const T = 600_000;
  drive(pool, 300, T, (at) => ({ arrivalMs: at, cpuMs: service.exponential(10), ioMs: 0 }));
  const meanQueue = pool.queueTotalMs / T;
  const meanWait = pool.waits.reduce((a, b) => a + b, 0) / pool.waits.length;
  const lambda = pool.started / T;
  t.is(pool.refused, 0);
  t.true(Math.abs(meanQueue / (lambda * meanWait) - 1) < 0.02, `L=${meanQueue}, lambda*W=${lambda * meanWait}`);
  // and busy workers = throughput x service time (Little on the servers)
  t.true(Math.abs(pool.busyTotalMs / T / ((pool.completed / T) * 10) - 1) < 0.02);
});

test('when more CPU phases are runnable than cores, then each runs slower, with the switch cost on top', (t) => {
  t.is(cpuRate(8, 8, 0.1), 1);
  t.is(cpuRate(16, 8, 0.1), 0.5 / 1.1);
  // 16 tasks of 100 ms CPU on 8 cores: a fair share alone would take 200 ms; switching adds 10 %.
  const pool = new PoolModel({ n: 8, size: 16, queueCapacity: 16, switchCost: 0.1 });
  for (let i = 0; i < 16; i += 1) pool.arrive({ arrivalMs: 0, cpuMs: 100, ioMs: 0 }, 0);
  t.is(pool.runnableThreads, 16);
  t.true(Math.abs(pool.nextEventMs() - 220) < 1e-6);
  settle(pool, 219);
  t.is(pool.completed, 0);
  settle(pool, 221);
  t.is(pool.completed, 16);
});

test('when the CPU phase ends, then the I/O phase blocks without using a core', (t) => {
  const pool = new PoolModel({ n: 1, size: 2, queueCapacity: 4, switchCost: 0 });
  pool.arrive({ arrivalMs: 0, cpuMs: 10, ioMs: 100 }, 0);
  pool.arrive({ arrivalMs: 0, cpuMs: 10, ioMs: 100 }, 0);
  settle(pool, 20);
  t.is(pool.runnableThreads, 0, 'both in I/O');
  settle(pool, 120);
  t.is(pool.completed, 2);
  const s = pool.sample(120, 120);
  t.is(s.busy, 2);
  t.true(Math.abs((s.idle ?? 0) - 200 / 240) < 1e-9, 'blocked time is idle, runnable time is busy');
});

test('when a pool shrinks below its busy workers, then each retires only after its task', (t) => {
  const pool = new PoolModel({ n: 8, size: 4, queueCapacity: 10, switchCost: 0 });
  for (let i = 0; i < 3; i += 1) pool.arrive({ arrivalMs: 0, cpuMs: 0, ioMs: 100 }, 0);
  pool.resize(1, 10);
  t.is(pool.size, 1);
  t.is(pool.threads, 3, 'the waiting worker left at once; the three busy ones finish first');
  settle(pool, 99);
  t.is(pool.threads, 3);
  settle(pool, 100);
  t.is(pool.completed, 3);
  t.is(pool.threads, 1);
});

test('when a pool grows, then the new worker takes a queued task at once', (t) => {
  const pool = new PoolModel({ n: 8, size: 1, queueCapacity: 10, switchCost: 0 });
  pool.arrive({ arrivalMs: 0, cpuMs: 0, ioMs: 100 }, 0);
  pool.arrive({ arrivalMs: 0, cpuMs: 0, ioMs: 100 }, 0);
  t.is(pool.queueDepth, 1);
  pool.resize(2, 5);
  t.is(pool.queueDepth, 0);
  t.deepEqual(pool.waits, [0, 5]);
});

test('when the hand-off queue is full, then arriving tasks are refused and the stall is reported', (t) => {
  const pool = new PoolModel({ n: 8, size: 1, queueCapacity: 2, switchCost: 0 });
  for (let i = 0; i < 5; i += 1) pool.arrive({ arrivalMs: 0, cpuMs: 0, ioMs: 1000 }, 0);
  t.is(pool.queueDepth, 2);
  t.is(pool.refused, 2);
  pool.advance(500);
  const s = pool.sample(500, 500);
  t.is(s.queueStall, 1);
  t.is(s.queueCapacity, 2);
  t.is(s.busy, 1);
});
