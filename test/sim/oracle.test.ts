import test from 'ava';
import { atLeastAsGood, sweepOracle, ORACLE_TIE } from '../../src/sim/oracle.js';
import { getScenario } from '../../src/sim/scenarios.js';

test('when the oracle sweeps every size, then it is at least as good as each size it swept', (t) => {
  const oracle = sweepOracle(getScenario('cpu-bound')!, { seed: 3, minutes: 1 }, undefined, 1);
  t.is(oracle.sweep.length, 32 - 4 + 1, 'every size in the bounds 4..32');
  const best = Math.max(...oracle.sweep.map((p) => p.figures.throughputPerSecond));
  t.true(oracle.figures.throughputPerSecond >= (1 - ORACLE_TIE) * best);
  for (const p of oracle.sweep) t.true(atLeastAsGood(oracle.figures, p.figures, best), `size ${p.size}`);
  t.is(oracle.figures.contender, 'oracle');
  t.is(oracle.size, 8, 'all-CPU work is best served by one thread per core');
});

test('when the oracle searches instead of running every size, then it picks what the full sweep picks, with fewer runs', (t) => {
  for (const [name, seed] of [['cpu-bound', 3], ['io-bound', 1], ['disk-bound', 2]] as const) {
    const scenario = getScenario(name)!;
    const full = sweepOracle(scenario, { seed, minutes: 2 }, undefined, 1);
    const search = sweepOracle(scenario, { seed, minutes: 2 });
    t.is(search.size, full.size, name);
    t.true(search.sweep.length < full.sweep.length, `${name}: ${search.sweep.length} runs`);
  }
});
