import test from 'ava';
import { lawNames } from '../../src/core/index.js';
import { piGoals, runBench } from '../../src/sim/bench.js';
import { getScenario } from '../../src/sim/scenarios.js';

test('when the benchmark runs, then static, every law the core knows and the oracle are in one table', (t) => {
  const lines: string[] = [];
  const [r] = runBench({ seed: 1, minutes: 1, scenarios: [getScenario('cpu-bound')!], progress: (l) => lines.push(l) });
  t.deepEqual(r?.contenders.map((f) => f.contender), ['static', ...lawNames(), 'oracle']);
  t.is(r?.sweep.length, 29);
  t.true(lines.some((l) => l.includes('oracle sweep')));
  const goals = piGoals(r ? [r] : []);
  t.deepEqual(goals.map((g) => g.scenario), ['cpu-bound', 'all']);
});
