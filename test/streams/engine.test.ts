import test from 'ava';
import { createPoolCpuSource } from '../../src/sources/pool-cpu.js';
import { fakeFiles, setThread } from '../sources/fake-files.js';
import { createEngine } from '../../src/streams/index.js';
import type { Engine, EngineMetrics, Logger, StepFn } from '../../src/streams/index.js';
import { tick } from '../../src/core/index.js';
import type { Decision } from '../../src/core/index.js';
import { pool, virtualClock } from './helpers.js';
import type { Clock } from './helpers.js';

interface Recorder extends EngineMetrics {
  errors: string[];
  accepted: Map<string, number>;
}

function recorder(): Recorder {
  const errors: string[] = [];
  const accepted = new Map<string, number>();
  return {
    errors,
    accepted,
    samplesAccepted: (p, n) => accepted.set(p, (accepted.get(p) ?? 0) + n),
    controllerError: (p) => errors.push(p),
    tickDuration: () => undefined,
  };
}

function logs(): Logger & { errors: { obj: object; msg: string }[] } {
  const errors: { obj: object; msg: string }[] = [];
  const none = () => undefined;
  return { errors, error: (obj, msg) => errors.push({ obj, msg }), warn: none, info: none, debug: none };
}

/**
 * A fake daemon in virtual time: half a period before each tick it reports `busy(size)` at
 * the size it was last told (it obeys the reply), with a throughput that rises with size.
 */
function daemon(clock: Clock, engine: Engine, name: string, busy: (size: number) => number, untilMs: number, periodMs = 1000): void {
  let size = engine.state(name).target;
  let completed = 0;
  for (let t = periodMs / 2; t <= untilMs; t += periodMs) {
    clock.at(t, () => {
      completed += size * 10;
      size = engine.ingest(name, [{ ts: clock.scheduler.now(), size, busy: Math.min(size, busy(size)), idle: 0.9, completed }]).target;
    });
  }
}

function collect(engine: Engine): Decision[] {
  const out: Decision[] = [];
  engine.decisions$.subscribe((d) => out.push(d));
  return out;
}

test('when the load stays over the band, then the pool grows exactly once per grow cooldown, at the ticks', (t) => {
  const clock = virtualClock();
  const engine = createEngine({ config: { pools: [pool('transfer')], cpus: 8, enabled: true }, scheduler: clock.scheduler });
  const decisions = collect(engine);
  daemon(clock, engine, 'transfer', (size) => size, 20_000);
  clock.advanceTo(20_000);

  const grows = decisions.filter((d) => d.action === 'grow');
  t.deepEqual(grows.map((d) => d.ts), [1000, 6000, 11000, 16000]);
  t.true(grows.every((d, i) => i === 0 || d.from === grows[i - 1]?.to), 'each grow starts where the last one ended');
  // Between grows the pool held for the cooldown, one decision per period.
  t.deepEqual(decisions.map((d) => d.ts), Array.from({ length: 20 }, (_, i) => (i + 1) * 1000));
  t.true(decisions.filter((d) => d.action === 'hold').every((d) => d.reason === 'cooldown'));
  t.is(engine.state('transfer').target, grows.at(-1)?.to ?? -1);
  engine.stop();
});

test('when a decision changes the target, then the decision goes out before the target (a log reads why, then what the actuator did)', (t) => {
  const clock = virtualClock();
  const engine = createEngine({ config: { pools: [pool('transfer')], cpus: 8, enabled: true }, scheduler: clock.scheduler });
  const events: string[] = [];
  const subs = [
    engine.decisions$.subscribe((d) => void (d.action !== 'hold' && events.push(`decision ${d.to}`))),
    engine.targetChanges('transfer').subscribe((target) => void events.push(`target ${target}`)),
  ];
  daemon(clock, engine, 'transfer', (size) => size, 7000);
  clock.advanceTo(7000);
  const grows = events.filter((e) => e.startsWith('decision'));
  t.true(grows.length >= 2, events.join(', '));
  for (const g of grows) t.is(events[events.indexOf(g) + 1], `target ${g.slice('decision '.length)}`, events.join(', '));
  for (const s of subs) s.unsubscribe();
  engine.stop();
});

