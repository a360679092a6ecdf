import test from 'ava';
import { Subscription } from 'rxjs';
import type { SchedulerAction, SchedulerLike } from 'rxjs';
import { createEngine } from '../../src/streams/index.js';
import { gridTicks, nextGridTickMs, nextTickAfter } from '../../src/streams/ticks.js';
import { pool, virtualClock } from './helpers.js';

test('when a pool ticks on the grid, then each tick comes the lead before a multiple of the period, whatever the time it started', (t) => {
  t.is(nextGridTickMs(12_345, 1000, 100), 12_900);
  t.is(nextGridTickMs(12_900, 1000, 100), 13_900, 'a tick on the grid is followed by the next one, not itself');
  t.is(nextGridTickMs(12_899, 1000, 100), 12_900);
  t.is(nextGridTickMs(12_345, 2000, 100), 13_900, 'a period of 2 s: before every other second');
  t.is(nextGridTickMs(12_345, 500, 100), 12_400, 'a period of 500 ms: one tick of two before a second');
  t.is(nextGridTickMs(13_950, 1000, 100), 14_900, 'a tick that ran 50 ms late is followed by the next one on the grid, not a period after it');
  t.is(nextTickAfter(12_345, 1000, null), 13_345, 'without a lead: a period after the last tick');
  t.is(nextTickAfter(12_345, 1000, 100), 12_900);
});

test('when the grid ticks in virtual time, then it emits on the grid from a start at any time of the second, and stops when unsubscribed', (t) => {
  const clock = virtualClock();
  clock.at(12_345, () => undefined);
  clock.advanceTo(12_345);
  const at: number[] = [];
  const sub = gridTicks(1000, 100, clock.scheduler).subscribe(() => at.push(clock.scheduler.now()));
  clock.advanceTo(15_000);
  sub.unsubscribe();
  clock.advanceTo(20_000);
  t.deepEqual(at, [12_900, 13_900, 14_900]);
});

test('when the engine is given a tick lead for a pool, then that pool ticks on the grid and says so in nextTickMs; another pool ticks a period after its start', (t) => {
  const clock = virtualClock();
  clock.at(250, () => undefined);
  clock.advanceTo(250);
  const engine = createEngine({
    config: { pools: [pool('aligned'), pool('free')], cpus: 2, enabled: true },
    scheduler: clock.scheduler,
    tickLeadMs: (p) => (p.name === 'aligned' ? 100 : null),
  });
  t.is(engine.nextTickMs('aligned'), 900);
  t.is(engine.nextTickMs('free'), 1250);
  const ticks: Record<string, number[]> = { aligned: [], free: [] };
  engine.decisions$.subscribe((d) => ticks[d.pool]?.push(clock.scheduler.now()));
  clock.advanceTo(3300);
  t.deepEqual(ticks['aligned'], [900, 1900, 2900]);
  t.deepEqual(ticks['free'], [1250, 2250, 3250]);
  t.is(engine.nextTickMs('aligned'), 3900);
  // A reload that rebuilds the loop (a new period) keeps the pool on its grid.
  engine.reconfigure({ pools: [pool('aligned', 'transfer', { periodMs: 2000 }), pool('free')], cpus: 2 });
  t.is(engine.nextTickMs('aligned'), 3900);
  clock.advanceTo(8000);
  t.deepEqual(ticks['aligned']?.slice(3), [3900, 5900, 7900]);
  engine.stop();
});

/**
 * A scheduler whose timers fire a millisecond early: each action runs with the clock reading 1 ms
 * before its time (as Node's may); `stall` moves the clock on from inside an action (its work took that long).
 */
function earlyTimers() {
  let nowMs = 0;
  const queue: { at: number; run: () => void; cancelled: boolean }[] = [];
  const scheduler: SchedulerLike = {
    now: () => nowMs,
    schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
      const sub = new Subscription();
      const action = Object.assign(sub, {
        schedule: (st?: T, d = 0) => {
          enqueue(d, st);
          return sub;
        },
      }) as unknown as SchedulerAction<T>;
      const enqueue = (d: number, st?: T) => {
        const entry = { at: nowMs + d, run: () => work.call(action, st), cancelled: false };
        queue.push(entry);
        sub.add(() => void (entry.cancelled = true));
      };
      enqueue(delay, state);
      return sub;
    },
  };
  const runUntil = (ms: number, maxRuns: number) => {
    for (let runs = 0; runs < maxRuns; runs += 1) {
      queue.sort((a, b) => a.at - b.at);
      const next = queue.findIndex((e) => !e.cancelled);
      const entry = queue[next];
      if (entry === undefined || entry.at > ms) return;
      queue.splice(next, 1);
      nowMs = entry.at - 1;
      entry.run();
    }
  };
  const stall = (ms: number) => void (nowMs += ms);
  return { scheduler, runUntil, stall };
}

test('when the timers fire a millisecond early, then each tick of the grid still runs once', (t) => {
  const clock = earlyTimers();
  const at: number[] = [];
  const sub = gridTicks(1000, 100, clock.scheduler).subscribe(() => at.push(clock.scheduler.now()));
  clock.runUntil(3500, 100);
  sub.unsubscribe();
  t.deepEqual(at, [899, 1899, 2899]);
});

test('when a tick of the grid fires a millisecond early, then the engine says the next tick is the one a period later, not the tick just run', (t) => {
  const clock = earlyTimers();
  const engine = createEngine({ config: { pools: [pool('aligned')], cpus: 2, enabled: true }, scheduler: clock.scheduler, tickLeadMs: () => 100 });
  const ticks: number[] = [];
  engine.decisions$.subscribe(() => ticks.push(clock.scheduler.now()));
  t.is(engine.nextTickMs('aligned'), 900);
  clock.runUntil(950, 100);
  t.deepEqual(ticks, [899], 'the tick ran, a millisecond early');
  t.is(engine.nextTickMs('aligned'), 1900);
  clock.runUntil(1950, 100);
  t.deepEqual(ticks, [899, 1899]);
  t.is(engine.nextTickMs('aligned'), 2900);
  engine.stop();
});

test('when a tick\'s own work runs past the next tick of the grid, then that tick is skipped, not run at once after it', (t) => {
  const clock = earlyTimers();
  const at: number[] = [];
  const sub = gridTicks(1000, 100, clock.scheduler).subscribe(() => {
    at.push(clock.scheduler.now());
    if (at.length === 1) clock.stall(1500);
  });
  clock.runUntil(4500, 100);
  sub.unsubscribe();
  t.deepEqual(at, [899, 2899, 3899]);
});
