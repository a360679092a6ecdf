import test from 'ava';
import { createController, setPin, tick } from '../../src/core/controller.js';
import { boundsOf, isStale } from '../../src/core/state.js';
import { poolView } from '../../src/core/view.js';
import { REASONS } from '../../src/core/types.js';
import type { Decision, Sample } from '../../src/core/types.js';
import { atUtilization, drive, makeSpec, moves, start } from './helpers.js';

const sample = (ts: number, size: number, busy: number, over: Partial<Sample> = {}): Sample => ({ ts, size, busy, ...over });

test('when the first sample arrives, then control starts from the size the daemon reports', (t) => {
  const s0 = start({ n: 8 });
  t.is(s0.target, 16, 'before any sample the target is the static size');
  const { state } = tick(s0, [sample(1000, 23, 16)], 1000);
  t.is(state.target, 23);
  t.is(state.size, 23);
});

test('when a band pool is at 85.1 %, then it grows by one and not again before 5 s (4,999 ms: no; 5,000 ms: yes)', (t) => {
  let s = start({ n: 16, params: { law: 'band' } });
  const busyFor = (size: number) => Math.floor(0.85 * size) + 1; // 47 -> 40 (85.1 %), 48 -> 41
  let r = tick(s, [sample(1000, 47, busyFor(47))], 1000);
  t.is(r.decision.utilization?.toFixed(3), '0.851');
  t.like(r.decision, { action: 'grow', from: 47, to: 48, reason: 'above-band' });
  s = r.state;
  for (const now of [2000, 3000, 4000, 5000, 5999]) {
    r = tick(s, [sample(now, 48, busyFor(48))], now);
    t.like(r.decision, { action: 'hold', to: 48, reason: 'cooldown' }, `at ${now} ms`);
    s = r.state;
  }
  r = tick(s, [sample(6000, 48, busyFor(48))], 6000);
  t.like(r.decision, { action: 'grow', from: 48, to: 49, reason: 'above-band' });
});

test('when a band pool is at exactly 85 %, then it holds', (t) => {
  const r = tick(start({ n: 16, params: { law: 'band' } }), [sample(1000, 20, 17)], 1000);
  t.like(r.decision, { action: 'hold', reason: 'in-band' });
});

test('when a band pool is at 59 %, then it shrinks by one at most every 30 s', (t) => {
  let s = start({ n: 32, params: { law: 'band' } }, 0);
  let size = 100;
  const shrinks: [number, number][] = [];
  const times: number[] = [];
  for (let now = 1000; now <= 90_000; now += 1000) times.push(...(now % 30_000 === 0 ? [now - 1, now] : [now]));
  for (const at of times) {
    const r = tick(s, [sample(at, size, Math.floor(0.59 * size))], at);
    s = r.state;
    size = s.target;
    if (r.decision.action === 'shrink') shrinks.push([at, r.decision.to]);
    if (at % 30_000 === 29_999) t.is(r.decision.reason, 'cooldown', `at ${at} ms`);
  }
  t.deepEqual(shrinks, [
    [30_000, 99],
    [60_000, 98],
    [90_000, 97],
  ]);
});

test('when a grow is followed by a shrink proposal, then the guard holds three ticks before the reversal', (t) => {
  const s = start({ n: 8, params: { law: 'band', shrinkCooldownMs: 0 } });
  const run = drive(s, 0, 6000, (now) => atUtilization(now <= 1000 ? 0.9 : 0.5));
  t.deepEqual(
    run.decisions.map((d) => [d.action, d.reason]),
    [
      ['grow', 'above-band'],
      ['hold', 'guard'],
      ['hold', 'guard'],
      ['hold', 'guard'],
      ['shrink', 'below-band'],
      ['shrink', 'below-band'],
    ],
  );
});

