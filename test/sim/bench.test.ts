import test from 'ava';
import { lawNames } from '../../src/core/index.js';
import { overshootOf, peerGoals, piGoals, runBench, PEERS } from '../../src/sim/bench.js';
import type { BenchFigures, ScenarioResult } from '../../src/sim/bench.js';
import type { RunResult } from '../../src/sim/run.js';
import { getScenario } from '../../src/sim/scenarios.js';

test('when the benchmark runs, then static, every law the core knows, cheaper with our band and the oracle are in one table', (t) => {
  const lines: string[] = [];
  const [r] = runBench({ seed: 1, minutes: 1, scenarios: [getScenario('cpu-bound')!], progress: (l) => lines.push(l) });
  t.deepEqual(r?.contenders.map((f) => f.contender), ['static', ...lawNames(), 'cheaper (our band)', 'oracle']);
  t.true((r?.sweep.length ?? 0) > 0 && (r?.sweep.length ?? 0) < 29, 'the oracle searches the sizes 4..32');
  t.true(lines.some((l) => l.includes('oracle sweep')));
  const goals = piGoals(r ? [r] : []);
  t.deepEqual(goals.map((g) => g.scenario), ['cpu-bound', 'all']);
  t.deepEqual(peerGoals(r ? [r] : []).map((g) => g.scenario), ['cpu-bound']);
});

test('when cheaper runs with our band, then it is a different run from cheaper with its own', (t) => {
  const [r] = runBench({ seed: 1, minutes: 3, scenarios: [getScenario('mixed')!] });
  const own = r?.contenders.find((f) => f.contender === 'cheaper');
  const ours = r?.contenders.find((f) => f.contender === 'cheaper (our band)');
  t.truthy(own && ours);
  t.true((ours?.meanSize ?? 0) < (own?.meanSize ?? 0), 'a higher band keeps a smaller pool');
});

const run = (targets: number[], stepsMs: number[]): RunResult => ({
  scenario: 's',
  contender: 'c',
  seed: 1,
  durationMs: targets.length * 1000,
  band: { low: 0.6, high: 0.85 },
  completed: 0,
  refused: 0,
  started: 0,
  waits: [],
  latencies: [],
  cpuMs: 0,
  runDelayMs: 0,
  liveTotalMs: 0,
  sizeTotalMs: 0,
  queueTotalMs: 0,
  busyTotalMs: 0,
  ticks: targets.map((target, i) => ({ t: (i + 1) * 1000, size: target, target, utilization: 0.7, queueStall: 0, throughput: 1, reason: 'in-band' })),
  stepsMs,
});

test('when a pool overshoots after a step, then the overshoot is its peak over the settled size of the phase', (t) => {
  // Step at 0 s, next step at 8 s: peak 12, second half (5-8 s) settles at 10.
  t.true(Math.abs((overshootOf(run([8, 12, 11, 10, 10, 10, 10, 10, 4, 4], [0, 8000])) ?? 0) - 0.2) < 1e-9);
  t.is(overshootOf(run([8, 9, 10, 10, 10, 10], [0])), 0, 'a peak at the settled size is no overshoot');
  t.is(overshootOf(run([8, 9], [])), null, 'no steps: no overshoot');
});

function result(name: string, rows: Partial<BenchFigures>[]): ScenarioResult {
  const base: BenchFigures = {
    scenario: name, contender: '', throughputPerSecond: 100, completed: 1000, refused: 0, waitP50Ms: 0, waitP99Ms: 100, latencyP99Ms: 200, meanSize: 10, cpuSeconds: 0, runDelaySeconds: 0,
    threadSeconds: 1000, resizes: 10, reversals: 4, quickReversals: 0, inBandShare: 1, recoverySeconds: [], overshoot: null,
  };
  return { name, description: '', minutes: 1, n: 8, staticSize: 16, oracleSize: 10, sweep: [], contenders: rows.map((r) => ({ ...base, ...r })) };
}

test('when pi is judged against the peers, then every peer (cheaper with both bands) counts', (t) => {
  t.deepEqual([...PEERS], ['hpa', 'hill', 'cheaper', 'cheaper (our band)']);
  const peers = (over: Partial<BenchFigures>): Partial<BenchFigures>[] => PEERS.map((p) => ({ contender: p, ...(p === 'cheaper (our band)' ? over : {}) }));
  const io = (pi: Partial<BenchFigures>, ours: Partial<BenchFigures> = {}): boolean =>
    peerGoals([result('io-bound', [{ contender: 'pi', threadSeconds: 900, ...pi }, ...peers(ours)])])[0]?.met ?? false;
  t.true(io({}));
  t.false(io({}, { completed: 1001 }), 'one task fewer than cheaper with our band is a loss');
  t.false(io({ threadSeconds: 1000 }), 'as many thread-seconds as hill is not fewer');
  const bursty = (ours: Partial<BenchFigures>): boolean =>
    peerGoals([result('bursty', [{ contender: 'pi', resizes: 9, reversals: 3 }, ...peers(ours)])])[0]?.met ?? false;
  t.true(bursty({}));
  t.false(bursty({ reversals: 3 }));
  const step = (pi: (number | null)[], rival: (number | null)[]): boolean =>
    peerGoals([result('step', [{ contender: 'pi', recoverySeconds: pi, overshoot: 0 }, ...peers({}).map((p) => ({ ...p, recoverySeconds: rival, overshoot: 0 }))])])[0]?.met ?? false;
  t.true(step([16, 100], [17, null]), 'never back in band is later than any time');
  t.false(step([17, 100], [17, null]), 'a tie is not sooner');
  t.false(step([null, 1], [null, 2]), 'never is not sooner than never');
});
