import test from 'ava';
import type { ExecutionContext } from 'ava';
import { BufferPool } from '../../src/pool/buffer-pool.js';
import { WorkerPool } from '../../src/pool/worker-pool.js';
import { LoadGenerator, seededRandom } from '../../src/demo/load.js';

function setup(t: ExecutionContext, size: number, queueCapacity: number) {
  const pool = new WorkerPool({ size, queueCapacity });
  const buffers = new BufferPool({ bufferSize: 1024, shards: 4, shardCapacity: 2 });
  let nowMs = 1_000_000;
  const latencies: number[] = [];
  const load = new LoadGenerator({ pool, buffers, random: seededRandom(7), now: () => nowMs, onDone: (_, ms) => latencies.push(ms) });
  t.teardown(() => pool.terminate());
  return { pool, buffers, load, latencies, advance: (ms: number) => (nowMs += ms) };
}

test('when the same seed is used, then the same arrivals come', (t) => {
  const a = seededRandom(42);
  const b = seededRandom(42);
  const xs = Array.from({ length: 5 }, () => a());
  t.deepEqual(xs, Array.from({ length: 5 }, () => b()));
  t.true(xs.every((x) => x >= 0 && x < 1));
  t.notDeepEqual(xs, Array.from({ length: 5 }, seededRandom(43)));
});

test('when 200 transfers/s arrive for a second, then about 200 are submitted, all complete, and every buffer comes back', async (t) => {
  const { load, buffers, latencies, advance } = setup(t, 2, 1000);
  load.setLoad({ bytes: 1024, rounds: 1, ioMs: 0 }, 200);
  for (let i = 0; i < 100; i++) {
    advance(10);
    load.release();
  }
  await load.stop();
  const s = load.stats();
  t.true(s.submitted > 160 && s.submitted < 240, `Poisson count near 200: ${s.submitted}`);
  t.is(s.completed, s.submitted);
  t.is(s.refused + s.failed + s.inFlight, 0);
  t.is(latencies.length, s.completed);
  t.is(buffers.stats().inUse, 0);
  t.is(buffers.stats().released, s.submitted);
});

test('when the pool and its queue are full, then further transfers are refused and counted, and their buffers come back', async (t) => {
  const { load, buffers, advance } = setup(t, 1, 0);
  load.setLoad({ bytes: 0, rounds: 0, ioMs: 300 }, 1000);
  advance(50); // about 50 arrivals at once: one worker, no queue
  load.release();
  await load.stop();
  const s = load.stats();
  t.is(s.completed, 1);
  t.is(s.refused, s.submitted - 1);
  t.true(s.refused > 20);
  t.is(buffers.stats().inUse, 0);
  t.true(load.takeIoMs() >= 290, 'the accepted transfer blocked for its I/O');
  t.is(load.takeIoMs(), 0, 'taken once');
});

test('when the rate is 0, then nothing arrives; when the event loop stalls, then the backlog of arrivals is dropped, not flooded in', async (t) => {
  const { load, advance } = setup(t, 2, 1000);
  load.setLoad({ bytes: 0, rounds: 0, ioMs: 0 }, 0);
  advance(10_000);
  load.release();
  t.is(load.stats().submitted, 0);
  load.setLoad({ bytes: 0, rounds: 0, ioMs: 0 }, 100);
  advance(60_000); // a minute without a timer tick
  load.release();
  await load.stop();
  t.true(load.stats().submitted < 10, `${load.stats().submitted}`);
});