test('when samples stop, then the pool holds, goes stale after three periods and never shrinks', (t) => {
  const s = start({ n: 8, params: { law: 'pi' } });
  // Utilization was low, but the shrink cooldown (from start) is not over when the daemon goes quiet.
  const run = drive(s, 0, 120_000, (now) => (now <= 20_000 ? atUtilization(0.1) : null));
  const after = run.decisions.slice(20);
  t.deepEqual(after.slice(0, 3).map((d) => d.reason), ['no-data', 'no-data', 'stale']);
  t.true(after.slice(2).every((d) => d.action === 'hold' && d.reason === 'stale'));
  t.true(isStale(run.state));
  t.is(moves(run.decisions).length, 0);
  t.is(run.state.target, 16);
});

test('when a pi pool sits at its max, then the integral does not wind up', (t) => {
  // n = 1: transfer bounds 2..4; the daemon reports 4 and full utilization for a minute.
  const s = start({ n: 1, params: { law: 'pi' } });
  // idle 0.9: the threads leave the CPU free, so the saturation guard has nothing to say.
  const run = drive(s, 0, 60_000, atUtilization(1, { stall: () => 1, idle: 0.9 }), { startSize: 4 });
  t.true(run.decisions.every((d) => d.to === 4));
  t.deepEqual((run.state.lawState as { integral: number }).integral, 0);
  t.true(run.decisions.some((d) => d.reason === 'bound'));
});

const cpuBound = { busy: (size: number) => size, stall: () => 0.6, idle: 0.05, rate: () => 800 };
const shortOfWorkers = { busy: (size: number) => size, stall: () => 0.6, idle: 0.9, rate: (size: number) => 40 * size };
/** Workers 30 % on a CPU: 16 of them keep 4.8 of 8 CPUs busy, so only a probe can tell. */
const flatButCpusLeft = { busy: (size: number) => size, stall: () => 0.6, idle: 0.7, rate: () => 800 };

test('when a grow does not raise throughput, then the pool is saturated at the old size and growth stops', (t) => {
  const run = drive(start({ n: 8, params: { law: 'pi' } }), 0, 100_000, flatButCpusLeft);
  const grows = run.decisions.filter((d) => d.action === 'grow');
  t.deepEqual(grows.map((d) => [d.ts, d.from, d.to]), [
    [1000, 16, 20],
    [6000, 20, 25],
  ]);
  t.is(poolView(run.state, 0).ceiling, 20);
  t.true(run.decisions.some((d) => d.reason === 'saturated'));
  t.is(run.state.target, 20, 'a balanced pool steps back to its ceiling');
});

test('when the threads already keep every CPU busy, then the ceiling is learned without a probe and the pool steps back to n', (t) => {
  // 16 threads at 5 % idle compute 15.2 CPUs' worth on 8 CPUs: no grow can raise throughput.
  const run = drive(start({ n: 8, params: { law: 'pi' } }), 0, 100_000, cpuBound);
  t.false(run.decisions.some((d) => d.action === 'grow'), 'no probe grow');
  t.is(run.decisions[0]?.reason, 'saturated');
  // One shrink, one cooldown from the start, straight to n (a measured limit is not cut to
  // maxStep); the step back is not held by the stabilization window (its proposals say what the
  // CPUs can run, not what the load needs).
  t.deepEqual(moves(run.decisions).map((d) => [d.ts, d.from, d.to, d.reason]), [[30_000, 16, 8, 'saturated']]);
});

test('when the threads leave CPUs free (size x (1 - idle) < n), then over the band is no saturation', (t) => {
  // 16 threads at 50 % idle compute 8 - 0.5 CPUs' worth: just short of covering 8 CPUs.
  const load = (idle: number) => ({ busy: (size: number) => size, stall: () => 0.6, idle, rate: (size: number) => 40 * size });
  const free = drive(start({ n: 8, params: { law: 'pi' } }), 0, 1_000, load(0.5 + 1 / 32));
  t.is(free.decisions[0]?.action, 'grow');
  t.is(poolView(free.state, 0).ceiling, null);
  const covered = drive(start({ n: 8, params: { law: 'pi' } }), 0, 1_000, load(0.5));
  t.is(covered.decisions[0]?.reason, 'saturated', 'at exactly n CPUs covered, the ceiling is learned');
});

