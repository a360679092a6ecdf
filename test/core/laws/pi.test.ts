import test from 'ava';
import { piLaw, PI_KI_PER_SECOND, PI_SHRINK_SMOOTHING_SECONDS } from '../../../src/core/laws/pi.js';
import type { PiState } from '../../../src/core/laws/pi.js';
import { ctx } from './ctx.js';
import { DEFAULTS } from '../helpers.js';

const fresh = { integral: 0, sign: 0 as const };
/** the tick before was over the band too: a grow is not waited for (a tick with a worker to spare) */
const over = { ...fresh, aboveTicks: 1 };

test('when utilization is inside the band, then pi holds and clears its integral', (t) => {
  const r = piLaw.step({ integral: 0.3, sign: 1 }, ctx(16, 0.7));
  t.deepEqual(r.proposal, { size: 16, reason: 'in-band' });
  t.is(r.state.integral, 0);
});

test('when utilization is just over the band, then pi grows by the smallest move that reaches the edge', (t) => {
  // 20 workers at 90 %: 20 * 0.05 / 0.85 = 1.18 workers plus the integral's first step -> 2.
  t.deepEqual(piLaw.step(over, ctx(20, 0.9)).proposal, { size: 22, reason: 'above-band' });
  // 16 at 85.1 %: a sliver of error still grows by one.
  t.deepEqual(piLaw.step(over, ctx(16, 0.851)).proposal, { size: 17, reason: 'above-band' });
});

test('when the queue is stalling, then the stall counts as demand over the band', (t) => {
  const calm = piLaw.step(fresh, ctx(16, 1)).proposal.size;
  const stalled = piLaw.step(fresh, ctx(16, 1, { signals: { ...ctx(16, 1).signals, queueStall: 0.5 } })).proposal.size;
  t.true(stalled > calm, `${stalled} > ${calm}`);
});

test('when utilization is under the band, then pi shrinks by whole workers without leaving the band upward', (t) => {
  const r = piLaw.step(fresh, ctx(16, 0.5));
  t.deepEqual(r.proposal, { size: 14, reason: 'below-band' });
  t.true((0.5 * 16) / r.proposal.size <= DEFAULTS.band.high);
  t.deepEqual(piLaw.step(fresh, ctx(16, 0.59)).proposal, { size: 15, reason: 'below-band' });
});

test('when every whole-worker shrink would put utilization over the band, then pi holds below it: a small pool is not shrunk into saturation', (t) => {
  // 3 workers at 58 %: 2 would run at 87 %, over the band's top (a load rising after an idle start: the 10 s average lags)
  const r = piLaw.step({ ...fresh, smoothed: 0.58 }, ctx(3, 0.69));
  t.deepEqual(r.proposal, { size: 3, reason: 'below-band' });
  t.is(r.state.integral, 0, 'the integral does not build up behind a shrink that cannot go');
  t.deepEqual(piLaw.step({ ...fresh, smoothed: 0.3 }, ctx(3, 0.3)).proposal, { size: 2, reason: 'below-band' }, '2 at 45 %: inside');
  // a large shrink stops where the band's top is: 16 at 10 % would go far; 0.1 x 16 / 0.85 = 1.9 -> at least 2
  t.true(piLaw.step({ ...fresh, smoothed: 0.1 }, ctx(16, 0.1)).proposal.size >= 2);
});

test('when the move is allowed and not clamped, then the integral grows with error and time', (t) => {
  const r = piLaw.step(over, ctx(20, 0.9, { dtMs: 2000 }));
  t.true(Math.abs(r.state.integral - PI_KI_PER_SECOND * 0.05 * 2) < 1e-12);
});

test('when a stage clamps the move (bounds, step, cooldown, any), then the integral does not grow (anti-windup)', (t) => {
  const clampedTo = {
    bound: { c: ctx(32, 0.9, { size: 32 }), final: 32 },
    cooldown: { c: ctx(20, 0.9), final: 20 },
    step: { c: ctx(20, 1), final: 21 },
    shrinkCooldown: { c: ctx(20, 0.3), final: 20 },
    minBound: { c: ctx(4, 0.3), final: 4 },
  };
  for (const [what, { c, final }] of Object.entries(clampedTo)) {
    let state: PiState = { integral: 0.01, sign: c.utilization > 0.85 ? 1 : -1, smoothed: c.utilization };
    for (let i = 0; i < 100; i++) {
      const r = piLaw.step(state, c);
      state = piLaw.settle?.(r.state, c, r.proposal, final) ?? r.state;
    }
    t.is(state.integral, 0.01, what);
  }
});

test('when the stages let the move through, then settle keeps the integral it grew', (t) => {
  const c = ctx(20, 0.9, { dtMs: 2000 });
  const r = piLaw.step(over, c);
  const settled = piLaw.settle?.(r.state, c, r.proposal, r.proposal.size) ?? r.state;
  t.is(settled.integral, r.state.integral);
  t.true(settled.integral > 0);
});

