import test from 'ava';
import { parseCgroupMembership, parseKeyedValue, parsePsiSomeTotalUs, readCgroupFigures } from '../../src/sources/cgroup.js';
import { createCpuReader } from '../../src/sources/proc-cpu.js';
import { fakeFiles, setThread } from './fake-files.js';

const V2_STAT = 'usage_usec 9000000\nuser_usec 6000000\nsystem_usec 3000000\nnr_periods 40\nnr_throttled 3\nthrottled_usec 1500000\n';
const V1_STAT = 'nr_periods 40\nnr_throttled 3\nthrottled_time 2500000000\n';
const PSI = (someUs: number) => `some avg10=1.00 avg60=0.50 avg300=0.10 total=${someUs}\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=42\n`;

test('when /proc/PID/cgroup has a 0:: line, then it is the v2 path; a line with cpu among its controllers is the v1 one', (t) => {
  t.deepEqual(parseCgroupMembership('0::/system.slice/daemon.service\n'), { v2Path: '/system.slice/daemon.service', v1Cpu: null });
  t.deepEqual(parseCgroupMembership('12:memory:/x\n4:cpu,cpuacct:/docker/abc\n1:name=systemd:/docker/abc\n0::/\n'), {
    v2Path: '/',
    v1Cpu: { controllers: ['cpu', 'cpuacct'], path: '/docker/abc' },
  });
  t.deepEqual(parseCgroupMembership('3:cpuacct:/a\n2:cpuset:/b\n'), { v2Path: null, v1Cpu: null }, 'cpuacct and cpuset are not cpu');
});

test('when a cpu.stat or PSI file is read, then the named counter is parsed, and anything else is null', (t) => {
  t.is(parseKeyedValue(V2_STAT, 'throttled_usec'), 1_500_000);
  t.is(parseKeyedValue(V1_STAT, 'throttled_time'), 2_500_000_000);
  t.is(parseKeyedValue(V2_STAT, 'throttled_time'), null);
  t.is(parseKeyedValue('throttled_usec x\n', 'throttled_usec'), null);
  t.is(parsePsiSomeTotalUs(PSI(123456)), 123456);
  t.is(parsePsiSomeTotalUs('full avg10=0.00 total=5\n'), null);
  t.is(parsePsiSomeTotalUs('some avg10=0.00\n'), null);
});

test('when the cgroup is v2, then throttling is its throttled periods (cpu.stat nr_throttled) times cpu.max\'s period, and pressure cpu.pressure some total', (t) => {
  const files = fakeFiles({
    '/proc/100/cgroup': '0::/system.slice/daemon.service\n',
    '/sys/fs/cgroup/system.slice/daemon.service/cpu.stat': V2_STAT,
    '/sys/fs/cgroup/system.slice/daemon.service/cpu.max': '150000 50000\n',
    '/sys/fs/cgroup/system.slice/daemon.service/cpu.pressure': PSI(3_000_000),
    '/proc/pressure/cpu': PSI(99_000_000),
  });
  t.deepEqual(readCgroupFigures(files, 100, '/proc', '/sys/fs/cgroup'), {
    throttled: { path: '/sys/fs/cgroup/system.slice/daemon.service/cpu.stat', seconds: 0.15 },
    pressure: { path: '/sys/fs/cgroup/system.slice/daemon.service/cpu.pressure', seconds: 3 },
  });
});

test('when the host is hybrid, then the v2 files are found under unified/ and throttling under the v1 cpu hierarchy', (t) => {
  const files = fakeFiles({
    '/proc/100/cgroup': '4:cpu,cpuacct:/docker/abc\n0::/docker/abc\n',
    '/sys/fs/cgroup/unified/docker/abc/cpu.pressure': PSI(2_000_000),
    '/sys/fs/cgroup/unified/docker/abc/cpu.stat': 'usage_usec 5\n',
    '/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.stat': V1_STAT,
  });
  t.deepEqual(readCgroupFigures(files, 100, '/proc', '/sys/fs/cgroup'), {
    throttled: { path: '/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.stat', seconds: 0.3 },
    pressure: { path: '/sys/fs/cgroup/unified/docker/abc/cpu.pressure', seconds: 2 },
  });
});