test('when grows keep raising throughput, then the pool keeps growing to its max', (t) => {
  const run = drive(start({ n: 8, params: { law: 'pi' } }), 0, 100_000, shortOfWorkers);
  t.is(run.state.target, 32);
  t.false(run.decisions.some((d) => d.reason === 'saturated'));
});

test('when the queue stays full and the last grow paid off, then grows skip the cooldown, at most doubling per cooldown', (t) => {
  const run = drive(start({ n: 16, params: { law: 'pi' } }), 0, 30_000, shortOfWorkers);
  const grows = run.decisions.filter((d) => d.action === 'grow');
  const fast = grows.filter((d) => d.reason === 'backlog');
  t.true(fast.length > 0);
  for (const d of fast) {
    const previous = grows[grows.indexOf(d) - 1] as Decision;
    t.true(d.ts - previous.ts < 5000, 'a backlog grow comes inside the grow cooldown');
    t.true(d.to - d.from <= Math.ceil(d.from / 4), 'by at most maxStep');
  }
  for (const d of grows) {
    const windowStart = grows.find((g) => g.ts > d.ts - 5000 && g.ts <= d.ts) as Decision;
    t.true(d.to <= 2 * windowStart.from, `at ${d.ts}: ${d.to} <= 2 x ${windowStart.from}`);
  }
});

test('when a burst ends, then no shrink comes before the burst size leaves the shrink window', (t) => {
  const run = drive(start({ n: 8, params: { law: 'pi' } }), 0, 120_000, (now) =>
    now <= 40_000 ? shortOfWorkers : atUtilization(0.3, { idle: 0.9 }),
  );
  const firstShrink = run.decisions.find((d) => d.action === 'shrink');
  t.truthy(firstShrink);
  t.true((firstShrink as Decision).ts >= 70_000, `first shrink at ${firstShrink?.ts}`);
  t.true(run.decisions.some((d) => d.reason === 'stabilized'));
});

test('when a burst has ended, then shrinkReadyInMs counts the stabilization window that holds the burst size, and the first shrink comes then', (t) => {
  const load = (now: number) => (now <= 40_000 ? shortOfWorkers : atUtilization(0.3, { idle: 0.9 }));
  const during = drive(start({ n: 8, params: { law: 'pi' } }), 0, 50_000, load);
  const view = poolView(during.state, 50_000);
  const cooldownOnly = Math.max(0, (during.state.moves.shrink?.atMs ?? during.state.startedMs) + 30_000 - 50_000);
  t.true(view.shrinkReadyInMs > cooldownOnly, `held ${view.shrinkReadyInMs} ms, the cooldown alone ${cooldownOnly} ms`);
  const after = drive(during.state, 50_000, 400_000, load);
  const first = moves(after.decisions).find((d) => d.action === 'shrink') as Decision;
  t.truthy(first);
  const due = 50_000 + view.shrinkReadyInMs;
  t.true(first.ts >= due && first.ts <= due + 1000, `first shrink at ${first.ts}, due at ${due}`);
});

test('when a grow follows a shrink within one shrink cooldown, then the next shrink cooldown doubles', (t) => {
  const load = (now: number) => (now < 40_000 || now > 41_000 ? atUtilization(0.3) : atUtilization(1, { stall: () => 0.2 }));
  const run = drive(start({ n: 8, params: { law: 'pi' } }), 0, 45_000, load);
  t.deepEqual(moves(run.decisions).map((d) => [d.ts, d.action]), [
    [30_000, 'shrink'],
    [40_000, 'grow'],
  ]);
  t.is(run.state.moves.shrinkScale, 2);
  // The grow answered a recommendation that had fallen by a quarter: a recurring burst, so the
  // stabilization window also stretches to 300 s from it, past the doubled cooldown.
  const later = drive(run.state, 45_000, 400_000, atUtilization(0.3));
  const next = moves(later.decisions)[0] as Decision;
  t.is(next.action, 'shrink');
  t.true(next.ts >= 340_000, `the next shrink waits out the stretched window, came at ${next.ts}`);
});

