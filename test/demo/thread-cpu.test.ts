import test from 'ava';
import { ThreadCpuTally } from '../../src/demo/thread-cpu.js';

test('when threads report cumulative counters, then the tally adds each one\'s growth, a new thread its whole count', (t) => {
  const tally = new ThreadCpuTally();
  tally.add({ tid: 10, cpuNs: 2e9, runDelayNs: 1e9 });
  tally.add({ tid: 11, cpuNs: 1e9, runDelayNs: 0 });
  tally.add({ tid: 10, cpuNs: 2.5e9, runDelayNs: 1.5e9 });
  t.is(tally.cpuSeconds, 3.5);
  t.is(tally.runDelaySeconds, 1.5);
});

test('when a thread id comes back with lower counters (a new thread), then its whole count is added and the totals never fall', (t) => {
  const tally = new ThreadCpuTally();
  tally.add({ tid: 10, cpuNs: 2e9, runDelayNs: 1e9 });
  tally.add({ tid: 10, cpuNs: 0.5e9, runDelayNs: 0.1e9 });
  t.is(tally.cpuSeconds, 2.5);
  t.is(tally.runDelaySeconds, 1.1);
});
