import test from 'ava';
import { Subject, VirtualAction, VirtualTimeScheduler } from 'rxjs';
import type { Sample } from '../../../src/core/index.js';
import { attachUwsgiSources, POLL_LEAD_MS } from '../../../src/sources/uwsgi/index.js';
import { pool } from '../../streams/helpers.js';
import { captureLogger, clock, fixture } from './helpers.js';

const PERIOD_MS = 100;

function rig() {
  const scheduler = new VirtualTimeScheduler(VirtualAction, 0);
  const ingested: { pool: string; sample: Sample }[] = [];
  const writes: string[] = [];
  const targets = new Subject<number>();
  const readsAt: number[] = [];
  const { stop } = attachUwsgiSources({
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
  const runTo = clock(scheduler, PERIOD_MS);
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

/** An engine that holds every pool at 2, ticking at each multiple of the period; `targets` gets each pool's target changes to drive. */
function engineOf(scheduler: VirtualTimeScheduler, targets: Map<string, Subject<number>>) {
  return {
    ingest: (name: string) => ({ pool: name, target: 2, action: 'hold' as const, mode: 'adaptive' as const }),
    targetChanges: (name: string) => {
      const s = targets.get(name) ?? new Subject<number>();
      targets.set(name, s);
      return s.asObservable();
    },
    nextTickMs: () => (Math.floor(scheduler.now() / PERIOD_MS) + 1) * PERIOD_MS,
    state: () => ({ mode: 'adaptive' as const, target: 2 }),
  };
}

test('when a reload adds, changes and removes uWSGI sources, then reads follow the new file and an unchanged source goes on untouched', async (t) => {
  const scheduler = new VirtualTimeScheduler(VirtualAction, 0);
  const reads: { at: number; stats: string }[] = [];
  const writes: { fifo: string; text: string }[] = [];
  const targets = new Map<string, Subject<number>>();
  const src = (stats: string) => ({ source: { type: 'uwsgi' as const, stats, fifo: `${stats}.fifo`, cheaper: 1 } });
  const sources = attachUwsgiSources({
    engine: engineOf(scheduler, targets),
    config: { pools: [pool('web', 'transfer', { periodMs: PERIOD_MS }, src('/a')), pool('api', 'transfer', { periodMs: PERIOD_MS }, src('/b'))], cpus: 1 },
    logger: captureLogger().logger,
    scheduler,
    readStats: async (stats) => (reads.push({ at: scheduler.now(), stats }), fixture('idle-2-of-6')),
    fifo: { write: (fifo, text) => void writes.push({ fifo, text }) },
    cpu: null,
    listenQueue: null,
  });
  const runTo = clock(scheduler, PERIOD_MS / 4);
  const readsOf = (stats: string, from: number) => reads.filter((r) => r.stats === stats && r.at >= from).length;
  await runTo(2 * PERIOD_MS);
  t.true(readsOf('/a', 0) >= 2 && readsOf('/b', 0) >= 2);
  // web's stats move, api goes on as it was, and a new pool with a source comes.
  sources.reconfigure({ pools: [pool('web', 'transfer', { periodMs: PERIOD_MS }, src('/c')), pool('api', 'transfer', { periodMs: PERIOD_MS }, src('/b')), pool('new', 'transfer', { periodMs: PERIOD_MS }, src('/d'))], cpus: 1 });
  const at = scheduler.now();
  await runTo(5 * PERIOD_MS);
  t.is(readsOf('/a', at + 1), 0, 'the old stats address is no longer read');
  t.true(readsOf('/c', at) >= 3, 'the new one is');
  t.true(readsOf('/d', at) >= 3, 'the added pool is read');
  const lead = Math.min(POLL_LEAD_MS, PERIOD_MS / 4);
  t.deepEqual(reads.filter((r) => r.stats === '/b').map((r) => r.at), [0, 1, 2, 3, 4, 5].map((k) => k * PERIOD_MS - (k === 0 ? 0 : lead)), 'the unchanged source keeps its pace: no extra read at the reload');
  targets.get('web')?.next(4);
  t.deepEqual(writes.at(-1), { fifo: '/c.fifo', text: '++' }, 'targets go to the new FIFO');
  // A reload that takes the source away from web and removes new: both stop.
  sources.reconfigure({ pools: [pool('web', 'transfer', { periodMs: PERIOD_MS }), pool('api', 'transfer', { periodMs: PERIOD_MS }, src('/b'))], cpus: 1 });
  const later = scheduler.now();
  await runTo(8 * PERIOD_MS);
  t.is(readsOf('/c', later + 1) + readsOf('/d', later + 1), 0);
  t.true(readsOf('/b', later) >= 3);
  targets.get('web')?.next(6);
  t.is(writes.filter((w) => w.text !== '\n').length, 1, 'a source that stopped writes nothing');
  sources.stop();
});

test('when a reload renews a source while uWSGI still holds its -, then the new source does not send it again', async (t) => {
  const scheduler = new VirtualTimeScheduler(VirtualAction, 0);
  const writes: string[] = [];
  const config = (periodMs: number) => ({ pools: [pool('web', 'transfer', { periodMs }, { source: { type: 'uwsgi' as const, stats: '/a', fifo: '/a.fifo', cheaper: 1 } })], cpus: 1 });
  const sources = attachUwsgiSources({
    // the pool wants 1 worker; uWSGI keeps running 2 (it has not applied the - yet)
    engine: { ingest: (name) => ({ pool: name, target: 1, action: 'hold', mode: 'adaptive' }), targetChanges: () => new Subject<number>(), nextTickMs: () => (Math.floor(scheduler.now() / PERIOD_MS) + 1) * PERIOD_MS },
    config: config(PERIOD_MS),
    logger: captureLogger().logger,
    scheduler,
    readStats: async () => fixture('idle-2-of-6'),
    fifo: { write: (_fifo, text) => void writes.push(text) },
    cpu: null,
    listenQueue: null,
  });
  const runTo = clock(scheduler, PERIOD_MS / 4);
  await runTo(2 * PERIOD_MS);
  t.deepEqual(writes.filter((w) => w !== '\n'), ['-']);
  sources.reconfigure(config(2 * PERIOD_MS));
  await runTo(8 * PERIOD_MS);
  t.deepEqual(writes.filter((w) => w !== '\n'), ['-'], 'the renewed source counts from the size already asked for');
  sources.stop();
});

test('when a buffer pool has a uWSGI source, then the log says its workers get a buffer pool\'s bounds', (t) => {
  const { lines, logger } = captureLogger();
  const source = { type: 'uwsgi' as const, stats: '/a', fifo: '/a.fifo', cheaper: 4 };
  const sources = attachUwsgiSources({
    engine: { ingest: (name) => ({ pool: name, target: 4, action: 'hold', mode: 'adaptive' }), targetChanges: () => new Subject<number>(), nextTickMs: () => PERIOD_MS },
    config: { pools: [pool('shards', 'buffer', { periodMs: PERIOD_MS }, { source }), pool('web', 'transfer', { periodMs: PERIOD_MS }, { source: { ...source, stats: '/b', fifo: '/b.fifo' } })], cpus: 2 },
    logger,
    scheduler: new VirtualTimeScheduler(VirtualAction, 0),
    readStats: async () => fixture('idle-2-of-6'),
    fifo: { write: () => undefined },
    cpu: null,
    listenQueue: null,
  });
  const warnings = lines.filter((l) => l.level === 'warn').map((l) => l.msg);
  t.is(warnings.length, 1, 'the transfer pool is not warned about');
  t.regex(warnings[0] ?? '', /pool shards: kind buffer with a uWSGI source: .*within a buffer pool's bounds \(4\.\.8\); kind transfer/);
  sources.stop();
});

test('when uWSGI runs no worker from the sidecar\'s start, then the engine\'s mode and target for the pool decide what is asked', async (t) => {
  const scheduler = new VirtualTimeScheduler(VirtualAction, 0);
  const writes: string[] = [];
  // every worker cheaped, as a hand at the FIFO can leave uWSGI before the sidecar starts
  const doc = JSON.parse(fixture('idle-2-of-6')) as { workers: { pid: number; status: string }[] };
  for (const w of doc.workers) Object.assign(w, { pid: 0, status: 'cheap' });
  const cheaped = JSON.stringify(doc);
  const sources = attachUwsgiSources({
    engine: {
      ingest: (name) => ({ pool: name, target: 3, action: 'hold', mode: 'adaptive' }),
      targetChanges: () => new Subject<number>(),
      nextTickMs: () => (Math.floor(scheduler.now() / PERIOD_MS) + 1) * PERIOD_MS,
      state: (name) => {
        if (name !== 'web') throw new Error(`no pool ${name}`);
        return { mode: 'adaptive', target: 3 };
      },
    },
    config: { pools: [pool('web', 'transfer', { periodMs: PERIOD_MS }, { source: { type: 'uwsgi', stats: '/a', fifo: '/a.fifo', cheaper: 1 } })], cpus: 1 },
    logger: captureLogger().logger,
    scheduler,
    readStats: async () => cheaped,
    fifo: { write: (_path, text) => void writes.push(text) },
    cpu: null,
    listenQueue: null,
  });
  await clock(scheduler, PERIOD_MS)(3 * PERIOD_MS);
  t.deepEqual(writes.filter((w) => w !== '\n'), ['+++'], 'the engine\'s target of 3, asked once uWSGI answered so twice');
  sources.stop();
});

/** Two pools `a` and `b` with their stats and FIFO in `dirs`, on recorded uWSGI answers; `realPath`: where a FIFO's path leads. */
function twoPools(dirs: [string, string], realPath: (path: string) => string, answer: string = fixture('idle-2-of-6')) {
  const scheduler = new VirtualTimeScheduler(VirtualAction, 0);
  const writes: { fifo: string; text: string }[] = [];
  const targets = new Map<string, Subject<number>>();
  const { lines, logger } = captureLogger();
  const src = (dir: string) => ({ source: { type: 'uwsgi' as const, stats: `${dir}/stats.sock`, fifo: `${dir}/master.fifo`, cheaper: 1 } });
  const sources = attachUwsgiSources({
    engine: engineOf(scheduler, targets),
    config: { pools: [pool('a', 'transfer', { periodMs: PERIOD_MS }, src(dirs[0])), pool('b', 'transfer', { periodMs: PERIOD_MS }, src(dirs[1]))], cpus: 1 },
    logger,
    scheduler,
    // every master is pid 10024: one uWSGI, or two in their own PID namespaces
    readStats: async () => answer,
    fifo: { write: (fifo, text) => void writes.push({ fifo, text }), realPath },
    cpu: null,
    listenQueue: null,
  });
  const commands = () => writes.filter((w) => w.text !== '\n');
  return { sources, src, targets, lines, commands, runTo: clock(scheduler, PERIOD_MS / 4) };
}

test('when two pools reach one uWSGI\'s FIFO by paths the config could not tell apart, then the one that read it second writes nothing and says so, until the first is gone', async (t) => {
  // /link is a link to /run, made after the config was loaded: one FIFO.
  const { sources, src, targets, lines, commands, runTo } = twoPools(['/run', '/link'], (path) => path.replace(/^\/link\//, '/run/'));
  await runTo(3 * PERIOD_MS);
  targets.get('a')?.next(4);
  targets.get('b')?.next(3);
  t.deepEqual(commands(), [{ fifo: '/run/master.fifo', text: '++' }], 'pool a drives it; pool b writes nothing');
  const said = lines.filter((l) => l.level === 'warn' && /which pool a has too and read first/.test(l.msg));
  t.is(said.length, 1, 'said once');
  t.regex(said[0]!.msg, /^pool b: its FIFO \/link\/master\.fifo is \/run\/master\.fifo, which pool a has too.*pool b writes nothing to it/);
  t.false(lines.some((l) => /without being asked|another sidecar/.test(l.msg) && l.level === 'warn'), 'pool a\'s commands are not taken for another algorithm\'s');
  // The operator removes pool a: pool b drives the uWSGI from its next read.
  sources.reconfigure({ pools: [pool('b', 'transfer', { periodMs: PERIOD_MS }, src('/link'))], cpus: 1 });
  await runTo(5 * PERIOD_MS);
  t.true(lines.some((l) => l.level === 'info' && /^pool b: no other pool has its FIFO \/link\/master\.fifo now: commands are written again/.test(l.msg)));
  targets.get('b')?.next(3);
  t.deepEqual(commands().at(-1), { fifo: '/link/master.fifo', text: '+' }, 'from the 2 it read to 3');
  sources.stop();
});

test('when two pools reach one uWSGI\'s FIFO through a link and it runs no worker, then only the pool that read it first asks for workers', async (t) => {
  const doc = JSON.parse(fixture('idle-2-of-6')) as { workers: { pid: number; status: string }[] };
  for (const w of doc.workers) Object.assign(w, { pid: 0, status: 'cheap' });
  const { sources, targets, lines, commands, runTo } = twoPools(['/run', '/link'], (path) => path.replace(/^\/link\//, '/run/'), JSON.stringify(doc));
  targets.get('a')?.next(3);
  targets.get('b')?.next(3);
  await runTo(3 * PERIOD_MS);
  t.true(commands().length > 0, 'pool a asks');
  t.true(commands().every((c) => c.fifo === '/run/master.fifo'), JSON.stringify(commands()));
  t.true(lines.some((l) => l.level === 'warn' && /^pool b: its FIFO \/link\/master\.fifo is \/run\/master\.fifo, which pool a has too/.test(l.msg)));
  sources.stop();
});

test('when two uWSGIs in two PID namespaces report one master pid, then their pools are not taken for one: each FIFO is its own file', async (t) => {
  const { sources, targets, lines, commands, runTo } = twoPools(['/srv/a', '/srv/b'], (path) => path);
  await runTo(3 * PERIOD_MS);
  targets.get('a')?.next(4);
  targets.get('b')?.next(3);
  t.deepEqual(commands(), [{ fifo: '/srv/a/master.fifo', text: '++' }, { fifo: '/srv/b/master.fifo', text: '+' }]);
  t.false(lines.some((l) => l.level === 'warn'));
  sources.stop();
});