test('when a pool holds after the grow that thrashed, then the penalty stays until a shrink sticks, and comes off one step at a time', (t) => {
  const load = (now: number) => (now < 40_000 || now > 41_000 ? atUtilization(0.3) : atUtilization(1, { stall: () => 0.2 }));
  const first = drive(start({ n: 8, params: { law: 'pi' } }), 0, 45_000, load);
  t.is(first.state.moves.shrinkScale, 2);
  // In band for four minutes: no shrink, so no quiet shrink cooldown (the old rule lifted it after 60 s).
  const held = drive(first.state, 45_000, 285_000, atUtilization(0.7));
  t.deepEqual(moves(held.decisions), []);
  t.is(held.state.moves.shrinkScale, 2);
  // Quiet again: the shrink that comes sticks, and a whole 60 s after it the penalty halves to 1.
  const quiet = drive(held.state, 285_000, 600_000, atUtilization(0.5));
  const shrinks = moves(quiet.decisions).filter((d) => d.action === 'shrink');
  t.true(shrinks.length >= 2);
  const [a, b] = shrinks as [Decision, Decision];
  t.true(b.ts - a.ts >= 60_000 && b.ts - a.ts < 61_000 + 1, `the second shrink at the 2x cooldown, ${b.ts - a.ts} ms after the first`);
  t.is(quiet.state.moves.shrinkScale, 1);
});

test('when the daemon\'s samples say it runs at most 10 (a source\'s maxSize), then the pool\'s max is 10: it grows to 10 and no further, with no failed grow', (t) => {
  // 8 CPUs: hard bounds 4..32. Utilization 100 % all along: every law would grow.
  let s = start({ n: 8, params: { law: 'pi' } });
  const ds: Decision[] = [];
  let size = 8;
  for (let now = 1000; now <= 120_000; now += 1000) {
    const r = tick(s, [sample(now, size, size, { maxSize: 10, queueDepth: 50 })], now);
    ds.push(r.decision);
    s = r.state;
    size = r.state.target; // the daemon applies every target it can
  }
  t.deepEqual(boundsOf(s), { min: 4, max: 10 });
  t.deepEqual(poolView(s, 120_000).bounds, { min: 4, max: 10 });
  t.is(s.target, 10);
  t.false(ds.some((d) => d.reason === 'failed-grow'), 'never asked past what the daemon runs');
  t.true(ds.every((d) => d.to <= 10));
  // A sample without the figure (the daemon now reports over HTTP): the hard max again.
  const r = tick(s, [sample(121_000, 10, 10, { queueDepth: 50 })], 121_000);
  t.deepEqual(boundsOf(r.state), { min: 4, max: 32 });
  t.true(r.decision.to > 10, `grows past 10 again: ${r.decision.to}`);
});

test('when the daemon says it runs at most 3, below the hard min 4, then the bounds are 4..4 and a tick without samples keeps them', (t) => {
  const r = tick(start({ n: 8 }), [sample(1000, 3, 3, { maxSize: 3 })], 1000);
  t.deepEqual(boundsOf(r.state), { min: 4, max: 4 });
  t.deepEqual(boundsOf(tick(r.state, [], 2000).state), { min: 4, max: 4 });
});

test('when the daemon does not apply a grow, then the target falls back to its size and grows back off', (t) => {
  const run = drive(start({ n: 8, params: { law: 'band' } }), 0, 16_000, atUtilization(0.9), { obey: false });
  t.deepEqual(
    run.decisions.filter((d) => d.action !== 'hold' || d.reason === 'failed-grow').map((d) => [d.ts, d.action, d.to, d.reason]),
    [
      [1000, 'grow', 17, 'above-band'],
      [5000, 'shrink', 16, 'failed-grow'],
      [6000, 'hold', 16, 'failed-grow'],
      [7000, 'hold', 16, 'failed-grow'],
      [8000, 'hold', 16, 'failed-grow'],
      [9000, 'hold', 16, 'failed-grow'],
      [10_000, 'hold', 16, 'failed-grow'],
      [11_000, 'hold', 16, 'failed-grow'],
      [12_000, 'hold', 16, 'failed-grow'],
      [13_000, 'hold', 16, 'failed-grow'],
      [14_000, 'hold', 16, 'failed-grow'],
      [15_000, 'grow', 17, 'above-band'],
    ],
  );
});

