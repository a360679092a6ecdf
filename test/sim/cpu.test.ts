import test from 'ava';
import { PoolModel } from '../../src/sim/pool.js';
import { mulberry32 } from '../../src/sim/random.js';
import { drive, settle } from './drive.js';

test('when more threads are runnable than cores, then the cores are all in use and the rest wait (CPU + run delay = runnable time)', (t) => {
  // 16 tasks of 100 ms CPU on 8 cores, switch cost 0.1: all end at 220 ms.
  const pool = new PoolModel({ n: 8, size: 16, queueCapacity: 16, switchCost: 0.1 });
  for (let i = 0; i < 16; i += 1) pool.arrive({ arrivalMs: 0, cpuMs: 100, ioMs: 0 }, 0);
  settle(pool, 300);
  t.is(pool.completed, 16);
  t.true(Math.abs(pool.cpuMs - 8 * 220) < 1e-6, `cpu ${pool.cpuMs}`);
  t.true(Math.abs(pool.runDelayMs - 8 * 220) < 1e-6, `run delay ${pool.runDelayMs}`);
});

test('when fewer threads are runnable than cores, then run delay is 0 and CPU time is the CPU work done', (t) => {
  const pool = new PoolModel({ n: 4, size: 2, queueCapacity: 1000, switchCost: 0 });
  const r = mulberry32(3);
  let work = 0;
  drive(pool, 100, 60_000, (at) => {
    const cpuMs = r.exponential(5);
    work += cpuMs;
    return { arrivalMs: at, cpuMs, ioMs: r.exponential(10) };
  });
  settle(pool, 120_000);
  t.is(pool.runDelayMs, 0);
  t.true(Math.abs(pool.cpuMs - work) < 1e-6 * work, `cpu ${pool.cpuMs} vs work ${work}`);
});

test('when a pool runs CPU work beyond its cores for a long time, then CPU <= n x elapsed and run delay > 0', (t) => {
  const pool = new PoolModel({ n: 2, size: 8, queueCapacity: 64, switchCost: 0.1 });
  const r = mulberry32(4);
  drive(pool, 120, 60_000, (at) => ({ arrivalMs: at, cpuMs: r.exponential(20), ioMs: r.exponential(5) }));
  t.true(pool.cpuMs <= 2 * 60_000 + 1e-6, `cpu ${pool.cpuMs}`);
  t.true(pool.cpuMs > 0.9 * 2 * 60_000, 'offered 120 % of the cores: they are nearly always busy');
  t.true(pool.runDelayMs > 0);
  const s = pool.sample(60_000, 60_000, { report: 'documented', cpu: 'sample' });
  t.is(s.cpuSeconds, pool.cpuMs / 1000);
  t.is(s.runDelaySeconds, pool.runDelayMs / 1000);
  t.true(pool.refused > 0, 'a full hand-off queue turned tasks away');
  t.is(s.refused, pool.refused);
});

test('when the daemon reports in each style, then idle is as documented, left out, or 1 - busy/size', (t) => {
  // Two workers on one core: one task in I/O for the whole period, one worker waiting for a task.
  const style = (report: 'documented' | 'no-idle' | 'busy-idle', cpu: 'sample' | 'process' | 'none') => {
    const pool = new PoolModel({ n: 1, size: 2, queueCapacity: 4, switchCost: 0 });
    pool.arrive({ arrivalMs: 0, cpuMs: 0, ioMs: 1000 }, 0);
    pool.advance(100);
    return { pool, sample: pool.sample(100, 100, { report, cpu }) };
  };
  t.is(style('documented', 'sample').sample.idle, 1, 'blocked in I/O and waiting are both off-CPU');
  t.is(style('busy-idle', 'sample').sample.idle, 0.5, 'the worker in I/O counts busy');
  t.false('idle' in style('no-idle', 'sample').sample);
  for (const report of ['documented', 'no-idle', 'busy-idle'] as const) t.is(style(report, 'sample').sample.busy, 1);
  const sampled = style('documented', 'sample').sample;
  t.is(sampled.cpuSeconds, 0);
  t.is(sampled.runDelaySeconds, 0);
  const processed = style('no-idle', 'process');
  t.false('cpuSeconds' in processed.sample || 'runDelaySeconds' in processed.sample);
  t.deepEqual(processed.pool.cpuReading(100), { ts: 100, cpuSeconds: 0, runDelaySeconds: 0, threads: 2 });
  const blind = style('busy-idle', 'none').sample;
  t.false('cpuSeconds' in blind || 'runDelaySeconds' in blind);
});
