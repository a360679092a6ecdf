import test from 'ava';
import {
  BACKLOG_ALERT,
  BACKLOG_NONZERO_MS,
  BUSYNESS_MAX_PERCENT,
  BUSYNESS_MIN_PERCENT,
  CHEAPER_MULTIPLIER,
  CHEAPER_OVERLOAD_MS,
  CHEAPER_PENALTY,
  cheaperLaw,
} from '../../../src/core/laws/cheaper.js';
import type { CheaperState } from '../../../src/core/laws/cheaper.js';
import { getLaw, lawNames } from '../../../src/core/index.js';
import type { ControllerParams } from '../../../src/core/index.js';
import { ctx } from './ctx.js';
import { DEFAULTS, atUtilization, drive, moves, start } from '../helpers.js';

// The first tick (1 s) starts uWSGI's clock: busyness is judged at 4 s, 7 s, 10 s, ... and
// the first removal may come overload x multiplier = 30 s after it, at 31 s.
const cheaper = (params: Partial<ControllerParams> = {}) => start({ n: 16, params: { law: 'cheaper', ...params } });

test('when cheaper is registered, then it keeps uWSGI\'s constants and none of our stages', (t) => {
  t.true(lawNames().includes('cheaper'));
  t.is(getLaw('cheaper').name, 'cheaper');
  t.deepEqual(
    [BUSYNESS_MIN_PERCENT, BUSYNESS_MAX_PERCENT, CHEAPER_MULTIPLIER, CHEAPER_PENALTY, BACKLOG_ALERT, CHEAPER_OVERLOAD_MS],
    [25, 50, 10, 2, 33, 3000],
  );
  t.deepEqual(cheaperLaw.stages.map((stage) => stage.name), ['backoff', 'bounds']);
  t.is(cheaperLaw.maxStep(16, DEFAULTS), Number.POSITIVE_INFINITY);
});

test('when busyness is over 50 % for an overload period, then cheaper adds a step of workers, once per period', (t) => {
  const run = drive(cheaper(), 0, 10_000, atUtilization(0.6), { startSize: 16 });
  t.deepEqual(run.sizes, [16, 16, 16, 17, 17, 17, 18, 18, 18, 19]);
  const stepped = drive(cheaper({ cheaperStep: 3 }), 0, 4000, atUtilization(0.6), { startSize: 16 });
  t.deepEqual(stepped.sizes, [16, 16, 16, 19]);
});

test('when busyness is under 25 %, then cheaper removes one worker only after overload x multiplier seconds', (t) => {
  const run = drive(cheaper(), 0, 70_000, atUtilization(0.1), { startSize: 16 });
  const shrinks = moves(run.decisions);
  t.deepEqual(
    shrinks.map((d) => [d.ts, d.from, d.to]),
    [[31_000, 16, 15], [61_000, 15, 14]],
  );
  t.like(run.decisions.find((d) => d.ts === 28_000), { action: 'hold' });
});

test('when a worker is needed again soon after a removal, then the multiplier rises by the penalty and the next removal waits longer', (t) => {
  const load = (ms: number) => atUtilization(ms > 31_000 && ms <= 34_000 ? 0.9 : 0.1);
  const run = drive(cheaper(), 0, 80_000, load, { startSize: 16 });
  t.deepEqual(
    moves(run.decisions).map((d) => [d.ts, d.action]),
    // Removed at 31 s, re-spawned at 34 s (within 10 x 3 s): multiplier 12, next removal 34 + 36 = 70 s (not 64 s).
    [[31_000, 'shrink'], [34_000, 'grow'], [70_000, 'shrink']],
  );
  t.is((run.state.lawState as CheaperState).multiplier, CHEAPER_MULTIPLIER + CHEAPER_PENALTY);
});

test('when busyness sits between the edges, then each period pushes the removal timer back, and three restart it', (t) => {
  const load = (ms: number) => atUtilization(ms > 22_000 && ms <= 28_000 ? 0.4 : 0.1);
  const run = drive(cheaper(), 0, 70_000, load, { startSize: 16 });
  // Two in-between periods (25 s, 28 s) push 31 s to 37 s.
  t.is(moves(run.decisions)[0]?.ts, 37_000);
  const restart = (ms: number) => atUtilization(ms > 19_000 && ms <= 28_000 ? 0.4 : 0.1);
  const again = drive(cheaper(), 0, 70_000, restart, { startSize: 16 });
  // Three in a row (22, 25, 28 s) restart it from 28 s: 28 + 30 = 58 s.
  t.is(moves(again.decisions)[0]?.ts, 58_000);
});