test('when the v1 cpu hierarchy is mounted as cpu/, then its throttled periods are read there, of cpu.cfs_period_us each', (t) => {
  const files = fakeFiles({ '/proc/100/cgroup': '4:cpu,cpuacct:/docker/abc\n', '/sys/fs/cgroup/cpu/docker/abc/cpu.stat': V1_STAT, '/sys/fs/cgroup/cpu/docker/abc/cpu.cfs_period_us': '200000\n' });
  t.is(readCgroupFigures(files, 100, '/proc', '/sys/fs/cgroup').throttled?.seconds, 0.6);
});

test('when a cgroup spread over many CPUs is throttled, then the figure counts its periods, not each CPU\'s run queue', (t) => {
  // 10 s, 100 periods, 20 throttled: throttled_usec sums the 16 run queues it held back (32 s).
  const files = fakeFiles({ '/proc/100/cgroup': '0::/k8s/pod\n', '/sys/fs/cgroup/k8s/pod/cpu.stat': 'nr_periods 100\nnr_throttled 20\nthrottled_usec 32000000\n', '/sys/fs/cgroup/k8s/pod/cpu.max': '200000 100000\n' });
  t.is(readCgroupFigures(files, 100, '/proc', '/sys/fs/cgroup').throttled?.seconds, 2, 'a fifth of 10 s');
});

test('when the cgroup has no PSI, then pressure is the host /proc/pressure/cpu', (t) => {
  const files = fakeFiles({ '/proc/100/cgroup': '0::/\n', '/proc/pressure/cpu': PSI(7_500_000) });
  t.deepEqual(readCgroupFigures(files, 100, '/proc', '/sys/fs/cgroup'), { throttled: null, pressure: { path: '/proc/pressure/cpu', seconds: 7.5 } });
});

test('when nothing is readable, then both figures are absent', (t) => {
  t.deepEqual(readCgroupFigures(fakeFiles(), 100, '/proc', '/sys/fs/cgroup'), { throttled: null, pressure: null });
  const garbage = fakeFiles({ '/proc/100/cgroup': 'nonsense\n', '/proc/pressure/cpu': 'some total=x\n' });
  t.deepEqual(readCgroupFigures(garbage, 100, '/proc', '/sys/fs/cgroup'), { throttled: null, pressure: null });
});

test('when the reader takes a reading, then it carries the first pid\'s throttling and pressure, and omits what is unreadable', (t) => {
  const files = fakeFiles({ '/proc/200/cgroup': '0::/a\n', '/sys/fs/cgroup/a/cpu.stat': V2_STAT });
  setThread(files, 200, 200, { schedstat: [1e9, 0] });
  const reader = createCpuReader({ files, now: () => 0 });
  t.deepEqual(reader.read([999, 200], null), { ts: 0, cpuSeconds: 1, runDelaySeconds: 0, threads: 1, throttledSeconds: 0.3 });
});

test('when the pressure source switches from the cgroup to the host, then the reader\'s pressure counter stays monotonic', (t) => {
  const files = fakeFiles({ '/proc/100/cgroup': '0::/a\n', '/sys/fs/cgroup/a/cpu.pressure': PSI(2_000_000), '/proc/pressure/cpu': PSI(900_000_000) });
  setThread(files, 100, 100, { schedstat: [1e9, 0] });
  const reader = createCpuReader({ files, now: () => 0 });
  t.is(reader.read([100], null)?.pressureSeconds, 2);
  files.set('/sys/fs/cgroup/a/cpu.pressure', PSI(3_000_000));
  t.is(reader.read([100], null)?.pressureSeconds, 3);
  files.remove('/sys/fs/cgroup/a/cpu.pressure'); // now the host's, whose total runs since boot: a new baseline
  t.is(reader.read([100], null)?.pressureSeconds, 3);
  files.set('/proc/pressure/cpu', PSI(900_500_000));
  t.is(reader.read([100], null)?.pressureSeconds, 3.5);
  files.remove('/proc/pressure/cpu');
  t.is(reader.read([100], null)?.pressureSeconds, undefined, 'unreadable: absent');
  files.set('/sys/fs/cgroup/a/cpu.stat', 'nr_throttled 0\n');
  t.is(reader.read([100], null)?.throttledSeconds, 0);
  files.set('/sys/fs/cgroup/a/cpu.stat', 'nr_throttled 40\n');
  t.is(reader.read([100], null)?.throttledSeconds, 4);
  files.set('/sys/fs/cgroup/a/cpu.stat', 'nr_throttled 10\n'); // the cgroup was recreated: its whole count
  t.is(reader.read([100], null)?.throttledSeconds, 5);
});