test('when a reply is sent, then it carries the target in force now and the last action (the decision waits for the tick)', (t) => {
  const clock = virtualClock();
  const engine = createEngine({ config: { pools: [pool('transfer')], cpus: 8, enabled: true }, scheduler: clock.scheduler });
  const first = engine.ingest('transfer', [{ ts: 0, size: 16, busy: 16, idle: 0.9 }]);
  t.deepEqual(first, { pool: 'transfer', target: 16, action: 'hold', mode: 'adaptive' });
  clock.advanceTo(1000);
  const second = engine.ingest('transfer', [{ ts: 1000, size: 16, busy: 16, idle: 0.9 }]);
  t.is(second.action, 'grow');
  t.true(second.target > 16);
  engine.stop();
});

test('when a fresh engine gets its first samples before its first tick, then the reply is the daemon\'s size, never the static size', (t) => {
  const clock = virtualClock();
  const engine = createEngine({ config: { pools: [pool('transfer')], cpus: 8, enabled: true }, scheduler: clock.scheduler });
  t.is(engine.state('transfer').target, 16, 'the static size before any sample');
  // A daemon that was sized to 27 by a sidecar that restarted: it must not be told 16.
  t.like(engine.ingest('transfer', [{ ts: 0, size: 26, busy: 20, idle: 0.9 }, { ts: 10, size: 27, busy: 20, idle: 0.9 }]), { target: 27 });
  clock.advanceTo(1000);
  t.is(engine.state('transfer').target, 27, 'control resumes from the reported size');
  t.like(engine.ingest('transfer', [{ ts: 1000, size: 27, busy: 20, idle: 0.9 }]), { target: 27 });
  engine.stop();
});

test('when the daemon stops reporting, then the pool goes stale and never shrinks on the missing data', (t) => {
  const clock = virtualClock();
  const params = { periodMs: 1000, shrinkCooldownMs: 5000, staleAfterPeriods: 3 };
  const engine = createEngine({ config: { pools: [pool('transfer', 'transfer', params)], cpus: 8, enabled: true }, scheduler: clock.scheduler });
  const decisions = collect(engine);
  // Under the band (a shrink is wanted) but only while the shrink cooldown still runs, then silence.
  daemon(clock, engine, 'transfer', () => 2, 3000);
  clock.advanceTo(30_000);

  t.false(decisions.some((d) => d.action === 'shrink'), 'no shrink on missing data');
  t.true(engine.state('transfer').stale);
  t.is(engine.state('transfer').target, 16);
  // Stale from the third empty period on (ticks at 4000, 5000, 6000 had no sample).
  t.deepEqual(decisions.filter((d) => d.reason === 'stale').map((d) => d.ts)[0], 6000);
  engine.stop();
});

test('when the daemon reports again after a stall, then the pool is fresh and sizes again', (t) => {
  const clock = virtualClock();
  const engine = createEngine({ config: { pools: [pool('transfer')], cpus: 8, enabled: true }, scheduler: clock.scheduler });
  const decisions = collect(engine);
  clock.advanceTo(10_000);
  t.true(engine.state('transfer').stale);
  clock.at(10_500, () => engine.ingest('transfer', [{ ts: 10_500, size: 16, busy: 16, idle: 0.9 }]));
  clock.advanceTo(11_000);
  t.false(engine.state('transfer').stale);
  t.is(decisions.at(-1)?.action, 'grow');
  engine.stop();
});

test('when one pool\'s controller throws, then that pool keeps its target, the error is counted and logged with its stack, and the other pool goes on sizing', (t) => {
  const clock = virtualClock();
  const metrics = recorder();
  const logger = logs();
  // The buffer pool's law fails for its first five ticks only: the loop must survive it.
  const faulty: StepFn = (state, samples, nowMs) => {
    if (state.spec.name === 'buffer' && nowMs <= 5000) throw new Error('law exploded');
    return tick(state, samples, nowMs);
  };
  const engine = createEngine({
    config: { pools: [pool('transfer'), pool('buffer', 'buffer')], cpus: 8, enabled: true },
    scheduler: clock.scheduler,
    metrics,
    logger,
    step: faulty,
  });
  const decisions = collect(engine);
  daemon(clock, engine, 'transfer', (size) => size, 12_000);
  daemon(clock, engine, 'buffer', (size) => size, 12_000);

  clock.advanceTo(5000);
  t.deepEqual(metrics.errors, ['buffer', 'buffer', 'buffer', 'buffer', 'buffer']);
  t.is(logger.errors.length, 5);
  const logged = logger.errors[0]?.obj as { pool: string; err: Error };
  t.is(logged.pool, 'buffer');
  t.regex(String(logged.err.stack), /law exploded\n\s+at /);
  t.is(engine.state('buffer').target, 16, 'last-known-good target');
  t.is(engine.ingest('buffer', [{ ts: 5000, size: 16, busy: 16, idle: 0.9 }]).target, 16);
  t.true(decisions.some((d) => d.pool === 'transfer' && d.action === 'grow'));
  t.false(decisions.some((d) => d.pool === 'buffer'));

  clock.advanceTo(12_000);
  t.true(decisions.some((d) => d.pool === 'buffer' && d.action === 'grow'), 'the buffer pool resumes: no dead stream');
  t.is(metrics.errors.length, 5);
  engine.stop();
});

