import test from 'ava';
import { classify, computeSignals, initSignalState } from '../../src/core/signals.js';
import type { Classification, Sample } from '../../src/core/types.js';

const s = (ts: number, over: Partial<Sample> = {}): Sample => ({ ts, size: 10, busy: 5, ...over });

test('when samples arrive, then utilization is busy over size across the period', (t) => {
  const before = computeSignals(initSignalState(), [s(0)], { idleEwmaSeconds: 30, n: 8 }).state;
  const { signals } = computeSignals(before, [s(1000, { size: 10, busy: 9 }), s(2000, { size: 30, busy: 15 })], { idleEwmaSeconds: 30, n: 8 });
  t.is(signals.utilization, 24 / 40);
  t.is(signals.busy, 12);
  t.is(signals.size, 30);
  t.true(signals.fresh);
});

test('when samples cover unequal spans, then each weighs the time since the one before', (t) => {
  const before = computeSignals(initSignalState(), [s(0)], { idleEwmaSeconds: 30, n: 8 }).state;
  // 900 ms at 2 of 10 busy, then 100 ms at 10 of 10: 2.8 busy over the second.
  const { signals } = computeSignals(before, [s(900, { busy: 2 }), s(1000, { busy: 10 })], { idleEwmaSeconds: 30, n: 8 });
  t.true(Math.abs((signals.utilization ?? 0) - 0.28) < 1e-12);
  t.true(Math.abs((signals.busy ?? 0) - 2.8) < 1e-12);
  // A batch of one instant (posted without ts: each takes the arrival time) shares its span.
  const batch = computeSignals(before, [s(1000, { busy: 2 }), s(1000, { busy: 4 }), s(1000, { busy: 9 })], { idleEwmaSeconds: 30, n: 8 });
  t.is(batch.signals.utilization, 0.5);
  t.is(batch.signals.busy, 5);
});

test('when a pool\'s first reading comes in the same tick as a period\'s, then it covers no time', (t) => {
  // A source that reads at attach (nothing busy yet) and again before the tick, when load has come: the
  // tick's utilization is the period's, not halved by the instant at attach; the counters still take the
  // first reading as their base.
  const { signals } = computeSignals(initSignalState(), [s(0, { busy: 0, completed: 0 }), s(900, { busy: 8, completed: 90 })], { idleEwmaSeconds: 30, n: 8 });
  t.is(signals.utilization, 0.8);
  t.is(signals.busy, 8);
  t.is(signals.throughput, 100);
  t.true(Math.abs((signals.busyPerTask ?? 0) - 0.08) < 1e-12);
  // Samples that cover no time at all (the same instant) weigh alike.
  t.is(computeSignals(initSignalState(), [s(5, { busy: 2 }), s(5, { busy: 4 })], { idleEwmaSeconds: 30, n: 8 }).signals.utilization, 0.3);
});

test('when no sample arrives, then utilization is null and the period is not fresh', (t) => {
  const { signals, state } = computeSignals(initSignalState(), [], { idleEwmaSeconds: 30, n: 8 });
  t.is(signals.utilization, null);
  t.false(signals.fresh);
  t.is(state.freshTicks, 0);
});

test('when queueStall is reported, then it is averaged; without it, the share of full-queue samples stands in', (t) => {
  t.is(computeSignals(initSignalState(), [s(1, { queueStall: 0.2 }), s(2, { queueStall: 0.6 })], { idleEwmaSeconds: 30, n: 8 }).signals.queueStall, 0.4);
  const full = computeSignals(initSignalState(), [s(1, { queueDepth: 64, queueCapacity: 64 }), s(2, { queueDepth: 3, queueCapacity: 64 })], { idleEwmaSeconds: 30, n: 8 });
  t.is(full.signals.queueStall, 0.5);
  t.is(computeSignals(initSignalState(), [s(1)], { idleEwmaSeconds: 30, n: 8 }).signals.queueStall, null);
});

