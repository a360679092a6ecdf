import test from 'ava';
import { ConfigError } from '../../src/config/errors.js';
import { cpusFromCpuMax, parseCpuMax, readEnvSwitch, resolveCpus } from '../../src/config/host.js';

for (const [text, cpus] of [
  ['max 100000', null],
  ['max', null],
  ['200000 100000', 2],
  ['150000 100000', 2],
  ['50000 100000', 1],
  ['400000 100000\n', 4],
  ['300000', 3],
  ['', null],
  ['0 100000', null],
  ['abc 100000', null],
  ['100000 0', null],
] as const) {
  test(`when cpu.max is ${JSON.stringify(text)}, then n is ${cpus}`, (t) => {
    t.is(cpusFromCpuMax(text), cpus);
  });
}

for (const [env, enabled] of [
  [{}, true],
  ...['0', 'false', 'off', 'no', 'FALSE', 'Off', 'No'].map((v) => [{ OC_ADAPTIVE_THREADS: v }, false] as const),
  ...['1', 'true', 'on', 'yes', 'TRUE', 'On', 'YES'].map((v) => [{ OC_ADAPTIVE_THREADS: v }, true] as const),
  [{ OC_RSYNC_ADAPTIVE_THREADS: 'off' }, false],
  [{ OC_RSYNC_ADAPTIVE_THREADS: '1' }, true],
  [{ OC_ADAPTIVE_THREADS: '0', OC_RSYNC_ADAPTIVE_THREADS: 'false' }, false],
  [{ OC_ADAPTIVE_THREADS: 'yes', OC_RSYNC_ADAPTIVE_THREADS: '1' }, true],
] as const) {
  test(`when the environment is ${JSON.stringify(env)}, then adaptive sizing is ${enabled ? 'on' : 'off'}`, (t) => {
    t.is(readEnvSwitch(env), enabled);
  });
}

for (const [env, name, value] of [
  [{ OC_ADAPTIVE_THREADS: 'disabled' }, 'OC_ADAPTIVE_THREADS', 'disabled'],
  [{ OC_ADAPTIVE_THREADS: '' }, 'OC_ADAPTIVE_THREADS', ''],
  [{ OC_ADAPTIVE_THREADS: ' 0' }, 'OC_ADAPTIVE_THREADS', ' 0'],
  [{ OC_ADAPTIVE_THREADS: '2' }, 'OC_ADAPTIVE_THREADS', '2'],
  [{ OC_RSYNC_ADAPTIVE_THREADS: 'nope' }, 'OC_RSYNC_ADAPTIVE_THREADS', 'nope'],
] as const) {
  test(`when ${name} is ${JSON.stringify(value)}, then start-up fails naming the variable and the value`, (t) => {
    const err = t.throws(() => readEnvSwitch(env), { instanceOf: ConfigError });
    t.is(err?.code, 'env');
    t.is(err?.key, name);
    t.true(err?.message.startsWith(`${name}=${JSON.stringify(value)} is not allowed`), err?.message);
  });
}

test('when OC_ADAPTIVE_THREADS and OC_RSYNC_ADAPTIVE_THREADS disagree, then start-up fails naming both', (t) => {
  const err = t.throws(() => readEnvSwitch({ OC_ADAPTIVE_THREADS: '1', OC_RSYNC_ADAPTIVE_THREADS: 'off' }), { instanceOf: ConfigError });
  t.regex(err?.message ?? '', /OC_ADAPTIVE_THREADS="1" and OC_RSYNC_ADAPTIVE_THREADS="off" disagree/);
});

const host = (cpuMax: string | null, parallelism: number) => ({ cpuMax: () => cpuMax, availableParallelism: () => parallelism });

for (const [name, cli, file, probe, expected] of [
  ['a CLI integer wins over everything', 3, 5, host('200000 100000', 16), { cpus: 3, cpusSource: 'cli' }],
  ['a config integer wins over the cgroup', null, 5, host('200000 100000', 16), { cpus: 5, cpusSource: 'config' }],
  ['auto uses the cgroup quota', null, 'auto', host('200000 100000', 16), { cpus: 2, cpusSource: 'cgroup' }],
  ['no quota falls back to the os', null, 'auto', host('max 100000', 16), { cpus: 16, cpusSource: 'os' }],
  ['no cpu.max falls back to the os', null, 'auto', host(null, 12), { cpus: 12, cpusSource: 'os' }],
  ['CLI auto skips the config integer', 'auto', 5, host(null, 12), { cpus: 12, cpusSource: 'os' }],
] as const) {
  test(`when resolving n, then ${name}`, (t) => {
    t.deepEqual(resolveCpus(cli, file, probe), expected);
  });
}

test('when cpu.max is read for its period (the CFS period of throttling), then a quota of max has one too, and a period left out is the kernel\'s default', (t) => {
  t.deepEqual(parseCpuMax('200000 100000\n'), { quotaUs: 200_000, periodUs: 100_000 });
  t.deepEqual(parseCpuMax('max 50000\n'), { quotaUs: null, periodUs: 50_000 });
  t.deepEqual(parseCpuMax('max\n'), { quotaUs: null, periodUs: 100_000 });
  t.is(parseCpuMax(''), null);
  t.is(parseCpuMax('max 0'), null);
});
