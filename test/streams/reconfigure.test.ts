// A reload in virtual time: pools added, removed and changed, each surviving pool keeping
// its controller state; a changed `threads:` pins or unpins; a new law keeps the size.
import test from 'ava';
import { createEngine } from '../../src/streams/index.js';
import type { Engine } from '../../src/streams/index.js';
import type { Decision } from '../../src/core/index.js';
import { createPoolCpuSource } from '../../src/sources/pool-cpu.js';
import { fakeFiles, setThread } from '../sources/fake-files.js';
import { pool, virtualClock } from './helpers.js';
import type { Clock } from './helpers.js';

/** A daemon that obeys the reply and is always fully busy, so the pool grows. */
function busyDaemon(clock: Clock, engine: Engine, name: string, fromMs: number, untilMs: number): void {
  let size = 16;
  let completed = 0;
  for (let ms = fromMs; ms <= untilMs; ms += 1000) {
    clock.at(ms, () => {
      if (!engine.has(name)) return;
      completed += size * 10;
      size = engine.ingest(name, [{ ts: clock.scheduler.now(), size, busy: size, idle: 0.9, completed }]).target;
    });
  }
}

function collect(engine: Engine): Decision[] {
  const out: Decision[] = [];
  engine.decisions$.subscribe((d) => out.push(d));
  return out;
}

test('when a reload adds and removes pools, then the new pool runs and the removed one is gone (a waiting long poll is answered)', (t) => {
  const clock = virtualClock();
  const engine = createEngine({ config: { pools: [pool('transfer'), pool('old', 'buffer')], cpus: 8, enabled: true }, scheduler: clock.scheduler });
  const answers: number[] = [];
  let completed = false;
  engine.waitForTarget('old', 60_000).subscribe({ next: (v) => answers.push(v), complete: () => (completed = true) });
  clock.advanceTo(2000);
  const result = engine.reconfigure({ pools: [pool('transfer'), pool('fresh', 'buffer')], cpus: 8 });
  t.deepEqual(result, { added: ['fresh'], removed: ['old'], changed: [], restarted: [] });
  t.deepEqual(engine.pools, ['transfer', 'fresh']);
  t.false(engine.has('old'));
  t.true(completed, 'the long poll on the removed pool is over');
  t.throws(() => engine.ingest('old', [{ ts: 2000, size: 1, busy: 0 }]), { message: /unknown pool/ });
  t.like(engine.state('fresh'), { kind: 'buffer', mode: 'adaptive' });
  t.is(engine.states().length, 2);
  engine.stop();
});

test('when a reload changes a pool\'s band, then the pool keeps its state (target, last decisions) and uses the new band', (t) => {
  const clock = virtualClock();
  const engine = createEngine({ config: { pools: [pool('transfer')], cpus: 8, enabled: true }, scheduler: clock.scheduler });
  busyDaemon(clock, engine, 'transfer', 500, 30_000);
  clock.advanceTo(12_000);
  const before = engine.state('transfer');
  t.true(before.target > 16, 'it grew before the reload');
  const result = engine.reconfigure({ pools: [pool('transfer', 'transfer', { band: { low: 0.5, high: 0.9 } })], cpus: 8 });
  t.deepEqual(result, { added: [], removed: [], changed: ['transfer'], restarted: [] });
  const after = engine.state('transfer');
  t.is(after.target, before.target);
  t.deepEqual(after.lastDecisions, before.lastDecisions);
  t.deepEqual(after.band, { low: 0.5, high: 0.9 });
  clock.advanceTo(30_000);
  t.true(engine.state('transfer').target > before.target, 'it goes on sizing');
  engine.stop();
});

test('when a reload changes only where a pool\'s samples or CPU come from, then the pool is changed (its loop and CPU source are made again) and keeps its state', (t) => {
  const clock = virtualClock();
  const made: string[] = [];
  const engine = createEngine({
    config: { pools: [pool('transfer')], cpus: 8, enabled: true },
    scheduler: clock.scheduler,
    readCpu: (p) => (made.push(`${p.name}:${p.process?.pid ?? '-'}`), undefined),
  });
  busyDaemon(clock, engine, 'transfer', 500, 12_000);
  clock.advanceTo(12_000);
  const before = engine.state('transfer');
  const withProcess = pool('transfer', 'transfer', {}, { process: { pid: 4242, pidFile: null, threads: null } });
  t.deepEqual(engine.reconfigure({ pools: [withProcess], cpus: 8 }), { added: [], removed: [], changed: ['transfer'], restarted: [] });
  t.deepEqual(made, ['transfer:-', 'transfer:4242'], 'the CPU source is made again from the new process');
  t.is(engine.state('transfer').target, before.target);
  const withSource = { ...withProcess, source: { type: 'uwsgi' as const, stats: '127.0.0.1:9191', fifo: '/run/uwsgi/master.fifo', cheaper: 2 } };
  t.deepEqual(engine.reconfigure({ pools: [withSource], cpus: 8 }).changed, ['transfer']);
  t.deepEqual(engine.reconfigure({ pools: [withSource], cpus: 8 }).changed, [], 'the same file again changes nothing');
  engine.stop();
});

