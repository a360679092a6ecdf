import test from 'ava';
import { BufferPool } from '../../src/pool/buffer-pool.js';
import { PoolError } from '../../src/pool/errors.js';

test('when shards are resized, then the shard count is what it was told and new shards start full', (t) => {
  const pool = new BufferPool({ bufferSize: 16, shards: 2, shardCapacity: 3 });
  t.is(pool.size, 2);
  pool.resize(5);
  t.is(pool.size, 5);
  t.like(pool.stats(), { allocated: 15, fallbackFree: 0 });
  pool.resize(1);
  t.is(pool.size, 1);
  t.like(pool.stats(), { fallbackFree: 12 }, 'retired shards drain their free buffers into the fallback');
  pool.resize(3);
  t.like(pool.stats(), { allocated: 15, fallbackFree: 6 }, 'a new shard is filled from the fallback before allocating');
});

test('when a shard retires while one of its buffers is in use, then that buffer is never handed out again until released', (t) => {
  const pool = new BufferPool({ bufferSize: 8, shards: 2, shardCapacity: 2, fallbackCapacity: 100 });
  const held = pool.acquire(1); // shard 1, which the shrink retires
  held.fill(0xab);
  pool.resize(1);
  t.is(pool.buffersInUse, 1);

  const others = Array.from({ length: 20 }, () => pool.acquire());
  t.false(others.includes(held));
  t.true(held.every((byte) => byte === 0xab), 'its contents are untouched');
  for (const buffer of others) pool.release(buffer);

  const before = pool.stats().fallbackFree;
  pool.release(held);
  t.is(pool.stats().fallbackFree, before + 1, 'released into the fallback, its shard being gone');
  t.is(pool.buffersInUse, 0);
});

test('when a buffer is released twice or was never acquired, then release() refuses', (t) => {
  const pool = new BufferPool({ bufferSize: 8, shards: 1, shardCapacity: 1 });
  const buffer = pool.acquire();
  pool.release(buffer);
  t.is(t.throws(() => pool.release(buffer), { instanceOf: PoolError })?.code, 'BUFFER_NOT_IN_USE');
  t.throws(() => pool.release(Buffer.alloc(8)), { instanceOf: PoolError });
});

test('when acquisitions find their shard empty, then they overflow to the fallback and the sample reports the overflow fraction', (t) => {
  let nowMs = 0;
  const pool = new BufferPool({ bufferSize: 8, shards: 1, shardCapacity: 1, now: () => nowMs });
  const first = pool.acquire(); // from the shard
  const second = pool.acquire(); // the shard is empty: overflow
  t.not(first, second);
  t.is(second.length, 8);
  t.is(pool.stats().overflowed, 1);

  nowMs = 1_000;
  t.deepEqual(pool.sample(), { ts: 1_000, size: 1, busy: 1, queueStall: 0.5, idle: 0, completed: 0 });

  nowMs = 1_500;
  pool.release(first);
  pool.release(second);
  nowMs = 2_000;
  t.deepEqual(pool.sample(), { ts: 2_000, size: 1, busy: 1, queueStall: 0, idle: 0.5, completed: 2 });
});

test('when a buffer comes back to its shard, then the next acquisition on that shard reuses it without overflow', (t) => {
  const pool = new BufferPool({ bufferSize: 8, shards: 2, shardCapacity: 1 });
  const a = pool.acquire(0);
  pool.release(a);
  t.is(pool.acquire(0), a);
  t.is(pool.stats().overflowed, 0);
});

test('when busy shards are counted, then only shards with a buffer out count, over the period', (t) => {
  let nowMs = 0;
  const pool = new BufferPool({ bufferSize: 8, shards: 4, shardCapacity: 2, now: () => nowMs });
  const a = pool.acquire(0);
  const b = pool.acquire(0);
  pool.acquire(2);
  nowMs = 100;
  t.like(pool.sample(), { size: 4, busy: 2, idle: 0.5, queueStall: 0 });
  pool.release(a);
  pool.release(b);
  nowMs = 200;
  t.like(pool.sample(), { busy: 1, idle: 0.75 });
});
