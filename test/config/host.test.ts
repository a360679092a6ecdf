import test from 'ava';
import { cpusFromCpuMax, readEnvSwitch, resolveCpus } from '../../src/config/host.js';

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

for (const [value, enabled, warning] of [
  [undefined, true, null],
  ['1', true, null],
  ['0', false, null],
  ['yes', true, 'OC_ADAPTIVE_THREADS=yes is not 0 or 1; adaptive sizing stays enabled'],
  ['false', true, 'OC_ADAPTIVE_THREADS=false is not 0 or 1; adaptive sizing stays enabled'],
  ['', true, 'OC_ADAPTIVE_THREADS= is not 0 or 1; adaptive sizing stays enabled'],
] as const) {
  test(`when OC_ADAPTIVE_THREADS is ${value === undefined ? 'unset' : JSON.stringify(value)}, then enabled is ${enabled}${warning === null ? ' and nothing is logged' : ' and the warning names the value'}`, (t) => {
    const warnings: string[] = [];
    t.is(readEnvSwitch({ OC_ADAPTIVE_THREADS: value }, (m) => warnings.push(m)), enabled);
    t.deepEqual(warnings, warning === null ? [] : [warning]);
  });
}

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
