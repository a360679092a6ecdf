import test from 'ava';
import { Device } from '../../src/sim/device.js';
import { PoolModel } from '../../src/sim/pool.js';
import type { Task } from '../../src/sim/pool.js';
import { mulberry32 } from '../../src/sim/random.js';

test('when more requests arrive than the device has slots, then the rest wait and are served first-in first-out', (t) => {
  const d = new Device<string>(2);
  d.submit('a', 100, 0);
  d.submit('b', 100, 0);
  d.submit('c', 10, 0);
  d.submit('d', 10, 5);
  t.is(d.inService, 2);
  t.is(d.waiting, 2);
  const order: [string, number][] = [];
  while (d.nextMs() < Infinity) {
    const at = d.nextMs();
    order.push([d.complete(at), at]);
    t.true(d.inService <= 2);
  }
  t.deepEqual(order, [['a', 100], ['b', 100], ['c', 110], ['d', 110]]);
  t.throws(() => new Device<string>(0), { message: /at least one slot/ });
});

test('when a pool\'s I/O waits on a device of 2 slots, then 4 I/O tasks take two rounds and their latency shows it', (t) => {
  const pool = new PoolModel({ n: 8, size: 4, queueCapacity: 8, switchCost: 0, deviceSlots: 2 });
  for (let i = 0; i < 4; i += 1) pool.arrive({ arrivalMs: 0, cpuMs: 0, ioMs: 100 }, 0);
  t.is(pool.deviceWaiting, 2);
  for (let at = pool.nextEventMs(); at < Infinity; at = pool.nextEventMs()) {
    pool.advance(at);
    pool.fire(at);
  }
  t.deepEqual(pool.latencies, [100, 100, 200, 200]);
  t.deepEqual(pool.waits, [0, 0, 0, 0], 'every task found a worker: the wait is at the device');
  const s = pool.sample(200, 200);
  t.is(s.busy, 3, 'mean busy workers 600 worker-ms / 200 ms');
  t.is(s.idle, 1, 'a worker waiting on the device is off-CPU');
});

test('when tasks wait on a device, then Little\'s law holds within 2 % for the queue and for the whole pool', (t) => {
  const pool = new PoolModel({ n: 8, size: 6, queueCapacity: 100_000, switchCost: 0.1, deviceSlots: 3 });
  const r = mulberry32(7);
  const arrivals = mulberry32(8);
  const T = 600_000;
  let next = arrivals.exponential(1000 / 120);
  for (;;) {
    const at = Math.min(next, pool.nextEventMs());
    if (at > T) break;
    pool.advance(at);
    if (at === next) {
      const task: Task = { arrivalMs: at, cpuMs: r.exponential(2), ioMs: r.exponential(20) };
      pool.arrive(task, at);
      next = at + arrivals.exponential(1000 / 120);
    } else {
      pool.fire(at);
    }
  }
  pool.advance(T);
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const queue = pool.queueTotalMs / T;
  t.true(Math.abs(queue / ((pool.started / T) * mean(pool.waits)) - 1) < 0.02, 'hand-off queue');
  const inSystem = (pool.queueTotalMs + pool.busyTotalMs) / T;
  t.true(Math.abs(inSystem / ((pool.completed / T) * mean(pool.latencies)) - 1) < 0.02, `in system ${inSystem}`);
  t.true(pool.deviceWaiting >= 0);
});