test('when the daemon applies a grow with workers that take a while to start, then the grow counts as applied by them and utilization is over the workers that serve', (t) => {
  let s = tick(start({ n: 8, params: { law: 'band' } }), [sample(1000, 16, 15)], 1000).state;
  t.is(s.target, 17, 'grown at 94 %');
  // The new worker starts (loads the app) past the 4 s a grow has to show: 16 serve, all busy.
  for (let now = 2000; now <= 5000; now += 1000) {
    const r = tick(s, [sample(now, 16, 16, { starting: 1 })], now);
    t.like(r.decision, { action: 'hold', to: 17, utilization: 1 }, `at ${now} ms: not idle, and no failed grow`);
    t.is(r.state.pendingGrow, null, 'applied');
    s = r.state;
  }
  const first = tick(start({ n: 8 }), [sample(1000, 20, 10, { starting: 3 })], 1000).state;
  t.is(first.target, 23, 'control starts from the workers the daemon runs, starting ones included');
});

test('when grows keep failing at one size (a limit of the daemon\'s own), then each back-off doubles, up to 32x, and an applied grow starts it over', (t) => {
  // The band law grows a worker whenever it may; the daemon never runs more than 16.
  const run = drive(start({ n: 8, params: { law: 'band' } }), 0, 1_000_000, atUtilization(0.9), { obey: false });
  const fails = run.decisions.filter((d) => d.action === 'shrink' && d.reason === 'failed-grow').map((d) => d.ts);
  const gaps = fails.slice(1).map((ts, i) => ts - (fails[i] as number));
  // Each cycle: the back-off, then the grow and its 4 s until it counts as not applied; 32x at most.
  t.deepEqual(gaps, [14_000, 24_000, 44_000, 84_000, 164_000, 324_000, 324_000], `failed grows at ${fails.join(', ')}`);
  t.is(run.state.moves.failedGrowScale, 32);
  // A daemon that applies the next grow: the back-off starts over at failedGrowBackoffMs.
  const applied = drive(run.state, 1_000_000, 1_400_000, atUtilization(0.9));
  t.true(moves(applied.decisions).some((d) => d.action === 'grow'));
  t.is(applied.state.moves.failedGrowScale, 1);
});

test('when grows back off after failing, then the view counts the back-off in growReadyInMs, and a grow the daemon applies late starts the back-off over', (t) => {
  const failing = drive(start({ n: 8, params: { law: 'band' } }), 0, 60_000, atUtilization(0.9), { obey: false });
  const fails = failing.decisions.filter((d) => d.action === 'shrink' && d.reason === 'failed-grow').map((d) => d.ts);
  t.true(fails.length >= 3, `failed grows at ${fails.join(', ')}`);
  const at = fails.at(-1) as number;
  const justFailed = drive(start({ n: 8, params: { law: 'band' } }), 0, at, atUtilization(0.9), { obey: false });
  const scale = justFailed.state.moves.failedGrowScale;
  t.true(scale >= 4);
  t.is(poolView(justFailed.state, at).growReadyInMs, 10_000 * scale, 'the back-off, not the 5 s grow cooldown');
  // The daemon runs the 17 it was asked for after the sidecar gave up on it: it has no limit at 16.
  const late = drive(justFailed.state, at, at + 1000, atUtilization(0.9), { obey: false, startSize: 17 });
  t.is(late.state.moves.failedGrowScale, 1);
});

