import test from 'ava';
import { cooldown, fastCooldownStage } from '../../../src/core/stages/cooldown.js';
import { initProbe } from '../../../src/core/probe.js';
import type { CooldownGate } from '../../../src/core/stages/cooldown.js';
import { guard, GUARD_HOLDS } from '../../../src/core/stages/guard.js';
import { backoffStage, bound, limitStep, stepStage } from '../../../src/core/stages/limits.js';
import { stabilize } from '../../../src/core/stages/stabilization.js';
import { thrashPenalty } from '../../../src/core/stages/thrash.js';
import { initMoves } from '../../../src/core/moves.js';
import { stageCtx } from './ctx.js';

const gate = (over: Partial<CooldownGate> = {}): CooldownGate => ({
  growReady: false,
  shrinkReady: false,
  fastGrowUpTo: null,
  demandGrowUpTo: null,
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

test('when a grow is sized from the measured demand, then it skips the grow cooldown up to the grow window\'s doubling, and keeps its reason', (t) => {
  t.deepEqual(cooldown({ size: 24, reason: 'demand' }, 16, gate({ demandGrowUpTo: 32 })), { size: 24, reason: 'demand' });
  t.deepEqual(cooldown({ size: 40, reason: 'demand' }, 20, gate({ demandGrowUpTo: 32 })), { size: 32, reason: 'demand' });
  t.deepEqual(cooldown({ size: 40, reason: 'demand' }, 32, gate({ demandGrowUpTo: 32 })), { size: 32, reason: 'cooldown' }, 'the window has doubled');
  t.deepEqual(cooldown({ size: 24, reason: 'above-band' }, 16, gate({ demandGrowUpTo: 32 })), { size: 16, reason: 'cooldown' }, "the law's own grow waits");
  t.deepEqual(cooldown({ size: 24, reason: 'demand' }, 16, gate()), { size: 16, reason: 'cooldown' }, 'the reference cooldowns have no fast path');
});

test('when the last grow scaled, then a demand grow 2 s after it goes to the window\'s doubling; when it only paid off, it waits for the grow cooldown', (t) => {
  const moves = { ...initMoves(), grow: { atMs: 98_000, from: 12, to: 16, acting: true } };
  const demand = { size: 40, reason: 'demand' as const };
  const at = (lastGrowScaled: boolean) => {
    const ctx = stageCtx({ moves, probe: { ...initProbe(), lastGrowPaidOff: true, lastGrowScaled } });
    return fastCooldownStage.apply(demand, ctx, fastCooldownStage.init()).proposal;
  };
  t.deepEqual(at(true), { size: 24, reason: 'demand' }, 'the window opened at 12: up to 24');
  t.deepEqual(at(false), { size: 16, reason: 'cooldown' });
});

test('when a grow failed less than failedGrowBackoffMs ago, then grows hold with reason failed-grow (9,999 ms: hold; 10,000 ms: pass)', (t) => {
  const moves = { ...initMoves(), failedGrowMs: 50_000 };
  const grow = { size: 17, reason: 'above-band' as const };
  const at = (nowMs: number) => backoffStage.apply(grow, stageCtx({ moves, nowMs }), null).proposal;
  t.deepEqual(at(59_999), { size: 16, reason: 'failed-grow' });
  t.deepEqual(at(60_000), grow);
  t.deepEqual(backoffStage.apply({ size: 15, reason: 'below-band' }, stageCtx({ moves, nowMs: 51_000 }), null).proposal, { size: 15, reason: 'below-band' }, 'a shrink passes');
});

test('when the daemon still runs more workers than it was told, then a grow goes to the size it runs, and no step cuts it', (t) => {
  const pending = stageCtx({ base: 8, reported: 12 });
  t.deepEqual(backoffStage.apply({ size: 16, reason: 'demand' }, pending, null).proposal, { size: 12, reason: 'demand' }, 'the shrink is taken back');
  // A grow to 10 would still retire 2 of the 12 workers of a pool over its band.
  t.deepEqual(backoffStage.apply({ size: 10, reason: 'above-band' }, pending, null).proposal, { size: 12, reason: 'above-band' }, 'a smaller grow takes the whole shrink back too');
  t.deepEqual(stepStage.apply({ size: 12, reason: 'above-band' }, { ...pending, maxStep: 1 }, null).proposal, { size: 12, reason: 'above-band' }, 'no change for the daemon: not a step');
  t.deepEqual(stepStage.apply({ size: 13, reason: 'above-band' }, { ...pending, maxStep: 1 }, null).proposal, { size: 9, reason: 'above-band' }, 'past it, the step counts from the target');
  t.deepEqual(backoffStage.apply({ size: 6, reason: 'saturated' }, pending, null).proposal, { size: 6, reason: 'saturated' });
  t.deepEqual(backoffStage.apply({ size: 16, reason: 'demand' }, stageCtx({ base: 8, reported: 8 }), null).proposal, { size: 16, reason: 'demand' }, 'caught up: the grow goes');
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

const CD = 30_000;
const scaleAfter = (scale: number, moved: 1 | -1 | 0, nowMs: number, lastShrinkMs: number | null, lastGrowMs: number | null, sinceMs: number | null = null): number =>
  thrashPenalty({ scale, sinceMs }, moved, nowMs, { lastShrinkMs, lastGrowMs }, CD).scale;

test('when a grow follows a shrink within one shrink cooldown, then the next shrink cooldown doubles, at most 4x', (t) => {
  t.is(scaleAfter(1, 1, 10_000, 0, null), 2);
  t.is(scaleAfter(2, 1, 50_000, 0, null), 4, 'within the scaled cooldown (60 s)');
  t.is(scaleAfter(4, 1, 50_000, 0, null), 4);
  t.is(scaleAfter(1, 1, 29_999, 0, null), 2);
  t.is(scaleAfter(1, 1, 30_000, 0, null), 1, 'a grow one full cooldown after the shrink is no thrash');
  t.is(scaleAfter(1, 1, 10_000, null, null), 1, 'no shrink yet');
});

test('when a shrink is followed by a quiet scaled cooldown, then the penalty halves (one step, not all at once)', (t) => {
  t.is(scaleAfter(4, 0, 119_999, 0, null), 4);
  t.is(scaleAfter(4, 0, 120_000, 0, null), 2);
  t.is(scaleAfter(4, -1, 120_000, 0, null), 2, 'the next shrink itself may be the end of the quiet cooldown');
  t.is(scaleAfter(2, 0, 60_000, 0, null), 1);
  // after halving at 120 s, the next halving waits a whole cooldown at the new scale from then
  t.is(scaleAfter(2, 0, 179_999, 0, null, 120_000), 2);
  t.is(scaleAfter(2, 0, 180_000, 0, null, 120_000), 1);
});

test('when a grow came after the last shrink, then no quiet time counts until the pool shrinks again', (t) => {
  // A burst grew the pool after its last shrink: however long the pool then holds, the
  // penalty stays (the stabilization window keeps the burst size that long).
  t.is(scaleAfter(4, 0, 10_000_000, 0, 5_000), 4);
  t.is(scaleAfter(4, 0, 10_000_000, null, 5_000), 4, 'no shrink at all');
  // a shrink after the grow starts the quiet count again
  t.is(scaleAfter(4, 0, 200_000 + 119_999, 200_000, 5_000), 4);
  t.is(scaleAfter(4, 0, 200_000 + 120_000, 200_000, 5_000), 2);
});
