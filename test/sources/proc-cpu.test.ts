import test from 'ava';
import { createCpuReader, resolvePid } from '../../src/sources/proc-cpu.js';
import { fakeFiles, setThread } from './fake-files.js';

const S = 1e9; // ns per second

function setup() {
  const files = fakeFiles();
  let nowMs = 1_000;
  const reader = createCpuReader({ files, now: () => nowMs });
  return { files, reader, advance: (ms: number) => void (nowMs += ms) };
}

test('when threads have schedstat, then the reading sums their CPU and run delay in seconds, stamped by the clock', (t) => {
  const { files, reader } = setup();
  setThread(files, 100, 100, { schedstat: [2 * S, 0.5 * S] });
  setThread(files, 100, 101, { schedstat: [1.25 * S, 0.25 * S] });
  t.deepEqual(reader.read([100], null), { ts: 1_000, cpuSeconds: 3.25, runDelaySeconds: 0.75, threads: 2 });
});

test('when a threads pattern is given, then only the threads whose comm matches it are read', (t) => {
  const { files, reader } = setup();
  setThread(files, 100, 100, { comm: 'main', schedstat: [5 * S, 0] });
  setThread(files, 100, 101, { comm: 'worker-0', schedstat: [1 * S, 0.1 * S] });
  setThread(files, 100, 102, { comm: 'worker-1', schedstat: [2 * S, 0.2 * S] });
  setThread(files, 100, 103, { comm: 'gc', schedstat: [4 * S, 0] });
  const reading = reader.read([100], /^worker-\d+$/);
  t.is(reading?.threads, 2);
  t.is(reading?.cpuSeconds, 3);
  t.true(files.reads.every((path) => !path.endsWith('/100/task/100/schedstat')), 'a thread that does not match is not read');
});

test('when the pattern is global, then reading twice still finds every matching thread', (t) => {
  const { files, reader } = setup();
  setThread(files, 100, 101, { comm: 'worker-0', schedstat: [1 * S, 0] });
  setThread(files, 100, 102, { comm: 'worker-1', schedstat: [1 * S, 0] });
  const pattern = /worker/g;
  t.is(reader.read([100], pattern)?.threads, 2);
  t.is(reader.read([100], pattern)?.threads, 2);
});

test('when schedstat is unreadable, then CPU is stat utime + stime at 100 ticks a second and run delay is null', (t) => {
  const { files, reader } = setup();
  // a comm with ") (" and spaces inside: the fields are counted after the last ')'
  setThread(files, 100, 100, { comm: 'a) (b c', ticks: [150, 50] });
  setThread(files, 100, 101, { comm: 'x)', ticks: [25, 0] });
  t.deepEqual(reader.read([100], null), { ts: 1_000, cpuSeconds: 2.25, runDelaySeconds: null, threads: 2 });
});

test('when a schedstat file is malformed, then that thread falls back to stat', (t) => {
  const { files, reader } = setup();
  setThread(files, 100, 100, { ticks: [100, 0] });
  files.set('/proc/100/task/100/schedstat', 'garbage\n');
  t.is(reader.read([100], null)?.cpuSeconds, 1);
});

test('when threads come and go, then the counters never decrease: a new thread adds its whole count, a gone one keeps what it gave', (t) => {
  const { files, reader, advance } = setup();
  setThread(files, 100, 101, { schedstat: [1 * S, 0.1 * S] });
  setThread(files, 100, 102, { schedstat: [2 * S, 0.2 * S] });
  t.like(reader.read([100], null), { cpuSeconds: 3, threads: 2 });

  advance(1_000);
  setThread(files, 100, 101, { schedstat: [1.5 * S, 0.1 * S] }); // +0.5
  files.remove('/proc/100/task/102'); // exited: keeps its 2 s (loses what it used after the last read)
  setThread(files, 100, 103, { schedstat: [0.25 * S, 0.05 * S] }); // new: +0.25
  const second = reader.read([100], null);
  t.like(second, { ts: 2_000, cpuSeconds: 3.75, threads: 2 });
  t.true(Math.abs((second?.runDelaySeconds ?? 0) - 0.35) < 1e-12);

  advance(1_000);
  setThread(files, 100, 103, { schedstat: [0.05 * S, 0] }); // the id reused by a new thread: its whole count
  t.like(reader.read([100], null), { cpuSeconds: 3.8, threads: 2 });
});

