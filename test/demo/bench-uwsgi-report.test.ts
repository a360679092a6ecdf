// bench:uwsgi's report: each contender's runs reduced to the median of each figure, and the
// goals judged on those medians.
import test from 'ava';
import { aggregate, markdownSection, textTable, uwsgiGoals, UWSGI_END, UWSGI_START } from '../../bench/uwsgi-report.js';
import type { RunResult } from '../../bench/uwsgi-run.js';

function run(workload: RunResult['workload'], contender: string, over: Partial<RunResult>): RunResult {
  return {
    workload, contender, seconds: 40, offered: 150, throughput: 150, failed: 0, failedRatio: 0, failures: {}, p50Ms: 50, p99Ms: 500,
    meanWorkers: 8, meanTarget: NaN, workerSeconds: 320, resizes: 2, uwsgiCpuSeconds: 30, benchCpuSeconds: 1, hostCores: 1, load1: 1, loadNice: -10, ...over,
  };
}

test('when a contender ran three times, then each figure is the median of its runs and served/s keeps its range', (t) => {
  const [pi, ...rest] = aggregate([
    run('io-heavy', 'pi', { throughput: 150, p99Ms: 900, failures: { timeout: 3 } }),
    run('io-heavy', 'busyness', { throughput: 140 }),
    run('io-heavy', 'pi', { throughput: 120, p99Ms: 6000, failures: { timeout: 900, error: 2 } }),
    run('io-heavy', 'pi', { throughput: 149, p99Ms: 1200 }),
  ]);
  t.like(pi, { contender: 'pi', runs: 3, throughput: 149, throughputMin: 120, throughputMax: 150, p99Ms: 1200, failures: { timeout: 3, error: 0 } });
  t.like(rest[0], { contender: 'busyness', runs: 1, throughput: 140 });
  t.is(rest.length, 1);
});

test('when one run of a contender is an outlier, then the goal is judged on the medians, not on that run', (t) => {
  const runs = [
    ...[151, 150, 110].map((x) => run('io-heavy', 'pi', { throughput: x, p99Ms: x < 120 ? 6000 : 900, workerSeconds: 310 })),
    ...[150, 149, 151].map((x) => run('io-heavy', 'busyness', { throughput: x, p99Ms: 1000, workerSeconds: 315 })),
  ];
  const [goal] = uwsgiGoals(aggregate(runs), ['pi']);
  t.like(goal, { workload: 'io-heavy', contender: 'pi', met: true });
  const [missed] = uwsgiGoals(aggregate(runs.map((r) => (r.contender === 'pi' ? { ...r, workerSeconds: 320 } : r))), ['pi']);
  t.false(missed?.met, 'more worker-seconds than the best algorithm');
});

test('when the section is written, then it says how many runs each figure is the median of, and shows served/s\'s range', (t) => {
  const medians = aggregate([120, 150, 149].map((x) => run('io-heavy', 'pi', { throughput: x })));
  const meta = { command: 'npm run bench:uwsgi', date: '2026-12-02 04:00 UTC', machine: 'test', n: 2, seconds: 40, runs: 3, seed: 1, msPerMiB: 1, timeoutMs: 5000 };
  const section = markdownSection(medians, uwsgiGoals(medians, ['pi']), [], meta);
  t.true(section.startsWith(UWSGI_START) && section.endsWith(UWSGI_END));
  t.regex(section, /Each contender ran 3 times/);
  t.regex(section, /\| io-heavy \| pi \| 3 \| 150\.0 \| 149\.0 \| 120\.0-150\.0 \|/);
  t.regex(textTable(medians), /120\.0-150\.0/);
  t.regex(section, /The load generator's main thread, where the requests are made, ran at nice -10, ahead of uWSGI's workers/);
});

test('when the load generator\'s priority could not be raised in a run, then the section says in how many and what it costs', (t) => {
  const medians = aggregate([run('io-heavy', 'pi', {}), run('io-heavy', 'pi', { loadNice: null }), run('io-heavy', 'busyness', {})]);
  t.is(medians[0]?.loadNice, null, 'one run without the raise makes the contender\'s runs unraised');
  t.is(medians[1]?.loadNice, -10);
  const meta = { command: 'npm run bench:uwsgi', date: '2026-12-02 04:00 UTC', machine: 'test', n: 2, seconds: 40, runs: 2, seed: 1, msPerMiB: 1, timeoutMs: 5000 };
  const section = markdownSection(medians, [], [], meta);
  t.regex(section, /kept the bench's own priority in 1 of the 2 rows below/);
  t.notRegex(section, /ran at nice -10/);
});

test('when two algorithms serve the whole load, then the best of them on io-heavy is the one with the lower p99, not the one listed first', (t) => {
  const runs = [
    run('io-heavy', 'busyness', { throughput: 150, p99Ms: 1700, workerSeconds: 468 }),
    run('io-heavy', 'backlog', { throughput: 150, p99Ms: 800, workerSeconds: 451 }),
    run('io-heavy', 'pi', { throughput: 150, p99Ms: 990, workerSeconds: 460 }),
  ];
  const [goal] = uwsgiGoals(aggregate(runs), ['pi']);
  t.false(goal?.met);
  t.regex(goal?.detail ?? '', /best backlog 150\.0\/s, p99 800 ms/);
  const [served] = uwsgiGoals(aggregate(runs.map((r) => (r.contender === 'backlog' ? { ...r, throughput: 140 } : r))), ['pi']);
  t.regex(served?.detail ?? '', /best busyness/, 'serving more comes first');
  t.true(served?.met);
});

test('when the sidecar asked for a size uWSGI did not apply, then the table shows its mean target beside the live workers', (t) => {
  const medians = aggregate([run('cpu-heavy', 'pi', { meanWorkers: 4, meanTarget: 2.1 }), run('cpu-heavy', 'static', { meanWorkers: 4 })]);
  const table = textTable(medians).split('\n');
  t.regex(table[0] ?? '', /mean workers +mean target/);
  t.regex(table[1] ?? '', /4\.00 +2\.10/);
  t.regex(table[2] ?? '', /4\.00 +- /, 'uWSGI\'s own algorithms have no target');
});
