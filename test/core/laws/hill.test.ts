import test from 'ava';
import {
  CPU_UTILIZATION_HIGH,
  GATE_ACTIVITIES_PERIOD_MS,
  HILL,
  HILL_SEED,
  hillLaw,
  nextInt,
} from '../../../src/core/laws/hill.js';
import type { HillState } from '../../../src/core/laws/hill.js';
import { getLaw, lawNames } from '../../../src/core/index.js';
import type { LawContext } from '../../../src/core/laws/law.js';
import { ctx } from './ctx.js';
import { DEFAULTS, drive, start } from '../helpers.js';
import type { Load } from '../helpers.js';

test('when hill is registered, then it keeps .NET\'s constants and none of our stages', (t) => {
  t.true(lawNames().includes('hill'));
  t.is(getLaw('hill').name, 'hill');
  t.like(HILL, {
    wavePeriod: 4,
    waveHistorySize: 8,
    targetSignalToNoiseRatio: 3,
    gainExponent: 2,
    maxChangePerSecond: 4,
    maxChangePerSample: 20,
    targetThroughputRatio: 0.15,
  });
  t.is(CPU_UTILIZATION_HIGH, 0.95);
  t.deepEqual(hillLaw.stages.map((stage) => stage.name), ['backoff', 'bounds']);
  t.is(hillLaw.maxStep(20, DEFAULTS), Number.POSITIVE_INFINITY);
});

/** A seeded uniform in [0, 1), so the throughput noise repeats run after run. */
function noise(seed: number): () => number {
  let state = seed;
  return () => {
    const r = nextInt(state, 0, 1_000_000);
    state = r.state;
    return r.value / 1_000_000;
  };
}

/** A pool whose completions per second are 40 f(size), f = size e^(-size/30) (peak at 30), with 2 % noise. */
function concave(seed: number): Load {
  const rnd = noise(seed);
  return { busy: (n) => 0.9 * n, idle: 0.9, rate: (n) => 40 * n * Math.exp(-n / 30) * (1 + 0.02 * (rnd() - 0.5)) };
}

for (const startSize of [8, 50]) {
  test(`when throughput is concave in the size, then hill climbs from ${startSize} to just below the peak`, (t) => {
    for (const seed of [1, 2, 3]) {
      const run = drive(start({ n: 16, params: { law: 'hill' } }), 0, 600_000, concave(seed), { startSize });
      const tail = run.sizes.slice(-120);
      const mean = tail.reduce((a, b) => a + b, 0) / tail.length;
      // .NET's bias (0.15) stops the climb where a worker adds 15 % less than the average:
      // d ln f / d ln n = 1 - n/30 = 0.15 at n = 25.5, below the peak at 30.
      t.true(mean > 23 && mean < 28, `seed ${seed}: mean size ${mean.toFixed(1)} over the last 2 min`);
      t.true(Math.max(...tail) - Math.min(...tail) <= 4, `seed ${seed}: the square wave stays small once settled`);
    }
  });
}

test('when hill runs, then the size carries a square wave of period 4 samples', (t) => {
  const run = drive(start({ n: 16, params: { law: 'hill' } }), 0, 300_000, concave(1), { startSize: 25 });
  const late = run.sizes.slice(-40);
  const diffs = late.slice(1).map((s, i) => s - (late[i] as number));
  // Every other pair of samples steps the wave up or down; the control setting moves slowly.
  const steps = diffs.filter((d) => d !== 0).length;
  t.true(steps >= 15, `${steps} changes in 40 samples`);
});

test('when the same seed runs twice, then hill decides the same sizes', (t) => {
  const a = drive(start({ n: 16, params: { law: 'hill', hillSeed: 7 } }), 0, 120_000, concave(4), { startSize: 8 });
  const b = drive(start({ n: 16, params: { law: 'hill', hillSeed: 7 } }), 0, 120_000, concave(4), { startSize: 8 });
  t.deepEqual(a.sizes, b.sizes);
});