test('when the daemon restarts under a new pid, then the counters continue from where they were', (t) => {
  const { files, reader } = setup();
  setThread(files, 100, 100, { schedstat: [10 * S, 1 * S] });
  t.like(reader.read([100], null), { cpuSeconds: 10, runDelaySeconds: 1 });
  files.remove('/proc/100');
  setThread(files, 200, 200, { schedstat: [0.5 * S, 0.5 * S] });
  t.like(reader.read([200], null), { cpuSeconds: 10.5, runDelaySeconds: 1.5 });
});

test('when several pids are read, then their threads are summed, and a pid listed twice counts once', (t) => {
  const { files, reader } = setup();
  setThread(files, 100, 100, { schedstat: [1 * S, 0] });
  setThread(files, 200, 200, { schedstat: [2 * S, 0] });
  t.like(reader.read([100, 200, 100], null), { cpuSeconds: 3, threads: 2 });
});

test('when none of the pids can be read, then the reading is null; when one is gone, the others are read', (t) => {
  const { files, reader } = setup();
  setThread(files, 100, 100, { schedstat: [1 * S, 0] });
  t.is(reader.read([999], null), null);
  t.is(reader.read([], null), null);
  t.is(reader.read([0, -1, 1.5, Number.NaN, 4_194_305], null), null);
  t.like(reader.read([999, 100], null), { cpuSeconds: 1, threads: 1 });
});

test('when a null reading comes between two readings, then the counters go on from the last one', (t) => {
  const { files, reader } = setup();
  setThread(files, 100, 100, { schedstat: [1 * S, 0] });
  t.like(reader.read([100], null), { cpuSeconds: 1 });
  t.is(reader.read([999], null), null);
  setThread(files, 100, 100, { schedstat: [1.5 * S, 0] });
  t.like(reader.read([100], null), { cpuSeconds: 1.5 });
});

test('when the process is readable but no thread matches the pattern, then there is no reading: no thread read is no evidence that none runs', (t) => {
  const { files, reader } = setup();
  // The daemon named its threads transfer-worker-N; the kernel keeps 15 characters of a name.
  setThread(files, 100, 100, { comm: 'main', schedstat: [1 * S, 0] });
  setThread(files, 100, 101, { comm: 'transfer-worker', schedstat: [5 * S, 0] });
  t.is(reader.read([100], /^transfer-worker-\d+$/), null);
  t.like(reader.read([100], /^transfer-worker/), { threads: 1, cpuSeconds: 5 });
});

test('when a procRoot is given, then the reader reads under it', (t) => {
  const files = fakeFiles();
  setThread(files, 100, 100, { schedstat: [1 * S, 0] }, '/host/proc');
  const reader = createCpuReader({ files, now: () => 0, procRoot: '/host/proc' });
  t.like(reader.read([100], null), { cpuSeconds: 1 });
});

test('when a pool names a pid, then resolvePid gives it; a pid out of range gives null', (t) => {
  const files = fakeFiles();
  t.is(resolvePid({ pid: 4242, pidFile: null }, files), 4242);
  t.is(resolvePid({ pid: 0, pidFile: null }, files), null);
  t.is(resolvePid({ pid: null, pidFile: null }, files), null);
});

test('when a pool names a pidFile, then resolvePid reads it again at each call', (t) => {
  const files = fakeFiles({ '/run/daemon.pid': '4242\n' });
  const target = { pid: null, pidFile: '/run/daemon.pid' };
  t.is(resolvePid(target, files), 4242);
  files.set('/run/daemon.pid', ' 5151 \n');
  t.is(resolvePid(target, files), 5151);
});

for (const content of ['', 'abc\n', '0\n', '12 13\n', '-5\n', '4194305\n', '1e3\n', '99999999999999999999\n']) {
  test(`when the pidFile holds ${JSON.stringify(content)}, then resolvePid gives null`, (t) => {
    t.is(resolvePid({ pid: null, pidFile: '/run/daemon.pid' }, fakeFiles({ '/run/daemon.pid': content })), null);
  });
}

test('when the pidFile is missing, then resolvePid gives null', (t) => {
  t.is(resolvePid({ pid: null, pidFile: '/run/gone.pid' }, fakeFiles()), null);
});