test('when the idle EWMA updates, then its weight comes from the real time between samples', (t) => {
  const first = computeSignals(initSignalState(), [s(0, { idle: 0 })], { idleEwmaSeconds: 30, n: 8 });
  t.is(first.signals.workerIdle, 0);
  // One time constant later, the average has moved 1 - 1/e of the way.
  const late = computeSignals(first.state, [s(30_000, { idle: 1 })], { idleEwmaSeconds: 30, n: 8 });
  t.true(Math.abs((late.signals.workerIdle ?? 0) - (1 - Math.exp(-1))) < 1e-12);
  // One second later, it has moved only 1 - e^(-1/30) of the way.
  const soon = computeSignals(first.state, [s(1000, { idle: 1 })], { idleEwmaSeconds: 30, n: 8 });
  t.true(Math.abs((soon.signals.workerIdle ?? 0) - (1 - Math.exp(-1 / 30))) < 1e-12);
});

test('when a sample has no idle share, then the share of workers not busy stands in', (t) => {
  t.true(Math.abs((computeSignals(initSignalState(), [s(0, { size: 10, busy: 8 })], { idleEwmaSeconds: 30, n: 8 }).signals.workerIdle ?? 0) - 0.2) < 1e-12);
});

test('when the completed counter rises, then throughput is completions per second', (t) => {
  const a = computeSignals(initSignalState(), [s(0, { completed: 100 })], { idleEwmaSeconds: 30, n: 8 });
  t.is(a.signals.throughput, null, 'one reading has no rate');
  const b = computeSignals(a.state, [s(2000, { completed: 200 })], { idleEwmaSeconds: 30, n: 8 });
  t.is(b.signals.throughput, 50);
});

test('when the completed counter decreases, then it is a restart: no throughput this tick, then rates from the new base', (t) => {
  const a = computeSignals(initSignalState(), [s(0, { completed: 5000 })], { idleEwmaSeconds: 30, n: 8 });
  const b = computeSignals(a.state, [s(1000, { completed: 10 })], { idleEwmaSeconds: 30, n: 8 });
  t.is(b.signals.throughput, null);
  const c = computeSignals(b.state, [s(2000, { completed: 110 })], { idleEwmaSeconds: 30, n: 8 });
  t.is(c.signals.throughput, 100);
});

test('when samples come out of order, then they are read in time order', (t) => {
  const a = computeSignals(initSignalState(), [s(0, { completed: 0 })], { idleEwmaSeconds: 30, n: 8 });
  const b = computeSignals(a.state, [s(2000, { completed: 40, size: 12 }), s(1000, { completed: 20, size: 11 })], { idleEwmaSeconds: 30, n: 8 });
  t.is(b.signals.throughput, 20);
  t.is(b.signals.size, 12);
});

const classes: [number | null, number | null, number, Classification][] = [
  [0.2, 0.2, 3, 'cpu-bound'],
  [0.9, 0.0, 5, 'cpu-bound'],
  [0.19, 0.2, 3, 'balanced'],
  [0.2, 0.21, 3, 'balanced'],
  [0.0, 0.5, 3, 'io-bound'],
  [0.19, 0.9, 3, 'io-bound'],
  [0.0, 0.49, 3, 'balanced'],
  [0.5, 0.0, 2, 'unknown'],
  [null, 0.5, 9, 'unknown'],
  [0.5, null, 9, 'unknown'],
];
for (const [stall, idle, ticks, expected] of classes) {
  test(`when stall is ${stall}, idle ${idle} after ${ticks} ticks, then the pool is ${expected}`, (t) => {
    t.is(classify(stall, idle, ticks), expected);
  });
}

test('when samples carry no idle share, then idle is derived for display but the pool is not classified', (t) => {
  let state = initSignalState();
  let last = computeSignals(state, [s(0, { size: 10, busy: 10, queueStall: 0.9 })], { idleEwmaSeconds: 30, n: 8 });
  for (let i = 1; i <= 5; i++) {
    state = last.state;
    last = computeSignals(state, [s(i * 1000, { size: 10, busy: 10, queueStall: 0.9 })], { idleEwmaSeconds: 30, n: 8 });
  }
  t.is(last.signals.workerIdle, 0);
  t.false(last.signals.idleReported);
  t.is(last.signals.classification, 'unknown');
  const reported = computeSignals(last.state, [s(9000, { size: 10, busy: 10, queueStall: 0.9, idle: 0.05 })], { idleEwmaSeconds: 30, n: 8 });
  t.true(reported.signals.idleReported);
  t.is(reported.signals.classification, 'cpu-bound');
});

