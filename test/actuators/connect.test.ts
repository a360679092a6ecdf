import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectActuators, createActuators, shouldActuate } from '../../src/actuators/index.js';
import type { ActuationOutcome, Actuator } from '../../src/actuators/index.js';
import type { Decision } from '../../src/core/index.js';
import { createEngine, silentLogger } from '../../src/streams/index.js';
import { pool, virtualClock } from '../streams/helpers.js';
import { tempDir } from '../fixtures/temp.js';

function fake(never = false): Actuator & { applied: Decision[]; reports: [string, number][]; initials: [string, number][] } {
  const applied: Decision[] = [];
  const reports: [string, number][] = [];
  const initials: [string, number][] = [];
  return {
    kind: 'fake',
    applied,
    reports,
    initials,
    initial(pool, size) {
      initials.push([pool, size]);
      return Promise.resolve({ status: 'ok', pool, size, attempts: 1 });
    },
    apply(d) {
      applied.push(d);
      return never ? new Promise<ActuationOutcome>(() => undefined) : Promise.resolve({ status: 'ok', pool: d.pool, size: d.to, attempts: 1 });
    },
    reported: (p, s) => void reports.push([p, s]),
    stop: () => undefined,
  };
}

test('actuators get the moves of the target and nothing else: no holds, no observe-mode recommendations', (t) => {
  const clock = virtualClock();
  const engine = createEngine({
    config: { pools: [pool('transfer'), pool('shadow', 'transfer', {}, { mode: 'observe' })], cpus: 8, enabled: true },
    scheduler: clock.scheduler,
  });
  const a = fake();
  connectActuators(engine, [a], silentLogger);
  for (const t0 of [500, 1500, 2500]) {
    clock.at(t0, () => {
      const size = engine.state('transfer').target;
      engine.ingest('transfer', [{ ts: t0, size, busy: size, idle: 0.9 }]);
      engine.ingest('shadow', [{ ts: t0, size: 16, busy: 16, idle: 0.9 }]);
    });
  }
  clock.advanceTo(3000);
  engine.pin('transfer', engine.state('transfer').target); // no change: nothing to send
  engine.pin('transfer', 5);
  t.deepEqual(a.applied.map((d) => [d.pool, d.action, d.to]), [['transfer', 'grow', engine.state('transfer').lastDecisions[0]?.to], ['transfer', 'pin', 5]]);
  t.deepEqual(a.reports.slice(0, 2), [['transfer', 16], ['shadow', 16]]);
  engine.stop();
});

test('an actuator that never answers does not hold up the loop', (t) => {
  const clock = virtualClock();
  const engine = createEngine({ config: { pools: [pool('transfer', 'transfer', { growCooldownMs: 1000 })], cpus: 8, enabled: true }, scheduler: clock.scheduler });
  const a = fake(true);
  connectActuators(engine, [a], silentLogger);
  for (let t0 = 500; t0 < 5000; t0 += 1000) {
    clock.at(t0, () => {
      const size = engine.state('transfer').target;
      engine.ingest('transfer', [{ ts: t0, size, busy: size, idle: 0.9 }]);
    });
  }
  clock.advanceTo(5000);
  t.true(a.applied.length >= 3, 'every grow reached it while the first never finished');
});

test('shouldActuate: grow, shrink, pin, unpin that change the target, never in observe mode', (t) => {
  const base: Decision = { pool: 'p', ts: 0, action: 'grow', from: 4, to: 5, recommended: 5, reason: 'above-band', mode: 'adaptive', utilization: 1, queueStall: 0, workerIdle: 0, band: { low: 0.6, high: 0.85 } };
  t.true(shouldActuate(base));
  t.true(shouldActuate({ ...base, action: 'shrink', to: 3 }));
  t.true(shouldActuate({ ...base, action: 'pin', mode: 'pinned', to: 9 }));
  t.false(shouldActuate({ ...base, action: 'hold', to: 4 }));
  t.false(shouldActuate({ ...base, mode: 'observe' }));
  t.false(shouldActuate({ ...base, action: 'unpin', to: 4 }));
});

test('when a pool is pinned in config, then its size is applied at start; an adaptive pool waits for a change of target', (t) => {
  const clock = virtualClock();
  const engine = createEngine({ config: { pools: [pool('transfer', 'transfer', {}, { pinned: 6 }), pool('buffer', 'buffer')], cpus: 8, enabled: true }, scheduler: clock.scheduler });
  const a = fake();
  connectActuators(engine, [a], silentLogger);
  t.deepEqual(a.initials, [['transfer', 6]]);
  engine.stop();
});

test('when OC_ADAPTIVE_THREADS=0, then every pool\'s static size is applied at start', (t) => {
  const clock = virtualClock();
  const engine = createEngine({ config: { pools: [pool('transfer'), pool('buffer', 'buffer')], cpus: 8, enabled: false }, scheduler: clock.scheduler });
  const a = fake();
  connectActuators(engine, [a], silentLogger);
  t.deepEqual(a.initials, [['transfer', 16], ['buffer', 16]]);
  engine.stop();
});

test('when the file actuator is configured, then the static sizes are in the files at start and a run-time pin rewrites one', async (t) => {
  const dir = tempDir(t, 'at-connect-');
  const clock = virtualClock();
  const engine = createEngine({ config: { pools: [pool('transfer'), pool('buffer', 'buffer')], cpus: 4, enabled: false }, scheduler: clock.scheduler });
  const disconnect = connectActuators(engine, createActuators([{ type: 'file', dir }], () => undefined), silentLogger);
  const read = (p: string): string | null => {
    try {
      return readFileSync(join(dir, `${p}.size`), 'utf8');
    } catch {
      return null;
    }
  };
  await until(() => read('transfer') === '8\n' && read('buffer') === '8\n');
  engine.pin('transfer', 5);
  await until(() => read('transfer') === '5\n');
  t.pass();
  disconnect();
  engine.stop();
});

/** Polls a condition against a deadline (file writes are real I/O). */
async function until(done: () => boolean, deadlineMs = 5000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!done()) {
    if (Date.now() > end) throw new Error('condition not met before the deadline');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
