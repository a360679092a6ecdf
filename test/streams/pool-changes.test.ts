// What a reload changes in a pool, as its log line says it.
import test from 'ava';
import { poolChanges } from '../../src/streams/index.js';
import { pool } from './helpers.js';

test('when a reload changes a pool, then each change is named: threads and mode with their values, parameters by name, the process and the source', (t) => {
  const before = pool('web', 'transfer', { periodMs: 1000 });
  t.deepEqual(poolChanges(before, before), []);
  t.deepEqual(poolChanges(before, { ...before, mode: 'observe' }), ['mode adaptive -> observe']);
  t.deepEqual(poolChanges(before, { ...before, pinned: 6 }), ['threads adaptive -> 6']);
  t.deepEqual(poolChanges(before, pool('web', 'transfer', { periodMs: 2000, band: { low: 0.5, high: 0.8 } })), ['periodMs', 'band']);
  const source = { type: 'uwsgi' as const, stats: '/run/uwsgi/stats.sock', fifo: '/run/uwsgi/master.fifo', cheaper: 2 };
  t.deepEqual(poolChanges(before, { ...before, source, kind: 'buffer' }), ['kind transfer -> buffer', 'source']);
  t.deepEqual(poolChanges({ ...before, process: { pid: 1, pidFile: null, threads: null } }, before), ['process']);
});
