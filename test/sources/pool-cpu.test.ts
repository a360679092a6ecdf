import test from 'ava';
import { createPoolCpuSource } from '../../src/sources/pool-cpu.js';
import { fakeFiles, setThread } from './fake-files.js';

const S = 1e9;
const sample = (over: Record<string, number> = {}) => ({ ts: 1, size: 4, busy: 2, ...over });

test('when the config names the process, then each tick reads its matching threads', (t) => {
  const files = fakeFiles();
  setThread(files, 300, 301, { comm: 'xfer-0', schedstat: [2 * S, 1 * S] });
  setThread(files, 300, 302, { comm: 'log', schedstat: [9 * S, 0] });
  const read = createPoolCpuSource({ process: { pid: 300, pidFile: null, threads: '^xfer-' } }, { files, now: () => 5 });
  t.deepEqual(read([sample()]), { ts: 5, cpuSeconds: 2, runDelaySeconds: 1, threads: 1 });
});

test('when samples carry the daemon\'s pid, then that process is read, and the pid is kept for ticks without one', (t) => {
  const files = fakeFiles();
  setThread(files, 77, 77, { schedstat: [1 * S, 0] });
  const read = createPoolCpuSource({ process: null }, { files, now: () => 5 });
  t.is(read([sample()]), null, 'no pid known yet');
  t.like(read([sample({ pid: 77 })]), { cpuSeconds: 1 });
  t.like(read([sample()]), { cpuSeconds: 1 });
});

test('when samples carry cpuSeconds, then nothing is read (the sample source comes first)', (t) => {
  const files = fakeFiles();
  setThread(files, 77, 77, { schedstat: [1 * S, 0] });
  const read = createPoolCpuSource({ process: { pid: 77, pidFile: null, threads: null } }, { files, now: () => 5 });
  t.is(read([sample({ cpuSeconds: 3 })]), null);
  t.deepEqual(files.reads, []);
});
