// Shrink stabilization (docs/design.md): a shrink goes only down to the largest size
// recommended during the window (one shrink cooldown, as the thrash penalty scales it), so a
// pool never drops below what a recent burst needed. After a burst (the recommendation came
// back up to the pool's size after falling a quarter or more below it: a burst after a lull,
// the first one after a quiet spell included) the window stretches to STRETCH_COOLDOWNS shrink
// cooldowns (300 s at the default 30 s: HPA's default window) for as long, so the pool keeps
// its burst size through the gaps between bursts. The window holds what was recommended before
// this stage, as HPA's does. A saturated pool's step back is neither kept nor held: it says
// what the CPUs can run, not what the load needs; nor is a move to a measured throughput
// ceiling, nor a hold for want of data.
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

/** The stretched window in shrink cooldowns: 300 s at the default 30 s, Kubernetes HPA's default scale-down stabilization window. */
export const STRETCH_COOLDOWNS = 10;

/** The stretched window's length for a pool's shrink cooldown (its parameter, before the thrash penalty). */
export const stretchedWindowMs = (shrinkCooldownMs: number) => STRETCH_COOLDOWNS * shrinkCooldownMs;

/** A recommendation this share or more below the pool's size, followed by one at its size or above, is a burst. */
export const RECUR_DROP = 0.25;

export interface StabilizationState {
  /** recommendations of the last stretched window (or the scaled cooldown, if longer) */
  window: Window;
  /** when the recommendation last came back up after a drop (a burst) */
  recurredAtMs: number | null;
  /** the lowest recommendation, as a share of the pool's size then, since the last time it came back up */
  lowSinceRise: number | null;
}

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

/** The largest recommendation newer than `sinceMs` (the queue falls from oldest to newest, so it is the first one). */
export function maxSince(window: Window, sinceMs: number): number | null {
  for (const r of window) if (r.ts > sinceMs) return r.size;
  return null;
}

/** The record of bursts after this tick's recommendation `p` at the pool's size `base`. */
export function recurrence(s: StabilizationState, p: Proposal, base: number, nowMs: number): StabilizationState {
  if (p.size < base) {
    const share = p.size / base;
    return s.lowSinceRise !== null && s.lowSinceRise <= share ? s : { ...s, lowSinceRise: share };
  }
  if (s.lowSinceRise !== null && s.lowSinceRise <= 1 - RECUR_DROP) return { ...s, recurredAtMs: nowMs, lowSinceRise: null };
  return s;
}

/** The window's length at `nowMs`: the scaled shrink cooldown, stretched after a burst. */
export function windowMs(s: StabilizationState, nowMs: number, scaled: number, stretched: number): number {
  if (scaled === 0) return 0; // no shrink cooldown: no stabilization
  const recurring = s.recurredAtMs !== null && nowMs - s.recurredAtMs < stretched;
  return recurring ? Math.max(scaled, stretched) : scaled;
}

/**
 * Until when the window holds every shrink from `base` (it has a recommendation of `base` or
 * more), from what it holds at `nowMs`; null when it holds none. Recommendations still to come
 * may put it off.
 */
export function heldUntilMs(s: StabilizationState, base: number, nowMs: number, scaled: number, stretched: number): number | null {
  const length = windowMs(s, nowMs, scaled, stretched);
  if (length === 0) return null;
  let last: Recommendation | null = null;
  for (const r of s.window) if (r.size >= base && r.ts > nowMs - length) last = r;
  if (last === null) return null;
  const until = last.ts + length;
  // A stretched window goes back to the scaled cooldown when the burst's stretch ends.
  const stretchEnds = s.recurredAtMs === null || length === scaled ? null : s.recurredAtMs + stretched;
  return stretchEnds !== null && stretchEnds < until ? Math.max(stretchEnds, last.ts + scaled) : until;
}

/** The state with a new window: one object literal (a spread costs a slow copy, and this runs every tick). */
function withWindow(s: StabilizationState, window: Window): StabilizationState {
  return { window, recurredAtMs: s.recurredAtMs, lowSinceRise: s.lowSinceRise };
}

export const stabilizationStage = defineStage<StabilizationState>({
  name: 'stabilization',
  init: () => ({ window: [], recurredAtMs: null, lowSinceRise: null }),
  apply(p, ctx, prev) {
    const scaled = scaledShrinkCooldownMs(ctx.moves, ctx.spec.params.shrinkCooldownMs);
    const stretched = stretchedWindowMs(ctx.spec.params.shrinkCooldownMs);
    const keepMs = Math.max(scaled, stretched);
    const window = slideWindow(prev.window, ctx.nowMs - keepMs);
    if (p.reason === 'saturated' || p.reason === 'ceiling' || p.reason === 'no-data') return { proposal: p, state: window === prev.window ? prev : withWindow(prev, window) };
    const s = recurrence(prev, p, ctx.base, ctx.nowMs);
    const recentMax = maxSince(window, ctx.nowMs - windowMs(s, ctx.nowMs, scaled, stretched));
    return { proposal: stabilize(p, ctx.base, recentMax), state: withWindow(s, pushMax(window, { ts: ctx.nowMs, size: p.size })) };
  },
});