test('when cheaper runs with our band instead of its own, then 60 % busy holds instead of growing', (t) => {
  const own = drive(cheaper(), 0, 10_000, atUtilization(0.62), { startSize: 16 });
  const ours = drive(cheaper({ cheaperOwnBand: false }), 0, 10_000, atUtilization(0.62), { startSize: 16 });
  t.true(moves(own.decisions).length > 0);
  t.deepEqual(moves(ours.decisions), []);
  const hot = drive(cheaper({ cheaperOwnBand: false }), 0, 4000, atUtilization(0.9), { startSize: 16 });
  t.is(hot.sizes[3], 17, 'over our 85 % it grows');
});

/** Steps the law alone, a tick a second, the size following its proposals. */
function steps(queueDepth: (ms: number) => number, u: number, toMs: number, size = 16): { sizes: number[]; state: CheaperState } {
  let state = cheaperLaw.init(size, DEFAULTS);
  const sizes: number[] = [];
  for (let ms = 1000; ms <= toMs; ms += 1000) {
    const c = ctx(size, u, { nowMs: ms, bounds: { min: 8, max: 64 }, samples: [{ ts: ms, size, busy: Math.round(u * size), queueDepth: queueDepth(ms) }] });
    const r = cheaperLaw.step(state, c);
    state = r.state;
    size = r.proposal.size;
    sizes.push(size);
  }
  return { sizes, state };
}

test('when the queue backlog is over the alert, then cheaper adds a worker at once, inside the overload period', (t) => {
  t.deepEqual(steps((ms) => (ms === 2000 ? BACKLOG_ALERT + 1 : 0), 0.3, 3000).sizes, [16, 17, 17]);
  t.deepEqual(steps(() => BACKLOG_ALERT, 0.3, 3000).sizes, [16, 16, 16], 'at the alert: nothing');
  t.deepEqual(steps(() => 100, 0.3, 3000, 64).sizes, [64, 64, 64], 'at the max: nothing');
});

// cheaper_busyness.c, cheaper_busyness_algo: `else if (backlog > 0)` on the cycles between
// busyness checks; spawn_emergency_worker once it was non-zero for backlog-nonzero (60) seconds.
test('when the listen queue stays non-empty (under the alert) for 60 s, then cheaper adds an emergency worker, and counts again', (t) => {
  t.is(BACKLOG_NONZERO_MS, 60_000);
  const run = steps(() => 5, 0.4, 130_000);
  const grows = run.sizes.flatMap((size, i) => (i > 0 && size > (run.sizes[i - 1] as number) ? [(i + 1) * 1000] : []));
  // The queue is first seen non-empty at 2 s (1 s starts uWSGI's clock, a check cycle); 60 s later
  // the next non-check cycle spawns, and the count starts again from there.
  t.true(grows.length === 2, `grew at ${grows.join(', ')} ms`);
  t.true((grows[0] as number) >= 62_000 && (grows[0] as number) <= 64_000, `first at ${grows[0]}`);
  t.true((grows[1] as number) - (grows[0] as number) >= 60_000 && (grows[1] as number) - (grows[0] as number) <= 62_000);
  t.deepEqual(steps((ms) => (ms % 10_000 === 0 ? 0 : 5), 0.4, 130_000).sizes.every((size) => size === 16), true, 'an empty queue in between resets the count');
});

// cheaper_busyness.c (2.0.21) L131 sets the timer before L134 counts the new emergency
// worker: the first one gets the ordinary timer, later ones overload x backlog multiplier.
test('when one emergency worker runs, then it is removed on the ordinary timer; with two, the timer is overload x backlog multiplier (9 s)', (t) => {
  const one = steps((ms) => (ms === 1000 ? 50 : 0), 0.1, 32_000);
  t.is(one.sizes.indexOf(16), 30, 'removed at 31 s = 1 s + 3 s x 10');
  t.true(one.sizes.slice(0, 30).every((size) => size === 17));
  const two = steps((ms) => (ms <= 2000 ? 50 : 0), 0.1, 25_000);
  // Spawned at 1 s and 2 s (timer 2 + 9 = 11 s); removed at the checks of 13 s (timer 13 + 9) and 22 s.
  t.deepEqual(two.sizes.map((size, i) => [(i + 1) * 1000, size]).filter(([, size], i, all) => i === 0 || size !== all[i - 1]?.[1]), [
    [1000, 17],
    [2000, 18],
    [13_000, 17],
    [22_000, 16],
  ]);
  t.is(two.state.emergencyWorkers, 0);
});
