// The real-plant benchmark's report: goals judged from the figures, and its section of
// docs/benchmarks.md replaced without touching the rest of the file.
import test from 'ava';
import { PLANT_END, PLANT_START, plantGoals, spliceSection } from '../../bench/plant-report.js';
import type { RunResult } from '../../bench/plant-run.js';

function result(workload: RunResult['workload'], contender: string, throughput: number, meanThreads: number, cpu: RunResult['cpu'] = 'process'): RunResult {
  return { contender, workload, cpu, throughput, p50Ms: 1, p99Ms: 2, meanThreads, meanSize: meanThreads, offered: 0, completed: 0, refused: 0, resizes: 0, sizeAtEnd: 0, ownCores: 1, daemonCores: 1, otherCores: 0, reasons: {}, stateAtEnd: null };
}

test('when the file has no section, then the markers are appended at the end and the rest is kept byte for byte', (t) => {
  const doc = '# Benchmarks\n\n<!-- notes: kept by bench/control.ts -->\nnotes\n';
  const out = spliceSection(doc, `${PLANT_START}\nA\n${PLANT_END}`);
  t.true(out.startsWith(doc));
  t.true(out.endsWith(`${PLANT_START}\nA\n${PLANT_END}\n`));
});

test('when the file has a section, then only the text between the markers changes', (t) => {
  const before = 'head\n';
  const after = '\ntail\n';
  const doc = `${before}${PLANT_START}\nold\n${PLANT_END}${after}`;
  t.is(spliceSection(doc, `${PLANT_START}\nnew\n${PLANT_END}`), `${before}${PLANT_START}\nnew\n${PLANT_END}${after}`);
});

test('when pi serves 1.5x static on I/O and matches it on CPU with 0.75x the threads, then both goals are met; a hair less, then not', (t) => {
  const met = plantGoals([
    result('io-heavy', 'static', 100, 4),
    result('io-heavy', 'pi', 150, 8),
    result('cpu-heavy', 'static', 100, 4),
    result('cpu-heavy', 'pi', 100, 3),
  ]);
  t.deepEqual(met.map((g) => g.met), [true, true]);
  const missed = plantGoals([
    result('io-heavy', 'static', 100, 4),
    result('io-heavy', 'pi', 149.9, 8),
    result('cpu-heavy', 'static', 100, 4),
    result('cpu-heavy', 'pi', 99.9, 2),
  ]);
  t.deepEqual(missed.map((g) => g.met), [false, false]);
  t.regex(missed[0]?.detail ?? '', /1\.50x|1\.49x/);
});

test('when there are several pi styles, then each is judged on both workloads against static; static and band are not judged; one without a CPU source says so', (t) => {
  const goals = plantGoals([
    result('io-heavy', 'static', 100, 4, 'none'),
    result('io-heavy', 'band', 200, 8, 'none'),
    result('io-heavy', 'pi documented', 160, 8, 'none'),
    result('io-heavy', 'pi busy-idle+pid', 120, 3, 'pid'),
    result('cpu-heavy', 'static', 100, 4, 'none'),
    result('cpu-heavy', 'band', 100, 8, 'none'),
    result('cpu-heavy', 'pi documented', 100, 4, 'none'),
    result('cpu-heavy', 'pi busy-idle+pid', 101, 2.5, 'pid'),
  ]);
  t.deepEqual(goals.map((g) => [g.workload, g.contender, g.met]), [
    ['io-heavy', 'pi documented', true],
    ['io-heavy', 'pi busy-idle+pid', false],
    ['cpu-heavy', 'pi documented', false],
    ['cpu-heavy', 'pi busy-idle+pid', true],
  ]);
  t.regex(goals[0]?.goal ?? '', /no CPU source/);
  t.notRegex(goals[1]?.goal ?? '', /no CPU source/);
});