test('when a reload points a pool\'s source at another daemon (another stats address or FIFO), then the pool starts afresh and adopts that daemon\'s size at its first sample', (t) => {
  const clock = virtualClock();
  const source = (stats: string, fifo: string) => ({ type: 'uwsgi' as const, stats, fifo, cheaper: 2 });
  const a = pool('web', 'transfer', {}, { source: source('/run/a/stats.sock', '/run/a/master.fifo') });
  const engine = createEngine({ config: { pools: [a], cpus: 8, enabled: true }, scheduler: clock.scheduler });
  const decisions = collect(engine);
  busyDaemon(clock, engine, 'web', 500, 12_000);
  clock.advanceTo(12_000);
  const before = engine.state('web');
  t.true(before.target > 16, 'it grew on the first daemon');
  const b = { ...a, source: source('/run/b/stats.sock', '/run/b/master.fifo') };
  t.deepEqual(engine.reconfigure({ pools: [b], cpus: 8 }), { added: [], removed: [], changed: ['web'], restarted: ['web'] });
  t.deepEqual(engine.state('web').lastDecisions, before.lastDecisions, 'its history is kept');
  const made = decisions.length;
  // the other daemon runs 6 workers, 4 busy (in the band): it is answered with its own size, not the first one's target
  t.is(engine.ingest('web', [{ ts: clock.scheduler.now(), size: 6, busy: 4, completed: 0 }]).target, 6);
  clock.advanceTo(13_000);
  t.is(engine.state('web').target, 6, 'adopted at its first tick');
  t.false(decisions.slice(made).some((d) => d.to === before.target), 'the first daemon\'s target is never asked of it');
  // the same daemon read another way (a source added to a pool that posted) keeps the state
  const c = { ...b, params: b.params };
  t.deepEqual(engine.reconfigure({ pools: [c], cpus: 8 }).changed, [], 'the same source again changes nothing');
  // a pin from the API holds across the move: the other daemon is asked for the pin
  engine.pin('web', 7);
  engine.reconfigure({ pools: [a], cpus: 8 });
  t.like(engine.state('web'), { mode: 'pinned', target: 7 });
  t.is(engine.ingest('web', [{ ts: clock.scheduler.now(), size: 6, busy: 4, completed: 0 }]).target, 7);
  engine.stop();
});

test('when a reload changes a pool\'s period, then it ticks at the new period', (t) => {
  const clock = virtualClock();
  const engine = createEngine({ config: { pools: [pool('transfer')], cpus: 8, enabled: true }, scheduler: clock.scheduler });
  const ticks: number[] = [];
  engine.decisions$.subscribe((d) => ticks.push(d.ts));
  clock.advanceTo(2000);
  engine.reconfigure({ pools: [pool('transfer', 'transfer', { periodMs: 5000 })], cpus: 8 });
  clock.advanceTo(12_000);
  t.deepEqual(ticks, [1000, 2000, 7000, 12_000]);
  engine.stop();
});

test('when a reload sets threads: 4 and later adaptive again, then the pool is pinned and unpinned, each a decision', (t) => {
  const clock = virtualClock();
  const engine = createEngine({ config: { pools: [pool('transfer')], cpus: 8, enabled: true }, scheduler: clock.scheduler });
  const decisions = collect(engine);
  clock.advanceTo(1000);
  engine.reconfigure({ pools: [pool('transfer', 'transfer', {}, { pinned: 4 })], cpus: 8 });
  t.is(engine.state('transfer').mode, 'pinned');
  t.is(engine.state('transfer').target, 4);
  t.like(decisions.at(-1), { action: 'pin', from: 16, to: 4 });
  engine.reconfigure({ pools: [pool('transfer')], cpus: 8 });
  t.is(engine.state('transfer').mode, 'adaptive');
  t.like(decisions.at(-1), { action: 'unpin', from: 4, to: 4 });
  engine.stop();
});

test('when a reload changes a pool\'s law, then it gets a new controller that keeps its size', (t) => {
  const clock = virtualClock();
  const engine = createEngine({ config: { pools: [pool('transfer')], cpus: 8, enabled: true }, scheduler: clock.scheduler });
  busyDaemon(clock, engine, 'transfer', 500, 12_000);
  clock.advanceTo(12_000);
  const before = engine.state('transfer').target;
  const result = engine.reconfigure({ pools: [pool('transfer', 'transfer', { law: 'band' })], cpus: 8 });
  t.deepEqual(result.restarted, ['transfer']);
  t.is(engine.state('transfer').law, 'band');
  t.is(engine.state('transfer').target, before);
  engine.stop();
});

