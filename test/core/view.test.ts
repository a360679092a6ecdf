import test from 'ava';
import { tick } from '../../src/core/controller.js';
import { decisionLine, poolQueue, poolView } from '../../src/core/view.js';
import type { Decision } from '../../src/core/types.js';
import { atUtilization, drive, start } from './helpers.js';

const decision: Decision = {
  pool: 'transfer',
  ts: 0,
  action: 'grow',
  from: 20,
  to: 21,
  recommended: 21,
  reason: 'above-band',
  mode: 'adaptive',
  utilization: 0.89,
  queueStall: 0.42,
  workerIdle: 0.02,
  band: { low: 0.6, high: 0.85 },
};

test('when a decision is logged, then the line is exactly docs/design.md', (t) => {
  t.is(
    decisionLine(decision),
    'adaptive_thread_pool: domain=transfer size=20 utilization=89% queue_stall=42% worker_idle=2% target=[60,85] action=grow new_size=21',
  );
});

test('when a signal is missing, then the line says n/a', (t) => {
  t.is(
    decisionLine({ ...decision, action: 'hold', to: 20, utilization: null, queueStall: null, workerIdle: null }),
    'adaptive_thread_pool: domain=transfer size=20 utilization=n/a queue_stall=n/a worker_idle=n/a target=[60,85] action=hold new_size=20',
  );
});

test('when a pool is shown, then its state has every field of docs/integration.md and the cooldowns left', (t) => {
  const run = drive(start({ n: 8, params: { law: 'band' } }), 0, 3000, atUtilization(0.9, { rate: () => 100 }));
  const view = poolView(run.state, 3000);
  t.deepEqual(Object.keys(view).sort(), [
    'band', 'bounds', 'ceiling', 'classification', 'cpu', 'demand', 'growReadyInMs', 'kind', 'lastDecisions', 'law', 'mode', 'name', 'queueStall',
    'recommended', 'shrinkReadyInMs', 'size', 'stale', 'target', 'throughput', 'utilization', 'workerIdle',
  ]);
  t.like(view, { name: 'transfer', kind: 'transfer', mode: 'adaptive', law: 'band', size: 17, target: 17, bounds: { min: 4, max: 32 } });
  t.is(view.growReadyInMs, 3000, 'grew at 1000 ms, ready at 6000 ms');
  t.is(view.shrinkReadyInMs, 27_000, 'a first shrink waits one shrink cooldown from start');
  t.is(view.throughput, 100);
  t.is(view.lastDecisions.length, 1);
});

test('when a pool\'s daemon reported its queue and then went silent, then the queue is shown until the pool is stale, and not after', (t) => {
  let s = start({ n: 8 });
  s = tick(s, [{ ts: 1000, size: 16, busy: 16, queueDepth: 93, queueCapacity: 100 }], 1000).state;
  t.deepEqual(poolQueue(s), { name: 'transfer', depth: 93, capacity: 100 });
  s = tick(s, [{ ts: 2000, size: 16, busy: 16 }], 2000).state;
  t.deepEqual(poolQueue(s), { name: 'transfer', depth: 93, capacity: 100 }, 'a sample without a depth keeps the last one');
  const silent = [3000, 4000, 5000].map((ms) => {
    s = tick(s, [], ms).state;
    return poolQueue(s).depth;
  });
  t.deepEqual(silent, [93, 93, null], 'gone with the pool stale (three periods without a sample)');
  s = tick(s, [{ ts: 6000, size: 16, busy: 8 }], 6000).state;
  t.is(poolQueue(s).depth, 93, 'back with the samples');
});
