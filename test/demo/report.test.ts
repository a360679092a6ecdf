import test from 'ava';
import type { Sample } from '../../src/core/index.js';
import { TransferSource } from '../../src/demo/report.js';
import type { DaemonCpu, ReportStyle } from '../../src/demo/report.js';

/** A pool whose samples are scripted: 4 workers, all in a task, 10 % of their time waiting for one. */
function source(report: ReportStyle, cpu: DaemonCpu, io: number[] = [0, 1000, 5000]) {
  const samples: Sample[] = [
    { ts: 1000, size: 4, busy: 4, idle: 0.1, completed: 1 },
    { ts: 1500, size: 4, busy: 4, idle: 0.1, completed: 2 },
    { ts: 2000, size: 4, busy: 4, idle: 0.5, completed: 3 },
  ];
  let size = 4;
  const pool = { sample: () => samples.shift() as Sample, resize: (n: number) => void (size = n), get size() { return size; }, stats: () => ({ refused: 7 }) };
  const tally = { cpuSeconds: 1.5, runDelaySeconds: 0.25 };
  const s = new TransferSource(pool, { report, cpu, takeIoMs: () => io.shift() ?? 0, tally, pid: 4242 });
  return { s, size: () => size };
}

test('when documented, then I/O time counts as idle (off-CPU), within [0, 1]; the first sample has no period to spread it over', (t) => {
  const { s, size } = source('documented', 'none');
  t.is(s.sample().idle, 0.1);
  t.is(s.sample().idle, 0.6, '1000 ms blocked of 4 x 500 ms');
  t.is(s.sample().idle, 1);
  s.resize(100);
  t.is(size(), 32, 'never more than 32 threads');
});

test('when no-idle, then the sample has no idle at all, and busy counts blocked workers', (t) => {
  const { s } = source('no-idle', 'none');
  const a = s.sample();
  const b = s.sample();
  t.false('idle' in a);
  t.false('idle' in b);
  t.is(b.busy, 4);
});

test('when busy-idle, then idle is the share of worker time not in a task, whatever the I/O', (t) => {
  const { s } = source('busy-idle', 'none');
  t.is(s.sample().idle, 0.1);
  t.is(s.sample().idle, 0.1, 'the 1000 ms blocked are busy time');
});

test('when the CPU figure is pid, then every sample carries the pid and no counters; when sample, the counters and no pid; when none, neither', (t) => {
  const pid = source('no-idle', 'pid').s.sample();
  t.is(pid.pid, 4242);
  t.false('cpuSeconds' in pid);
  const own = source('no-idle', 'sample').s.sample();
  t.is(own.cpuSeconds, 1.5);
  t.is(own.runDelaySeconds, 0.25);
  t.false('pid' in own);
  const none = source('documented', 'none').s.sample();
  t.false('pid' in none || 'cpuSeconds' in none || 'runDelaySeconds' in none);
});

test('when the queue refused transfers, then every style reports the count', (t) => {
  for (const report of ['documented', 'no-idle', 'busy-idle'] as const) t.is(source(report, 'none').s.sample().refused, 7);
});