test('when a pool is pinned and unpinned, then the pin decision goes out at once and ticks hold the pinned size', (t) => {
  const clock = virtualClock();
  const engine = createEngine({ config: { pools: [pool('transfer')], cpus: 8, enabled: true }, scheduler: clock.scheduler });
  const decisions = collect(engine);
  const pinned = engine.pin('transfer', 10);
  t.is(pinned.view.mode, 'pinned');
  t.is(pinned.view.target, 10);
  t.like(decisions.at(-1), { action: 'pin', from: 16, to: 10, reason: 'pinned' });
  daemon(clock, engine, 'transfer', (size) => size, 12_000);
  clock.advanceTo(8000);
  t.is(engine.state('transfer').target, 10);
  t.false(decisions.some((d) => d.action === 'grow'));
  const unpinned = engine.pin('transfer', null);
  t.is(unpinned.view.mode, 'adaptive');
  t.is(unpinned.decision.action, 'unpin');
  clock.advanceTo(9000);
  t.like(decisions.at(-1), { action: 'grow', from: 10, mode: 'adaptive' });
  engine.stop();
});

test('when a pool the config pins is unpinned through the API, then it is unpinned and the log warns that the config pins it; an API pin lifted says nothing', (t) => {
  const clock = virtualClock();
  const warnings: string[] = [];
  const none = () => undefined;
  const logger: Logger = { error: none, warn: (_obj, msg) => warnings.push(msg), info: none, debug: none };
  const engine = createEngine({ config: { pools: [pool('small', 'transfer', {}, { pinned: 4 }), pool('big')], cpus: 8, enabled: true }, scheduler: clock.scheduler, logger });
  t.is(engine.state('small').mode, 'pinned');
  t.is(engine.pin('small', null).view.mode, 'adaptive');
  t.deepEqual(warnings, ["pool small: unpinned through the API although its config pins it (threads: 4): control resumes, and only a restart of the sidecar (or a reload that changes its threads) pins it again; remove threads from the config to unpin it for good"]);
  engine.pin('big', 10);
  engine.pin('big', null);
  t.is(warnings.length, 1);
  engine.stop();
});

test('when a pin size is not a whole number in [1, 4096], then it is refused and nothing changes', (t) => {
  const clock = virtualClock();
  const engine = createEngine({ config: { pools: [pool('transfer')], cpus: 8, enabled: true }, scheduler: clock.scheduler });
  for (const bad of [0, 4097, 1.5, -3, Number.NaN]) t.throws(() => engine.pin('transfer', bad), { instanceOf: RangeError });
  t.is(engine.state('transfer').mode, 'adaptive');
  t.throws(() => engine.pin('__proto__', 3), { message: /unknown pool/ });
  engine.stop();
});

test('when a long poll waits, then it answers on the next target change, or with the current target at its timeout', (t) => {
  const clock = virtualClock();
  const engine = createEngine({ config: { pools: [pool('transfer')], cpus: 8, enabled: true }, scheduler: clock.scheduler });
  const quiet: [number, number][] = [];
  engine.waitForTarget('transfer', 2500).subscribe((v) => quiet.push([clock.scheduler.now(), v]));
  clock.advanceTo(5000);
  t.deepEqual(quiet, [[2500, 16]]);

  const changed: [number, number][] = [];
  engine.waitForTarget('transfer', 60_000).subscribe((v) => changed.push([clock.scheduler.now(), v]));
  clock.at(5500, () => engine.ingest('transfer', [{ ts: 5500, size: 16, busy: 16, idle: 0.9 }]));
  clock.advanceTo(70_000);
  t.is(changed.length, 1);
  t.is(changed[0]?.[0], 6000);
  t.true((changed[0]?.[1] ?? 0) > 16);
  engine.stop();
});

