import test from 'ava';
import { figuresOf, movesOf, recoveryAfter } from '../../src/sim/figures.js';
import type { RunResult, TickRow } from '../../src/sim/run.js';

const band = { low: 0.6, high: 0.85 };
const row = (s: number, target: number, u: number | null = 0.7): TickRow => ({
  t: s * 1000, size: target, target, utilization: u, queueStall: 0, throughput: null, offered: 100, reason: 'in-band',
});

test('when the target goes up, down within 30 s, then up after 40 s, then there are 2 reversals, 1 of them quick', (t) => {
  const ticks = [row(1, 10), row(2, 11), row(20, 10), row(60, 11), row(61, 12)];
  t.deepEqual(movesOf(ticks).map((m) => m.dir), [1, -1, 1, 1]);
  const run: RunResult = {
    scenario: 's', contender: 'c', seed: 1, durationMs: 100_000, band, completed: 1000, refused: 3, started: 1000,
    waits: [0, 0, 10, 100],
    latencies: [],
    cpuMs: 0,
    runDelayMs: 0, liveTotalMs: 1_000_000, sizeTotalMs: 1_000_000, queueTotalMs: 0, busyTotalMs: 0, ticks, stepsMs: [],
  };
  const f = figuresOf(run);
  t.is(f.resizes, 4);
  t.is(f.reversals, 2);
  t.is(f.quickReversals, 1);
  t.is(f.throughputPerSecond, 10);
  t.is(f.meanSize, 10);
  t.is(f.threadSeconds, 1000);
});

test('when utilization comes back into the band after a step, then recovery is the first of three in-band ticks', (t) => {
  const ticks = [row(9, 10), row(10, 10, 1), row(11, 12, 1), row(12, 14, 0.8), row(13, 14, 0.9), row(14, 15, 0.8), row(15, 15, 0.8), row(16, 15, 0.8)];
  t.is(recoveryAfter(ticks, 9500, band), 4.5);
  t.is(recoveryAfter(ticks.slice(0, 5), 9500, band), null, 'never settled');
});