function starving(dtMs: number, over: Partial<LawContext> = {}): LawContext {
  const base = ctx(16, 1, { dtMs, ...over });
  return { ...base, signals: { ...base.signals, throughput: 0, workerIdle: 0.9 }, samples: [{ ts: 0, size: 16, busy: 16, queueDepth: 5 }] };
}

test('when work waits and nothing completes for more than 500 ms, then hill adds exactly one worker', (t) => {
  t.is(GATE_ACTIVITIES_PERIOD_MS, 500);
  const s0 = hillLaw.init(16, DEFAULTS);
  const half = hillLaw.step(s0, starving(500));
  t.is(half.proposal.size, 16, 'at 500 ms: not yet');
  const over = hillLaw.step(half.state, starving(1));
  t.deepEqual(over.proposal, { size: 17, reason: 'law' });
  t.is(over.state.lastThreadCount, 17, 'the control setting follows (ForceChange)');
  // The new worker dequeues: the wait starts again.
  t.is(hillLaw.step(over.state, starving(400, { size: 17 })).proposal.size, 17);
});

test('when the queue is empty or something completes, then starvation adds nobody', (t) => {
  const s0: HillState = hillLaw.init(16, DEFAULTS);
  const waiting = starving(2000);
  const cases: [string, LawContext][] = [
    ['an empty queue', { ...waiting, samples: [{ ts: 0, size: 16, busy: 16, queueDepth: 0 }] }],
    ['no queue reported and no stall', { ...waiting, samples: [] }],
    ['completions', { ...waiting, signals: { ...waiting.signals, throughput: 50 } }],
  ];
  for (const [what, c] of cases) {
    const r = hillLaw.step(s0, c);
    t.is(r.state.noProgressMs, 0, what);
    t.is(r.proposal.size, 16, what);
  }
  t.is(hillLaw.step(s0, waiting).proposal.size, 17, 'the same tick with work waiting starves');
});

test('when the CPU is busy, then starvation waits one second per worker instead of 500 ms', (t) => {
  const s0 = hillLaw.init(16, DEFAULTS);
  const hot = (dtMs: number): LawContext => {
    const c = starving(dtMs);
    return { ...c, signals: { ...c.signals, workerIdle: 0 } };
  };
  t.is(hillLaw.step(s0, hot(16_000)).proposal.size, 16);
  t.is(hillLaw.step(s0, hot(16_001)).proposal.size, 17);
});

test('when drawn, then the sample interval is seeded and within .NET\'s 10-200 ms', (t) => {
  t.deepEqual(hillLaw.init(8, DEFAULTS), hillLaw.init(8, { ...DEFAULTS, hillSeed: HILL_SEED }));
  for (let seed = 0; seed < 200; seed += 1) {
    const ms = hillLaw.init(8, { ...DEFAULTS, hillSeed: seed }).currentSampleMs;
    t.true(Number.isInteger(ms) && ms >= 10 && ms <= 200, `${ms}`);
  }
});

for (const [dtMs, cap] of [[1000, 4], [250, 1], [10_000, 20]] as const) {
  test(`when throughput follows the size and samples are ${dtMs} ms, then no move exceeds ${cap} workers (4 a second, 20 a sample)`, (t) => {
    let state = hillLaw.init(10, DEFAULTS);
    let size = 10;
    const deltas: number[] = [];
    for (let i = 0; i < 60; i += 1) {
      const base = ctx(size, 0.9, { dtMs, n: 10_000, bounds: { min: 1, max: 100_000 } });
      const before = state.controlSetting;
      const r = hillLaw.step(state, { ...base, signals: { ...base.signals, throughput: 1000 * size, workerIdle: 0.9 } });
      if (i > 0) deltas.push(r.state.controlSetting - before);
      state = r.state;
      size = r.proposal.size;
    }
    t.true(Math.max(...deltas) <= cap + 1e-9, `largest move ${Math.max(...deltas)}`);
    t.true(Math.max(...deltas) > cap / 2, `it climbs: largest move ${Math.max(...deltas)}`);
    t.true(size > 10 + cap, `climbed to ${size}`);
  });
}
