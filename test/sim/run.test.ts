import test from 'ava';
import { figuresOf } from '../../src/sim/figures.js';
import { runScenario } from '../../src/sim/run.js';
import { mulberry32 } from '../../src/sim/random.js';
import { forCpus, getScenario } from '../../src/sim/scenarios.js';

const io = getScenario('io-bound')!;

test('when a run is repeated with the same seed, then every figure is the same; another seed differs', (t) => {
  const a = figuresOf(runScenario(io, { kind: 'law', law: 'pi' }, { seed: 5, minutes: 3 }));
  const b = figuresOf(runScenario(io, { kind: 'law', law: 'pi' }, { seed: 5, minutes: 3 }));
  const c = figuresOf(runScenario(io, { kind: 'law', law: 'pi' }, { seed: 6, minutes: 3 }));
  t.deepEqual(a, b);
  t.not(a.completed, c.completed);
});

test('when the pool is static, then it never resizes and its mean size is its size', (t) => {
  const run = runScenario(io, { kind: 'static', size: 16 }, { seed: 1, minutes: 3 });
  const f = figuresOf(run);
  t.is(f.resizes, 0);
  t.is(f.meanSize, 16);
  t.true(run.ticks.every((r) => r.target === 16 && r.size === 16 && r.reason === 'pinned'));
  t.is(run.ticks.length, 180, 'one tick a second of virtual time');
});

test('when a law runs, then the pool starts at the static size and obeys the controller\'s target', (t) => {
  const run = runScenario(io, { kind: 'law', law: 'band' }, { seed: 1, minutes: 3 });
  t.is(run.ticks[0]?.size, 16);
  for (let i = 1; i < run.ticks.length; i += 1) t.is(run.ticks[i]?.size, run.ticks[i - 1]?.target);
});

test('when a run with a reporting style, a CPU source and a device is repeated with the same seed, then every figure is the same', (t) => {
  const disk = getScenario('disk-bound')!;
  const options = { seed: 2, minutes: 2, style: { report: 'no-idle', cpu: 'process' }, deviceSlots: 3 } as const;
  const a = figuresOf(runScenario(disk, { kind: 'law', law: 'pi' }, options));
  const b = figuresOf(runScenario(disk, { kind: 'law', law: 'pi' }, options));
  t.deepEqual(a, b);
  t.true(a.latencyP99Ms > a.waitP99Ms);
});

test('when a scenario runs on another host, then its arrival rates scale with n, except a disk-bound one', (t) => {
  const two = runScenario(forCpus(io, 2), { kind: 'static', size: 32 }, { seed: 1, minutes: 2 });
  const eight = runScenario(io, { kind: 'static', size: 32 }, { seed: 1, minutes: 2 });
  t.true(Math.abs(two.completed / eight.completed - 0.25) < 0.03, `${two.completed} vs ${eight.completed}`);
  const disk = getScenario('disk-bound')!;
  t.is(forCpus(disk, 32).segments(60_000, mulberry32(1))[0]?.ratePerSecond, 150);
  t.is(forCpus(disk, 32).n, 32);
});
