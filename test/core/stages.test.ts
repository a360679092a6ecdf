import test from 'ava';
import { bound, cooldown, guard, limitStep, stabilize, thrashScale, GUARD_HOLDS } from '../../src/core/stages.js';
import type { CooldownGate } from '../../src/core/stages.js';

const gate = (over: Partial<CooldownGate> = {}): CooldownGate => ({
  growReady: false,
  shrinkReady: false,
  fastGrowUpTo: null,
  growBackedOff: false,
  ...over,
});

test('when a shrink is proposed below a size recently proposed, then it stops at that size', (t) => {
  t.deepEqual(stabilize({ size: 10, reason: 'below-band' }, 16, 14), { size: 14, reason: 'stabilized' });
  t.deepEqual(stabilize({ size: 10, reason: 'below-band' }, 16, 16), { size: 16, reason: 'stabilized' });
  t.deepEqual(stabilize({ size: 10, reason: 'below-band' }, 16, 9), { size: 10, reason: 'below-band' });
  t.deepEqual(stabilize({ size: 18, reason: 'above-band' }, 16, 20), { size: 18, reason: 'above-band' });
});

test('when a move reverses the last one, then the guard holds until three holds have passed', (t) => {
  const shrink = { size: 15, reason: 'below-band' as const };
  for (let holds = 0; holds < GUARD_HOLDS; holds++) {
    t.deepEqual(guard(shrink, 16, 1, holds), { size: 16, reason: 'guard' }, `after ${holds} holds`);
  }
  t.deepEqual(guard(shrink, 16, 1, GUARD_HOLDS), shrink);
  t.deepEqual(guard(shrink, 16, -1, 0), shrink, 'the same direction is no reversal');
  t.deepEqual(guard({ size: 17, reason: 'above-band' }, 16, -1, 2), { size: 16, reason: 'guard' });
});

test('when a cooldown is not over, then the move holds with reason cooldown', (t) => {
  t.deepEqual(cooldown({ size: 17, reason: 'above-band' }, 16, gate()), { size: 16, reason: 'cooldown' });
  t.deepEqual(cooldown({ size: 15, reason: 'below-band' }, 16, gate({ growReady: true })), { size: 16, reason: 'cooldown' });
  t.deepEqual(cooldown({ size: 17, reason: 'above-band' }, 16, gate({ growReady: true })), { size: 17, reason: 'above-band' });
  t.deepEqual(cooldown({ size: 15, reason: 'below-band' }, 16, gate({ shrinkReady: true })), { size: 15, reason: 'below-band' });
});

test('when the backlog fast path is open, then a grow skips the cooldown but not past the doubling limit', (t) => {
  t.deepEqual(cooldown({ size: 20, reason: 'above-band' }, 16, gate({ fastGrowUpTo: 32 })), { size: 20, reason: 'backlog' });
  t.deepEqual(cooldown({ size: 40, reason: 'above-band' }, 30, gate({ fastGrowUpTo: 32 })), { size: 32, reason: 'backlog' });
  t.deepEqual(cooldown({ size: 40, reason: 'above-band' }, 32, gate({ fastGrowUpTo: 32 })), { size: 32, reason: 'cooldown' });
});

test('when a grow failed recently, then grows hold with reason failed-grow even with the cooldown over', (t) => {
  t.deepEqual(cooldown({ size: 17, reason: 'above-band' }, 16, gate({ growReady: true, growBackedOff: true })), { size: 16, reason: 'failed-grow' });
});

test('when a move is larger than the step, then it is cut to the step and keeps its reason', (t) => {
  t.deepEqual(limitStep({ size: 30, reason: 'above-band' }, 16, 4), { size: 20, reason: 'above-band' });
  t.deepEqual(limitStep({ size: 2, reason: 'below-band' }, 16, 4), { size: 12, reason: 'below-band' });
  t.deepEqual(limitStep({ size: 19, reason: 'above-band' }, 16, 4), { size: 19, reason: 'above-band' });
});

test('when a proposal is outside the bounds, then it is clipped with reason bound', (t) => {
  t.deepEqual(bound({ size: 40, reason: 'above-band' }, { min: 4, max: 32 }), { size: 32, reason: 'bound' });
  t.deepEqual(bound({ size: 3, reason: 'below-band' }, { min: 4, max: 32 }), { size: 4, reason: 'bound' });
  t.deepEqual(bound({ size: 32, reason: 'above-band' }, { min: 4, max: 32 }), { size: 32, reason: 'above-band' });
});

test('when a grow follows a shrink within one shrink cooldown, then the next shrink cooldown doubles, at most 4x', (t) => {
  t.is(thrashScale(1, 1, 10_000, 0, 0, 30_000), 2);
  t.is(thrashScale(2, 1, 50_000, 0, 40_000, 30_000), 4);
  t.is(thrashScale(4, 1, 50_000, 0, 40_000, 30_000), 4);
  t.is(thrashScale(1, 1, 30_000, 0, 0, 30_000), 1, 'a grow one full cooldown after the shrink is no thrash');
  t.is(thrashScale(1, 1, 10_000, null, null, 30_000), 1, 'no shrink yet');
});

test('when a whole (scaled) shrink cooldown passes without a move, then the penalty is lifted', (t) => {
  t.is(thrashScale(2, 0, 59_999, 0, 0, 30_000), 2);
  t.is(thrashScale(2, 0, 60_000, 0, 0, 30_000), 1);
});