test('when a pool is pinned in config, then its target is the pin whatever the load', (t) => {
  const run = drive(start({ n: 8, pinned: 12 }), 0, 10_000, atUtilization(1, { stall: () => 1 }));
  t.true(run.decisions.every((d) => d.to === 12 && d.reason === 'pinned' && d.mode === 'pinned'));
});

test('when pinned and unpinned at run time, then pin and unpin decisions are made and control resumes', (t) => {
  let s = drive(start({ n: 8, params: { law: 'band' } }), 0, 2000, atUtilization(0.7)).state;
  const pinned = setPin(s, 20, 2500);
  t.like(pinned.decision, { action: 'pin', from: 16, to: 20, reason: 'pinned', mode: 'pinned' });
  t.is(pinned.state.target, 20);
  s = drive(pinned.state, 2500, 10_500, atUtilization(0.99)).state;
  t.is(s.target, 20);
  const unpinned = setPin(s, null, 11_000);
  t.like(unpinned.decision, { action: 'unpin', to: 20, mode: 'adaptive' });
  const after = drive(unpinned.state, 11_000, 12_000, atUtilization(0.99));
  t.like(after.decisions[0], { action: 'grow', from: 20, to: 21 });
});

test('when a pin outside the hard bounds is lifted, then the target is back inside them at once, and the unpin says so', (t) => {
  const s = start({ n: 8 });
  const { min, max } = boundsOf(s);
  const below = setPin(setPin(s, 1, 1000).state, null, 2000);
  t.like(below.decision, { action: 'unpin', from: 1, to: min });
  t.is(below.state.target, min);
  const above = setPin(setPin(s, 4096, 1000).state, null, 2000);
  t.like(above.decision, { action: 'unpin', from: 4096, to: max });
});

test('when a pin is not a whole number in [1, 4096], then it is refused', (t) => {
  const s = start();
  for (const bad of [0, -1, 4097, 1.5, Number.NaN]) t.throws(() => setPin(s, bad, 0), { instanceOf: RangeError });
  t.notThrows(() => setPin(s, 4096, 0));
  t.notThrows(() => setPin(s, 1, 0));
});

test('when adaptive sizing is disabled, then every target is the static size and no decision moves', (t) => {
  const transfer = drive(start({ n: 8, enabled: false }), 0, 40_000, atUtilization(1, { stall: () => 1 }));
  t.true(transfer.decisions.every((d) => d.action === 'hold' && d.reason === 'disabled' && d.to === 16 && d.mode === 'disabled'));
  const buffer = drive(start({ n: 1, kind: 'buffer', name: 'buffer', enabled: false }), 0, 40_000, atUtilization(0.1));
  t.true(buffer.decisions.every((d) => d.to === 4));
});

test('when a pool is in observe mode, then it recommends but the target stays the reported size', (t) => {
  const run = drive(start({ n: 8, mode: 'observe', params: { law: 'band' } }), 0, 6000, atUtilization(0.9));
  const recs = moves(run.decisions);
  t.deepEqual(recs.map((d) => [d.ts, d.action, d.from, d.to, d.mode]), [
    [1000, 'grow', 16, 17, 'observe'],
    [6000, 'grow', 16, 17, 'observe'],
  ]);
  t.is(run.state.target, 16);
  t.is(run.state.recommended, 17);
  // Between the two, the grow's cooldown: the recommendation stays 17, as an acting target would.
  const between = drive(start({ n: 8, mode: 'observe', params: { law: 'band' } }), 0, 3000, atUtilization(0.9));
  t.is(between.decisions.at(-1)?.reason, 'cooldown');
  t.is(between.decisions.at(-1)?.action, 'hold', 'counted as a hold, not a grow again');
  t.is(between.state.recommended, 17);
  t.is(between.decisions.at(-1)?.recommended, 17, 'the decision event says what the API says');
  t.is(between.decisions.at(-1)?.to, 16, 'and that the size holds');
});