test('when the error changes sign, then the integral starts again from zero', (t) => {
  const r = piLaw.step({ integral: 0.4, sign: 1 }, ctx(20, 0.5));
  t.is(r.state.held, 0);
  t.true(Math.abs(r.state.integral - PI_KI_PER_SECOND * (0.5 - DEFAULTS.band.low)) < 1e-12, 'only this tick\'s error');
  t.is(r.state.sign, -1);
});

test('when maxStep is unset, then it is max(1, ceil(size/4)); when set, it is that', (t) => {
  t.is(piLaw.maxStep(16, DEFAULTS), 4);
  t.is(piLaw.maxStep(2, DEFAULTS), 1);
  t.is(piLaw.maxStep(16, { ...DEFAULTS, maxStep: 2 }), 2);
});

test('when one quiet tick follows in-band ticks, then pi does not shrink: shrinks are judged on a 10 s average', (t) => {
  t.is(PI_SHRINK_SMOOTHING_SECONDS, 10);
  // average 0.7, this tick 0.3: 0.7 - (1 - e^-0.1) x 0.4 = 0.66, in band
  const one = piLaw.step({ ...fresh, smoothed: 0.7 }, ctx(16, 0.3));
  t.deepEqual(one.proposal, { size: 16, reason: 'in-band' });
  t.true(Math.abs((one.state.smoothed ?? 0) - (0.7 - (1 - Math.exp(-0.1)) * 0.4)) < 1e-12);
  // an average under the band shrinks even on a tick that is in band
  t.is(piLaw.step({ ...fresh, smoothed: 0.5 }, ctx(16, 0.61)).proposal.reason, 'below-band');
  // a grow answers the tick itself
  t.is(piLaw.step({ ...fresh, smoothed: 0.5 }, ctx(16, 0.95)).proposal.reason, 'above-band');
});

test('when one tick over the band left a whole worker to spare, then pi grows only if the next is over it too; a full tick, a small pool or a stalling queue grows at once', (t) => {
  // 16 x 0.9 = 14.4 busy: 1.6 workers idle on average over the tick
  const first = piLaw.step({ ...fresh, smoothed: 0.7 }, ctx(16, 0.9));
  t.deepEqual(first.proposal, { size: 16, reason: 'guard' });
  t.is(piLaw.step(first.state, ctx(16, 0.9)).proposal.reason, 'above-band', 'the second tick over the band grows');
  t.is(piLaw.step(first.state, ctx(16, 0.8)).state.aboveTicks, 0, 'a tick back in band starts the count again');
  t.is(piLaw.step({ ...fresh, smoothed: 0.7 }, ctx(16, 15.1 / 16)).proposal.reason, 'above-band', 'less than a worker to spare');
  t.is(piLaw.step({ ...fresh, smoothed: 0.7 }, ctx(4, 0.9)).proposal.reason, 'above-band', '3.6 of 4 busy: no whole worker spare');
  const stalled = ctx(16, 0.9, { signals: { ...ctx(16, 0.9).signals, queueStall: 0.1 } });
  t.is(piLaw.step({ ...fresh, smoothed: 0.7 }, stalled).proposal.reason, 'above-band', 'a stalling queue is answered at once');
});

test('when pi is over the band within one shrink cooldown of its own shrink, then the grow waits a second tick unless the queue stalls', (t) => {
  const shrank: PiState = { ...fresh, smoothed: 0.7, shrankAtMs: 0 };
  const first = piLaw.step(shrank, ctx(8, 0.9, { nowMs: 10_000 }));
  t.deepEqual(first.proposal, { size: 8, reason: 'guard' });
  t.is(piLaw.step(first.state, ctx(8, 0.9, { nowMs: 11_000 })).proposal.reason, 'above-band', 'the second tick over the band grows');
  const stalled = ctx(8, 0.9, { nowMs: 10_000, signals: { ...ctx(8, 0.9).signals, queueStall: 0.1 } });
  t.is(piLaw.step(shrank, stalled).proposal.reason, 'above-band', 'a stalling queue is answered at once');
  t.is(piLaw.step(shrank, ctx(8, 0.9, { nowMs: DEFAULTS.shrinkCooldownMs - 1 })).proposal.reason, 'guard');
  t.is(piLaw.step(shrank, ctx(8, 0.9, { nowMs: DEFAULTS.shrinkCooldownMs })).proposal.reason, 'above-band', 'one shrink cooldown later');
  // a shrink the stages let through is remembered; one they held is not
  const c = ctx(16, 0.3, { nowMs: 5_000 });
  const r = piLaw.step({ ...fresh, smoothed: 0.3 }, c);
  t.is(piLaw.settle?.(r.state, c, r.proposal, r.proposal.size).shrankAtMs, 5_000);
  t.is(piLaw.settle?.(r.state, c, r.proposal, 16).shrankAtMs, undefined);
});
