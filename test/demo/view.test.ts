import test from 'ava';
import type { Decision } from '../../src/core/index.js';
import { formatPhase, formatReport, formatSummary, formatTick, HEADER, tickLineOf } from '../../src/demo/view.js';
import { demoLoads } from '../../src/demo/phases.js';

const decision: Decision = {
  pool: 'transfer',
  ts: 1_000_012_500,
  action: 'grow',
  from: 5,
  to: 6,
  recommended: 6,
  reason: 'above-band',
  mode: 'adaptive',
  utilization: 0.976,
  queueStall: 0.4,
  workerIdle: 0.1,
  band: { low: 0.6, high: 0.85 },
};

test('when a pool grows, then its line shows time, phase, pool, size, target, utilization and the action with its reason', (t) => {
  const line = formatTick(tickLineOf(decision, 1_000_000_000, 'io', 5));
  t.is(line, '  12.5s  io     transfer  size   5  target   6  util  98%  GROW (above-band)');
});

test('when a pool holds without data, then the action is lower case and utilization a dash', (t) => {
  const line = formatTick(tickLineOf({ ...decision, action: 'hold', to: 4, utilization: null, reason: 'no-data', pool: 'buffer' }, 1_000_012_000, 'quiet', 4));
  t.is(line, '   0.5s  quiet  buffer    size   4  target   4  util    -  hold (no-data)');
});

test('when lines are printed, then the header names every column in order', (t) => {
  const cols = ['time', 'phase', 'pool', 'size', 'target', 'util', 'action (reason)'];
  let at = -1;
  for (const c of cols) {
    const i = HEADER.indexOf(c, at + 1);
    t.true(i > at, c);
    at = i;
  }
});

test('when a phase starts, then its line says which and what it offers', (t) => {
  const line = formatPhase(20_000, demoLoads({ n: 2, msPerRound: 0.04 }).cpu);
  t.regex(line, /^ {2}20\.0s {2}-- phase cpu: CPU-heavy: 150 transfers\/s/);
});

test('when only the daemon runs, then a report line shows the reply or the failure', (t) => {
  const base = { ts: 3000, pool: 'transfer', size: 6, connected: true, completed: 10 };
  t.is(formatReport({ ...base, result: 'posted', target: 6 }, 1000, 'io'), '   2.0s  io     transfer  size   6  target   6  posted');
  t.is(formatReport({ ...base, result: 'failed', target: null, connected: false }, 1000, 'io'), '   2.0s  io     transfer  size   6  target   -  failed');
});

test('when the demo ends, then the summary gives transfers, their rate, and each pool\'s final size and resizes', (t) => {
  const text = formatSummary({
    elapsedMs: 10_000,
    load: { submitted: 1200, completed: 1000, refused: 200, failed: 0, inFlight: 0 },
    resizes: { transfer: 3, buffer: 1 },
    sizes: { transfer: 6, buffer: 5 },
  });
  t.is(text, 'demo: ran 10.0s; transfers: 1000 completed (100.0/s), 200 refused, 0 failed\ndemo: final sizes: transfer 6 (3 resizes), buffer 5 (1 resizes)');
});