test('when many decisions are made, then each has a known reason and the last four are kept', (t) => {
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const run = drive(start({ n: 8, params: { law: 'pi' } }), 0, 600_000, (now) =>
    now % 97_000 < 3000
      ? null
      : atUtilization(Math.floor(now / 60_000) % 3 === 0 ? 0.85 + 0.15 * random() : 0.5 * random(), {
          stall: () => random() * 0.6,
          rate: (size) => size * 10 * random(),
        }),
  );
  t.true(run.decisions.every((d) => (REASONS as readonly string[]).includes(d.reason)));
  const made = moves(run.decisions);
  t.true(made.length > 4);
  t.deepEqual(
    run.state.lastDecisions,
    made.slice(-4).map((d) => ({ ts: d.ts, action: d.action, from: d.from, to: d.to, reason: d.reason })),
  );
});

test('when a sample reports a size outside the bounds, then the target is brought inside with reason bound', (t) => {
  const r = tick(createController(makeSpec({ n: 8 }), 0), [sample(1000, 50, 30)], 1000);
  t.like(r.decision, { from: 50, to: 32, reason: 'bound', action: 'shrink' });
});

test('when the daemon restarts (counter reset, new size), then no saturation is judged on it', (t) => {
  const run = drive(start({ n: 8, params: { law: 'pi' } }), 0, 5000, atUtilization(0.7, { rate: () => 500 }), { completed: 1e6 });
  const r = tick(run.state, [sample(6000, 16, 11, { completed: 3 })], 6000);
  t.is(r.decision.action, 'hold');
  t.is(r.state.signals.throughput, null);
  t.is(poolView(r.state, 0).ceiling, null);
});

test('when the daemon reports no idle share, then a full pool with more threads than CPUs still grows', (t) => {
  // 16 threads on 8 CPUs, all busy: without `idle`, busy workers may be blocked in I/O, so
  // nothing says the CPUs are covered; only a grow that fails to raise throughput would.
  const s = start({ n: 8, params: { law: 'pi' } });
  const run = drive(s, 0, 12_000, { busy: (size: number) => size, idle: null, rate: (size: number) => 40 * size });
  t.false(run.state.signals.idleReported);
  t.is(poolView(run.state, 0).ceiling, null);
  t.true(run.state.target > 16, `grew to ${run.state.target}`);
});

test('when the daemon reports a low idle share with every CPU covered, then the pool does not grow past its CPUs', (t) => {
  const s = start({ n: 8, params: { law: 'pi' } });
  const run = drive(s, 0, 12_000, { busy: (size: number) => size, stall: () => 0.6, idle: 0.05, rate: () => 800 });
  t.true(run.state.signals.idleReported);
  t.not(poolView(run.state, 0).ceiling, null);
  t.true(moves(run.decisions).every((d) => d.action !== 'grow'));
});

test('when a tick runs, then it never changes the state it was given (old states stay valid)', (t) => {
  const freeze = <T>(v: T): T => {
    if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
      for (const child of Object.values(v)) freeze(child);
      Object.freeze(v);
    }
    return v;
  };
  // Every stage: grows, the fast path, saturation, shrinks, stale ticks, a pin and an unpin.
  let s = freeze(start({ n: 8, params: { law: 'pi' } }));
  let size = 16;
  let completed = 0;
  for (let now = 1000; now <= 400_000; now += 1000) {
    const phase = Math.floor(now / 50_000) % 4;
    const samples: Sample[] =
      phase === 3 && now % 50_000 > 40_000
        ? []
        : [{ ts: now, size, busy: phase === 0 ? size : Math.round(size * 0.3), queueStall: phase === 0 ? 0.7 : 0, idle: phase === 1 ? 0.05 : 0.9, completed: (completed += phase === 1 ? 800 : size * 10) }];
    const before = JSON.stringify(s);
    const r = now === 200_000 ? setPin(s, 12, now) : now === 210_000 ? setPin(s, null, now) : tick(s, samples, now);
    t.is(JSON.stringify(s), before);
    s = freeze(r.state);
    size = s.target;
  }
  t.pass();
});
