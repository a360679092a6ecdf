import test from 'ava';
import { cpuCapacity, demoLoads, ioCapacityAtMax, parsePhases, phaseAt, rateAt, roundsFor } from '../../src/demo/phases.js';

const ALL = ['io', 'cpu', 'burst', 'quiet'] as const;

test('when time passes, then the phases follow each other and loop, each phaseMs long', (t) => {
  const table: [number, string, number, number][] = [
    // elapsed ms, phase, cycle, ms into the phase
    [0, 'io', 0, 0],
    [19_999, 'io', 0, 19_999],
    [20_000, 'cpu', 0, 0],
    [45_000, 'burst', 0, 5000],
    [79_999, 'quiet', 0, 19_999],
    [80_000, 'io', 1, 0],
    [210_000, 'burst', 2, 10_000],
  ];
  for (const [ms, name, cycle, into] of table) {
    const p = phaseAt(ms, ALL, 20_000);
    t.deepEqual([p.name, p.cycle, p.msIntoPhase], [name, cycle, into], `at ${ms} ms`);
  }
});

test('when the schedule is one phase, then it stays in it; a negative time is the start', (t) => {
  t.is(phaseAt(1e9, ['io'], 1000).name, 'io');
  t.deepEqual(phaseAt(-5, ALL, 1000), { name: 'io', index: 0, cycle: 0, msIntoPhase: 0 });
  t.throws(() => phaseAt(0, [], 1000), { instanceOf: RangeError });
  t.throws(() => phaseAt(0, ALL, 0), { instanceOf: RangeError });
});

test('when in a burst phase, then the burst rate holds for forMs at the start of every everyMs, and the base rate between', (t) => {
  const burst = demoLoads({ n: 2, msPerRound: 0.04 }).burst;
  const b = burst.burst;
  if (b === null) return t.fail('the burst phase has bursts');
  t.is(rateAt(burst, 0), b.ratePerSecond);
  t.is(rateAt(burst, b.forMs - 1), b.ratePerSecond);
  t.is(rateAt(burst, b.forMs), burst.ratePerSecond);
  t.is(rateAt(burst, b.everyMs + 1), b.ratePerSecond);
  t.true(b.ratePerSecond > burst.ratePerSecond);
});

test('when n doubles, then every phase offers twice the transfers; the task shapes stay', (t) => {
  const two = demoLoads({ n: 2, msPerRound: 0.04 });
  const four = demoLoads({ n: 4, msPerRound: 0.04 });
  for (const name of ALL) {
    t.is(four[name].ratePerSecond, 2 * two[name].ratePerSecond, name);
    t.deepEqual(four[name].task, two[name].task, name);
  }
});

test('when sized for 2 CPUs, then io asks more than the static 4 threads serve and less than the 8 at the bound; cpu asks 1.5x the cores', (t) => {
  const loads = demoLoads({ n: 2, msPerRound: 0.04 });
  const staticCapacity = ioCapacityAtMax(2) / 2;
  t.true(loads.io.ratePerSecond > staticCapacity);
  t.true(loads.io.ratePerSecond < 0.85 * ioCapacityAtMax(2));
  t.is(loads.cpu.ratePerSecond, 1.5 * cpuCapacity(2));
  t.true(loads.quiet.ratePerSecond < 0.1 * ioCapacityAtMax(2));
  t.is(loads.cpu.task.ioMs, 0);
  t.true(loads.io.task.ioMs > 0);
});

test('when the machine hashes faster, then a task takes more rounds for the same CPU time', (t) => {
  t.is(roundsFor(20, 0.04), 500);
  t.is(roundsFor(20, 0.02), 1000);
  t.is(roundsFor(0.001, 1), 1, 'at least one round');
});

test('when phases are given as a list, then known names are kept in order and anything else is refused', (t) => {
  t.deepEqual(parsePhases('io'), ['io']);
  t.deepEqual(parsePhases('quiet, io,io'), ['quiet', 'io', 'io']);
  t.is(parsePhases('io,disk'), null);
  t.is(parsePhases(''), null);
});