test('when idle says nothing beyond busy/size (idle = 1 - busy/size), then it does not classify the pool', (t) => {
  let state = initSignalState();
  let last = computeSignals(state, [s(0, { size: 10, busy: 10, queueStall: 0.9, idle: 0 })], { idleEwmaSeconds: 30, n: 8 });
  for (let i = 1; i <= 5; i++) {
    state = last.state;
    last = computeSignals(state, [s(i * 1000, { size: 10, busy: i % 2 === 0 ? 10 : 8, queueStall: 0.9, idle: i % 2 === 0 ? 0 : 0.2 })], { idleEwmaSeconds: 30, n: 8 });
  }
  t.true(last.signals.idleReported);
  t.false(last.signals.idleInformative);
  t.is(last.signals.classification, 'unknown');
  // a daemon whose idle counts blocked time (idle well over 1 - busy/size) is believed
  const io = computeSignals(initSignalState(), [s(0, { size: 10, busy: 10, idle: 0.7 })], { idleEwmaSeconds: 30, n: 8 });
  t.true(io.signals.idleInformative);
});

test('when the daemon reports its queue depth, then the queue\'s growth per second is a signal; demand stays completions plus refusals', (t) => {
  const o = { idleEwmaSeconds: 30, n: 8 };
  const a = computeSignals(initSignalState(), [s(0, { completed: 0, queueDepth: 10 })], o);
  t.is(a.signals.queueGrowth, null, 'one depth has no growth');
  const grew = computeSignals(a.state, [s(1000, { completed: 50, queueDepth: 40 })], o);
  t.is(grew.signals.queueGrowth, 30);
  t.is(grew.signals.demand, null, 'no refusals reported: demand unknown');
  const drained = computeSignals(grew.state, [s(3000, { completed: 120, queueDepth: 0 })], o);
  t.is(drained.signals.queueGrowth, -20);
  const b = computeSignals(initSignalState(), [s(0, { completed: 0, refused: 0 })], o);
  const c = computeSignals(b.state, [s(2000, { completed: 100, refused: 20 })], o);
  t.is(c.signals.demand, 60);
  t.is(c.signals.queueGrowth, null);
  // Two depths in the pool's first tick (a source read at start and again before the tick).
  const first = computeSignals(initSignalState(), [s(0, { queueDepth: 0 }), s(500, { queueDepth: 30 })], o);
  t.is(first.signals.queueGrowth, 60, 'the first tick grows from its oldest depth');
  const next = computeSignals(first.state, [s(1500, { queueDepth: 40 })], o);
  t.is(next.signals.queueGrowth, 10, 'and the next from the newest');
});

test('when samples report their queue, then the newest depth and capacity are kept for display until another sample reports one', (t) => {
  const o = { idleEwmaSeconds: 30, n: 8 };
  const none = computeSignals(initSignalState(), [s(0, {})], o);
  t.is(none.state.lastQueue, null);
  const a = computeSignals(none.state, [s(1000, { queueDepth: 12, queueCapacity: 100 }), s(1500, { queueDepth: 30, queueCapacity: 100 })], o);
  t.deepEqual(a.state.lastQueue, { depth: 30, capacity: 100 });
  const silent = computeSignals(a.state, [s(2500, {})], o);
  t.deepEqual(silent.state.lastQueue, { depth: 30, capacity: 100 }, 'a sample without a depth keeps the last one');
  const uncapped = computeSignals(silent.state, [s(3500, { queueDepth: 0 })], o);
  t.deepEqual(uncapped.state.lastQueue, { depth: 0, capacity: null });
});
