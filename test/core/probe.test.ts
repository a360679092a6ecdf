import test from 'ava';
import { initMoves } from '../../src/core/moves.js';
import type { Moves } from '../../src/core/moves.js';
import { initProbe, updateProbe, PROBE_MIN_GAIN, PROBE_TICKS } from '../../src/core/probe.js';
import type { ProbeState } from '../../src/core/probe.js';

const PERIOD = 1000;
const grew = (from: number, to: number, atMs: number, acting = true): Moves => ({ ...initMoves(), grow: { atMs, from, to, acting } });

/** Readings of `tputs` at `size`, one a tick, with the moves made so far. */
function readings(s: ProbeState, moves: Moves, size: number, tputs: number[]): ProbeState {
  return tputs.reduce((acc, tput) => updateProbe(acc, moves, size, tput, PERIOD), s);
}

test('when a grow raises throughput by 2 % or more and beyond twice the noise, then it paid off; by less, or within the noise, it did not', (t) => {
  t.is(PROBE_MIN_GAIN, 0.02);
  // 50 000 completions before, 20 400 after: twice the noise is 1.7 %, so 2 % decides.
  const before = readings(initProbe(), initMoves(), 16, [10_000, 10_000, 10_000, 10_000, 10_000]);
  const paid = readings(before, grew(16, 20, 5000), 20, [10_200, 10_200]);
  t.true(paid.lastGrowPaidOff);
  t.like(paid.judged, { from: 16, to: 20 });
  t.true(Math.abs((paid.judged?.gain ?? 0) - 0.02) < 1e-9);
  const flat = readings(before, grew(16, 20, 5000), 20, [10_190, 10_190]);
  t.false(flat.lastGrowPaidOff);
  t.true((flat.judged?.gain ?? 1) < PROBE_MIN_GAIN);
  // 200 completions before, 208 after: a 4 % gain is well inside twice the noise (20 %).
  const few = readings(readings(initProbe(), initMoves(), 6, [100, 100]), grew(6, 8, 5000), 8, [104, 104]);
  t.true((few.judged?.gain ?? 0) > PROBE_MIN_GAIN);
  t.false(few.lastGrowPaidOff, 'a gain the noise explains opens no fast path');
});

test('when a grow raises throughput by half its size rise and beyond twice the noise, then it scaled; by less, it only paid off', (t) => {
  // 16 -> 20 is a 25 % rise: scaling needs a gain of 12.5 %; 5 ticks of 1000/s before, 2 after: noise about 2.6 %.
  const before = readings(initProbe(), initMoves(), 16, [1000, 1000, 1000, 1000, 1000]);
  const scaled = readings(before, grew(16, 20, 5000), 20, [1125, 1125]);
  t.true(scaled.lastGrowScaled);
  const half = readings(before, grew(16, 20, 5000), 20, [1120, 1120]);
  t.true(half.lastGrowPaidOff);
  t.false(half.lastGrowScaled, 'paid off, but less than half the size rise');
  const noisy = readings(readings(initProbe(), initMoves(), 4, [10]), grew(4, 8, 5000), 8, [14, 14]);
  t.false(noisy.lastGrowScaled, 'a 40 % gain on 10 and 28 completions is within twice the noise');
  t.false(readings(scaled, grew(20, 24, 9000), 20, [1125]).lastGrowScaled, 'a new grow is not judged yet');
});

test('when a grow is judged, then its noise is the standard error of two Poisson counts', (t) => {
  const before = readings(initProbe(), initMoves(), 16, [100, 100, 100, 100]); // 400 completions
  const after = readings(before, grew(16, 20, 5000), 20, [100, 100]); // 200 completions
  t.true(Math.abs((after.judged?.noise ?? 0) - Math.sqrt(1 / 400 + 1 / 200)) < 1e-12);
});

test('when fewer than the probe ticks arrived at the new size, then the grow is not judged; a third size drops it', (t) => {
  const before = readings(initProbe(), initMoves(), 16, [1000]);
  const moves = grew(16, 20, 5000);
  let s = readings(before, moves, 20, Array<number>(PROBE_TICKS - 1).fill(1000));
  t.not(s.probe, null);
  t.is(s.judged, null);
  s = readings(s, moves, 17, [1000]);
  t.is(s.probe, null, 'the daemon went elsewhere: the probe is dropped');
});

test('when there is no throughput at the old size, or the grow was only recommended (observe), then no probe starts', (t) => {
  t.is(updateProbe(initProbe(), grew(16, 20, 5000), 20, 1000, PERIOD).probe, null);
  const before = readings(initProbe(), initMoves(), 16, [1000]);
  t.is(updateProbe(before, grew(16, 20, 5000, false), 16, 1000, PERIOD).probe, null);
});

test('when nothing was measured and nothing moved, then the record is the same object', (t) => {
  const s = readings(initProbe(), initMoves(), 16, [1000]);
  t.is(updateProbe(s, initMoves(), null, null, PERIOD), s);
});