test('when the engine is created, then it is ready at once, before the slowest pool\'s first tick; after stop it is not', (t) => {
  const clock = virtualClock();
  const engine = createEngine({ config: { pools: [pool('transfer'), pool('slow', 'buffer', { periodMs: 20_000 })], cpus: 8, enabled: true }, scheduler: clock.scheduler });
  t.true(engine.ready());
  clock.advanceTo(1000);
  t.true(engine.ready());
  engine.stop();
  t.false(engine.ready());
});

test('when the daemon does not apply a grow, then the fall-back to its size is a decision that says so (shrink, failed-grow), not a hold', (t) => {
  const clock = virtualClock();
  const engine = createEngine({ config: { pools: [pool('transfer')], cpus: 8, enabled: true }, scheduler: clock.scheduler });
  const decisions = collect(engine);
  let completed = 0;
  // The daemon stays at 16, fully busy, whatever it is told.
  for (let ms = 500; ms <= 12_000; ms += 1000) {
    clock.at(ms, () => {
      completed += 160;
      engine.ingest('transfer', [{ ts: clock.scheduler.now(), size: 16, busy: 16, idle: 0.9, completed }]);
    });
  }
  clock.advanceTo(12_000);
  const grow = decisions.find((d) => d.action === 'grow');
  t.truthy(grow);
  const fallBack = decisions.find((d) => d.reason === 'failed-grow' && d.to === 16);
  t.like(fallBack, { action: 'shrink', from: grow?.to, to: 16 });
  t.is(engine.state('transfer').target, 16);
  engine.stop();
});

test('when adaptive sizing is disabled, then every target is the static size and nothing grows', (t) => {
  const clock = virtualClock();
  const engine = createEngine({ config: { pools: [pool('transfer')], cpus: 8, enabled: false }, scheduler: clock.scheduler });
  const decisions = collect(engine);
  daemon(clock, engine, 'transfer', (size) => size, 10_000);
  clock.advanceTo(10_000);
  t.is(engine.state('transfer').mode, 'disabled');
  t.is(engine.state('transfer').target, 16);
  t.true(decisions.every((d) => d.action === 'hold' && d.reason === 'disabled'));
  engine.stop();
});

test('when the pool has a process CPU source, then each tick hands its reading to the controller (threads waiting for the CPUs: no grow)', (t) => {
  const clock = virtualClock();
  const readings: number[] = [];
  const engine = createEngine({
    config: { pools: [pool('transfer')], cpus: 8, enabled: true },
    scheduler: clock.scheduler,
    // 16 threads, all runnable on 8 CPUs: 8 seconds of CPU and 8 of run delay a second.
    readCpu: () => () => {
      const s = clock.scheduler.now() / 1000;
      readings.push(s);
      return { ts: clock.scheduler.now(), cpuSeconds: 8 * s, runDelaySeconds: 8 * s, threads: 16 };
    },
  });
  const decisions = collect(engine);
  daemon(clock, engine, 'transfer', (size) => size, 40_000);
  clock.advanceTo(40_000);
  t.deepEqual(readings.slice(0, 3), [1, 2, 3], 'one reading a tick, at the tick');
  t.is(engine.state('transfer').cpu.source, 'process');
  t.false(decisions.some((d) => d.action === 'grow'));
  t.true(decisions.some((d) => d.reason === 'saturated'), decisions.map((d) => d.reason).join(' '));
});

test('when reading the CPU throws, then the tick goes on without a reading', (t) => {
  const clock = virtualClock();
  const engine = createEngine({
    config: { pools: [pool('transfer')], cpus: 8, enabled: true },
    scheduler: clock.scheduler,
    readCpu: () => () => {
      throw new Error('ESRCH');
    },
  });
  const decisions = collect(engine);
  daemon(clock, engine, 'transfer', (size) => size, 10_000);
  clock.advanceTo(10_000);
  t.is(engine.state('transfer').cpu.source, 'none');
  t.true(decisions.some((d) => d.action === 'grow'));
});