test('when a reload changes nothing, then nothing is reported changed and the pools keep running', (t) => {
  const clock = virtualClock();
  const engine = createEngine({ config: { pools: [pool('transfer')], cpus: 8, enabled: true }, scheduler: clock.scheduler });
  clock.advanceTo(1000);
  t.deepEqual(engine.reconfigure({ pools: [pool('transfer')], cpus: 8 }), { added: [], removed: [], changed: [], restarted: [] });
  engine.stop();
});

test('when a reload changes a pool read with a process CPU source, then the new reader\'s first reading (each thread\'s CPU since it started) is a new base, not one period\'s CPU', (t) => {
  // A daemon up for an hour: 16 worker threads using 0.1 CPU each; a reload widens the threads pattern.
  const clock = virtualClock();
  const files = fakeFiles();
  const setAll = (sec: number) => {
    setThread(files, 100, 100, { comm: 'main', schedstat: [Math.round(0.01 * (3600 + sec) * 1e9), 0] });
    for (let i = 0; i < 16; i += 1) setThread(files, 100, 200 + i, { comm: `xfer-${i}`, schedstat: [Math.round(0.1 * (3600 + sec) * 1e9), 0] });
  };
  setAll(0);
  const before = pool('transfer', 'transfer', {}, { process: { pid: 100, pidFile: null, threads: '^main$' } });
  const after = pool('transfer', 'transfer', {}, { process: { pid: 100, pidFile: null, threads: '^xfer-' } });
  const engine = createEngine({
    config: { pools: [before], cpus: 8, enabled: true },
    scheduler: clock.scheduler,
    readCpu: (p) => createPoolCpuSource(p, { files, now: () => clock.scheduler.now() }),
  });
  const decisions: Decision[] = [];
  engine.decisions$.subscribe((d) => decisions.push(d));
  let size = 16;
  for (let ms = 500; ms <= 30_000; ms += 1000) {
    clock.at(ms, () => {
      setAll(ms / 1000);
      size = engine.ingest('transfer', [{ ts: ms, size, busy: Math.min(size, 12), completed: ms }]).target;
    });
  }
  clock.at(10_200, () => void engine.reconfigure({ pools: [after], cpus: 8 }));
  const cpus: number[] = [];
  for (let ms = 1000; ms <= 30_000; ms += 1000) {
    clock.advanceTo(ms);
    cpus.push(engine.state('transfer').cpu.cpus ?? 0);
  }
  t.true(Math.max(...cpus) < 2, `the 16 threads use 1.6 CPUs; read at most ${Math.max(...cpus)}`);
  t.true((cpus.at(-1) ?? 0) > 1.4, 'and the new pattern\'s threads are read from then on');
  t.false(decisions.some((d) => d.reason === 'saturated'));
});

test('when a reload changes a pool between two ticks, then the samples it accepted meanwhile reach the new loop\'s first tick', (t) => {
  const clock = virtualClock();
  const seen: number[] = [];
  const engine = createEngine({
    config: { pools: [pool('transfer')], cpus: 8, enabled: true },
    scheduler: clock.scheduler,
    readCpu: () => (samples) => {
      seen.push(samples.length);
      return null;
    },
  });
  clock.at(1500, () => void engine.ingest('transfer', [{ ts: 1500, size: 16, busy: 8 }, { ts: 1600, size: 16, busy: 9 }]));
  clock.at(1700, () => void engine.reconfigure({ pools: [pool('transfer', 'transfer', { band: { low: 0.5, high: 0.9 } })], cpus: 8 }));
  clock.advanceTo(3000);
  t.deepEqual(seen.filter((n) => n > 0), [2], 'both, once');
  t.is(engine.state('transfer').size, 16);
});

test('when a reload points a pool at another daemon between two ticks, then the samples the first one sent meanwhile are dropped: the pool adopts the new daemon\'s size', (t) => {
  const clock = virtualClock();
  const seen: number[] = [];
  const source = (stats: string, fifo: string) => ({ type: 'uwsgi' as const, stats, fifo, cheaper: 2 });
  const a = pool('web', 'transfer', {}, { source: source('/run/a/stats.sock', '/run/a/master.fifo') });
  const engine = createEngine({
    config: { pools: [a], cpus: 8, enabled: true },
    scheduler: clock.scheduler,
    readCpu: () => (samples) => {
      seen.push(samples.length);
      return null;
    },
  });
  const decisions = collect(engine);
  clock.at(1500, () => void engine.ingest('web', [{ ts: 1500, size: 8, busy: 8, completed: 0 }]));
  clock.at(1700, () => void engine.reconfigure({ pools: [{ ...a, source: source('/run/b/stats.sock', '/run/b/master.fifo') }], cpus: 8 }));
  clock.at(2500, () => void engine.ingest('web', [{ ts: 2500, size: 6, busy: 4, completed: 0 }]));
  clock.advanceTo(3000);
  t.deepEqual(seen.filter((n) => n > 0), [1], 'only the new daemon\'s sample is seen');
  t.like(engine.state('web'), { size: 6, target: 6 });
  t.false(decisions.some((d) => d.from === 8 || d.to === 8), 'the first daemon\'s size is never the pool\'s');
});
