import test from 'ava';
import { initMoves } from '../../../src/core/moves.js';
import { RECUR_DROP, recurrence, stabilizationStage, stretchedWindowMs } from '../../../src/core/stages/stabilization.js';
import type { StabilizationState } from '../../../src/core/stages/stabilization.js';
import type { Proposal } from '../../../src/core/stages/stage.js';
import { makeSpec } from '../helpers.js';
import { stageCtx } from './ctx.js';

const EMPTY: StabilizationState = { window: [], recurredAtMs: null, lowSinceRise: null };
/** The stretched window at the default shrink cooldown (30 s). */
const STRETCHED_WINDOW_MS = stretchedWindowMs(30_000);

/** Runs the stage once a second over `proposals` (each at `base`), from `t0`. */
function run(state: StabilizationState, base: number, proposals: readonly number[], t0: number, shrinkCooldownMs = 30_000) {
  let s = state;
  let last: Proposal = { size: base, reason: 'in-band' };
  const spec = makeSpec({ n: 8, params: { shrinkCooldownMs } });
  proposals.forEach((size, i) => {
    const reason = size > base ? 'above-band' : size < base ? 'below-band' : 'in-band';
    const out = stabilizationStage.apply({ size, reason }, stageCtx({ spec, base, nowMs: t0 + i * 1000, moves: initMoves() }), s);
    s = out.state as StabilizationState;
    last = out.proposal;
  });
  return { state: s, last };
}

test('when the recommendation falls a quarter below the size and comes back up, then a burst came; a smaller dip is not one', (t) => {
  const dip = (share: number) => recurrence(recurrence(EMPTY, { size: 32 * share, reason: 'below-band' }, 32, 1000), { size: 32, reason: 'in-band' }, 32, 2000);
  t.is(dip(1 - RECUR_DROP).recurredAtMs, 2000);
  t.is(dip(1 - RECUR_DROP + 0.01).recurredAtMs, null);
});

test('when the shrink cooldown is shortened, then the stretched window is too: ten cooldowns', (t) => {
  const burst = run(EMPTY, 32, [8, 32], 0, 5000);
  t.is(burst.state.recurredAtMs, 1000);
  t.deepEqual(run(burst.state, 32, [10], 39_000, 5000).last, { size: 32, reason: 'stabilized' }, '38 s after the burst: held');
  t.deepEqual(run(burst.state, 32, [10], 52_000, 5000).last, { size: 10, reason: 'below-band' }, '51 s after it, past 50 s: shrinks');
});

test('when no burst recurred, then the window is one shrink cooldown: a shrink 31 s after a burst size goes through', (t) => {
  const after = run(EMPTY, 32, [32, ...Array(30).fill(33)], 0);
  const { last } = run(after.state, 32, [10], 61_000);
  t.deepEqual(last, { size: 10, reason: 'below-band' });
});

test('after a burst, then the window stretches to 300 s: the burst size is kept through the gap, and released after it', (t) => {
  // A dip to 8 at 32 workers, then the burst back (the recommendation at 32 again): recurred at t = 1 s.
  const burst = run(EMPTY, 32, [8, 32], 0);
  t.is(burst.state.recurredAtMs, 1000);
  const gap = run(burst.state, 32, [10], 200_000);
  t.deepEqual(gap.last, { size: 32, reason: 'stabilized' }, '200 s later the burst size still holds');
  const later = run(gap.state, 32, [10], 1000 + STRETCHED_WINDOW_MS + 1000);
  t.deepEqual(later.last, { size: 10, reason: 'below-band' }, 'past 300 s with no recurrence, the window is one cooldown again');
});
