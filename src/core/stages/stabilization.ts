// Shrink stabilization (docs/design.md): a shrink goes only down to the largest size
// recommended during the window (one shrink cooldown, as the thrash penalty scales it), so a
// pool never drops below what a recent burst needed. The window holds what was recommended
// before this stage, as HPA's does. A saturated pool's step back is neither kept nor held:
// it says what the CPUs can run, not what the load needs; nor is a hold for want of data.
import { scaledShrinkCooldownMs } from '../moves.js';
import { defineStage, hold } from './stage.js';
import type { Proposal } from './stage.js';

/** One recommendation: its time and size. */
export interface Recommendation {
  ts: number;
  size: number;
}

/**
 * The window as a monotonic queue: sizes strictly falling from oldest to newest, so the
 * oldest entry is the window's largest recommendation. An older entry no larger than a newer
 * one can never be the largest again (it leaves the window first), so it is not kept.
 */
export type Window = readonly Recommendation[];

export function stabilize(p: Proposal, size: number, recentMax: number | null): Proposal {
  if (p.size >= size || recentMax === null || recentMax <= p.size) return p;
  if (recentMax >= size) return hold(size, 'stabilized');
  return { size: recentMax, reason: 'stabilized' };
}

export function slideWindow(window: Window, sinceMs: number): Window {
  let first = 0;
  while (first < window.length && (window[first] as Recommendation).ts <= sinceMs) first += 1;
  return first === 0 ? window : window.slice(first);
}

export function pushMax(window: Window, r: Recommendation): Window {
  let keep = window.length;
  while (keep > 0 && (window[keep - 1] as Recommendation).size <= r.size) keep -= 1;
  // One new array of the exact length (a slice and a push would grow a mostly empty store).
  if (keep === window.length) return window.concat([r]);
  const next = window.slice(0, keep + 1);
  next[keep] = r;
  return next;
}

export const stabilizationStage = defineStage<Window>({
  name: 'stabilization',
  init: () => [],
  apply(p, ctx, state) {
    const window = slideWindow(state, ctx.nowMs - scaledShrinkCooldownMs(ctx.moves, ctx.spec.params.shrinkCooldownMs));
    const recentMax = window.length > 0 ? (window[0] as Recommendation).size : null;
    if (p.reason === 'saturated' || p.reason === 'ceiling' || p.reason === 'no-data') return { proposal: p, state: window };
    return { proposal: stabilize(p, ctx.base, recentMax), state: pushMax(window, { ts: ctx.nowMs, size: p.size }) };
  },
});
