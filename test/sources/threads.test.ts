import test from 'ava';
import { parseSchedstat, parseStat } from '../../src/sources/threads.js';
import { statLine } from './fake-files.js';

test('when schedstat is "ns_on_cpu ns_waiting timeslices", then the first two are the counters', (t) => {
  t.deepEqual(parseSchedstat('39070875 9181309 65\n'), { kind: 'schedstat', cpuNs: 39_070_875, runDelayNs: 9_181_309 });
  t.is(parseSchedstat(''), null);
  t.is(parseSchedstat('12\n'), null);
  t.is(parseSchedstat('-1 2 3\n'), null);
});

test('when a comm holds spaces and parentheses, then stat fields 14 and 15 are still utime and stime', (t) => {
  for (const comm of ['plain', 'a) (b c', ') (', 'x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 (']) {
    t.deepEqual(parseStat(statLine(7, comm, 250, 50)), { kind: 'stat', cpuNs: 3e9, runDelayNs: null }, comm);
  }
});

test('when a stat line is cut short or has no parenthesis, then it is not read', (t) => {
  t.is(parseStat('7 (x) S 1 2 3\n'), null);
  t.is(parseStat('7 x S 1 2 3 4 5 6 7 8 9 10 11 12 13 14\n'), null);
});
