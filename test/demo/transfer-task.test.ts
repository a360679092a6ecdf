// Reads the kernel: tested once against real worker threads (Linux only).
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { TRANSFER_THREAD_NAME } from '../../src/demo/transfer-task.js';
import type { TransferResult } from '../../src/demo/transfer-task.js';
import { WorkerPool } from '../../src/pool/worker-pool.js';

const linux = existsSync('/proc/thread-self/schedstat');
const module = new URL('../../src/demo/transfer-task.js', import.meta.url);

test('when a transfer runs on a worker thread, then the thread takes the transfer name and reports its own CPU, which grows with the hashing', async (t) => {
  if (!linux) {
    t.log('skipped: no /proc/thread-self/schedstat (not Linux)');
    t.pass();
    return;
  }
  const pool = new WorkerPool({ size: 1, queueCapacity: 4 });
  t.teardown(() => pool.terminate());
  const run = (rounds: number) => pool.run<TransferResult>({ module, fn: 'transfer', arg: { bytes: 65536, rounds, ioMs: 0, threadName: TRANSFER_THREAD_NAME, threadCpu: true } });
  const first = await run(1);
  const second = await run(200);
  const a = first.thread;
  const b = second.thread;
  if (!a || !b) return t.fail('no thread counters');
  t.is(a.tid, b.tid, 'one worker, one thread');
  t.is(readFileSync(`/proc/self/task/${a.tid}/comm`, 'utf8').trim(), TRANSFER_THREAD_NAME);
  t.true(b.cpuNs > a.cpuNs, 'hashing 200 rounds used CPU');
  t.true(b.runDelayNs >= a.runDelayNs);
  t.is(second.bytesHashed, 200 * 65536);
  const plain = await pool.run<TransferResult>({ module, fn: 'transfer', arg: { bytes: 1, rounds: 1, ioMs: 0 } });
  t.false('thread' in plain, 'not asked, not read');
});