test('when a pool\'s samples carry no CPU figure, then the log says once how to give it one', (t) => {
  const clock = virtualClock();
  const warnings: string[] = [];
  const none = () => undefined;
  const logger: Logger = { error: none, warn: (_obj, msg) => warnings.push(msg), info: none, debug: none };
  const engine = createEngine({ config: { pools: [pool('transfer')], cpus: 8, enabled: true }, scheduler: clock.scheduler, logger });
  daemon(clock, engine, 'transfer', (size) => size / 2, 10_000);
  clock.advanceTo(10_000);
  t.is(warnings.length, 1);
  t.regex(warnings[0] ?? '', /pool transfer: no CPU figure.*cpuSeconds and runDelaySeconds.*pools\.transfer\.process/);
});

test('when a pool\'s threads pattern matches none of its process\'s threads, then there is no CPU figure and the advice names the pattern and the 15 characters a thread name keeps', (t) => {
  const clock = virtualClock();
  const warnings: string[] = [];
  const none = () => undefined;
  const logger: Logger = { error: none, warn: (_obj, msg) => warnings.push(msg), info: none, debug: none };
  const files = fakeFiles();
  for (let i = 0; i < 4; i += 1) setThread(files, 100, 200 + i, { comm: 'transfer-worker', schedstat: [1e9, 0] });
  const config = pool('transfer', 'transfer', {}, { process: { pid: 100, pidFile: null, threads: '^transfer-worker-\\d+$' } });
  const engine = createEngine({ config: { pools: [config], cpus: 8, enabled: true }, scheduler: clock.scheduler, logger, readCpu: (p) => createPoolCpuSource(p, { files, now: () => clock.scheduler.now() }) });
  daemon(clock, engine, 'transfer', (size) => size, 10_000);
  clock.advanceTo(10_000);
  t.is(engine.state('transfer').cpu.source, 'none', 'not a reading of 0 CPUs: io-bound on no evidence');
  t.is(warnings.length, 1);
  t.regex(warnings[0] ?? '', /pool transfer: no CPU figure.*pools\.transfer\.process\.threads \(\^transfer-worker-\\d\+\$\) matches none of its threads' names \(the kernel keeps the first 15 characters/);
});

test('when one sample of a pool comes without its CPU figure (a daemon\'s reload), then no advice; five ticks in a row without it, then the advice for a uWSGI source', (t) => {
  const clock = virtualClock();
  const warnings: string[] = [];
  const none = () => undefined;
  const logger: Logger = { error: none, warn: (_obj, msg) => warnings.push(msg), info: none, debug: none };
  const web = pool('web', 'transfer', {}, { source: { type: 'uwsgi', stats: '/run/uwsgi/stats.sock', fifo: '/run/uwsgi/master.fifo', cheaper: 2 } });
  const engine = createEngine({ config: { pools: [web], cpus: 8, enabled: true }, scheduler: clock.scheduler, logger });
  // CPU in every sample but the 5th; from the 20th on, in none.
  for (let i = 0; i < 30; i += 1) {
    clock.at(500 + i * 1000, () => {
      const cpu = i === 4 || i >= 20 ? {} : { cpuSeconds: i * 0.5, runDelaySeconds: 0 };
      engine.ingest('web', [{ ts: clock.scheduler.now(), size: 16, busy: 8, ...cpu }]);
    });
  }
  clock.advanceTo(20_000);
  t.deepEqual(warnings, [], 'one sample without CPU');
  clock.advanceTo(30_000);
  t.is(warnings.length, 1);
  t.regex(warnings[0] ?? '', /pool web: no CPU figure.*cannot read the uWSGI workers' \/proc/);
});

test('when a pool has ticked, then its next tick is due one period after the last; before the first, one period after its start', (t) => {
  const clock = virtualClock();
  const engine = createEngine({ config: { pools: [pool('transfer', 'transfer', { periodMs: 1000 })], cpus: 8, enabled: true }, scheduler: clock.scheduler });
  t.is(engine.nextTickMs('transfer'), clock.scheduler.now() + 1000);
  clock.advanceTo(2500);
  t.is(engine.nextTickMs('transfer'), 3000, 'ticks at 1000 and 2000 ms');
  t.throws(() => engine.nextTickMs('nope'), { message: /unknown pool/ });
});
