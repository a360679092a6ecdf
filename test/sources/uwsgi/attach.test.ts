import test from 'ava';
import { Subject, VirtualAction, VirtualTimeScheduler } from 'rxjs';
import type { Sample } from '../../../src/core/index.js';
import { attachUwsgiSources, POLL_LEAD_MS } from '../../../src/sources/uwsgi/index.js';
import { pool } from '../../streams/helpers.js';
import { captureLogger, fixture } from './helpers.js';

const PERIOD_MS = 100;

function rig() {
  const scheduler = new VirtualTimeScheduler(VirtualAction, 0);
  const ingested: { pool: string; sample: Sample }[] = [];
  const writes: string[] = [];
  const targets = new Subject<number>();
  const readsAt: number[] = [];
  const stop = attachUwsgiSources({
    engine: {
      ingest: (name, samples) => {
        for (const sample of samples) ingested.push({ pool: name, sample });
        return { pool: name, target: 2, action: 'hold', mode: 'adaptive' };
      },
      targetChanges: () => targets.asObservable(),
      // the pool ticks at every multiple of the period
      nextTickMs: () => (Math.floor(scheduler.now() / PERIOD_MS) + 1) * PERIOD_MS,
    },
    config: {
      pools: [
        pool('web', 'transfer', { periodMs: PERIOD_MS }, { source: { type: 'uwsgi', stats: '/run/uwsgi/stats.sock', fifo: '/run/uwsgi/master.fifo', cheaper: 1 } }),
        pool('posted', 'transfer', { periodMs: PERIOD_MS }),
      ],
      cpus: 1,
    },
    logger: captureLogger().logger,
    scheduler,
    readStats: async () => (readsAt.push(scheduler.now()), fixture('idle-2-of-6')),
    fifo: { write: (_path, text) => void writes.push(text) },
    cpu: null,
    listenQueue: null,
  });
  /** Runs the virtual clock to `ms`, letting each poll's promise settle on the way. */
  const runTo = async (ms: number) => {
    for (let t = scheduler.frame; t <= ms; t += PERIOD_MS) {
      scheduler.maxFrames = t;
      scheduler.flush();
      await new Promise((r) => setImmediate(r));
    }
  };
  return { ingested, writes, targets, stop, runTo, readsAt, reads: () => readsAt.length };
}

test('when a pool has a uwsgi source, then uWSGI is read once a period, just before the pool\'s tick, and each read is fed as the pool\'s sample', async (t) => {
  const r = rig();
  await r.runTo(3 * PERIOD_MS);
  const lead = Math.min(POLL_LEAD_MS, PERIOD_MS / 4);
  t.deepEqual(r.readsAt, [0, PERIOD_MS - lead, 2 * PERIOD_MS - lead, 3 * PERIOD_MS - lead], 'at the start, then a lead before each tick');
  t.deepEqual(r.ingested.map((i) => [i.pool, i.sample.size]), [['web', 2], ['web', 2], ['web', 2], ['web', 2]], 'and only for the pool with the source');
  r.stop();
});

test('when the target changes between reads, then it is applied to the FIFO at once', async (t) => {
  const r = rig();
  await r.runTo(0);
  r.targets.next(4);
  t.deepEqual(r.writes, ['++']);
  r.stop();
});

test('when the sources are stopped, then nothing is read or written any more', async (t) => {
  const r = rig();
  await r.runTo(PERIOD_MS);
  r.stop();
  const reads = r.reads();
  await r.runTo(5 * PERIOD_MS);
  r.targets.next(5);
  t.is(r.reads(), reads);
  t.deepEqual(r.writes, []);
});
