import test from 'ava';
import { CPU_SMOOTHING_MS, cpuSourceOf, initCpuState, updateCpu } from '../../src/core/cpu.js';
import { classifyCpu, cpuSaturated, cpuSaturatedNow, cpuServedSize, CPU_RULES } from '../../src/core/cpu-rules.js';
import type { CpuReading, Sample } from '../../src/core/types.js';

const sample = (ts: number, cpuSeconds?: number, runDelaySeconds?: number): Sample => ({
  ts, size: 16, busy: 8, ...(cpuSeconds === undefined ? {} : { cpuSeconds }), ...(runDelaySeconds === undefined ? {} : { runDelaySeconds }),
});
const reading = (ts: number, cpuSeconds: number, runDelaySeconds: number | null = 0): CpuReading => ({ ts, cpuSeconds, runDelaySeconds, threads: 16 });

test('when samples carry cpuSeconds, then the source is sample; else a reading makes it process; else none', (t) => {
  t.is(cpuSourceOf([sample(0, 1)], reading(0, 1)), 'sample');
  t.is(cpuSourceOf([sample(0)], reading(0, 1)), 'process');
  t.is(cpuSourceOf([sample(0)], null), 'none');
});

test('when two samples a second apart used 2 CPU seconds and waited 1, then 2 CPUs are used and 1 thread waits (of 8 busy)', (t) => {
  const a = updateCpu(initCpuState(), [sample(0, 100, 10)], null, 8);
  t.is(a.signals.cpus, null, 'one reading has no rate');
  const b = updateCpu(a.state, [sample(1000, 102, 11)], null, 8);
  t.deepEqual(b.signals, { source: 'sample', cpus: 2, waiting: 1, runDelay: 1 / 8, runnablePerBusy: 3 / 8, threadsPerWorker: 1, throttled: null, pressure: null, tick: { cpus: 2, waiting: 1, runDelay: 1 / 8 } });
});

test('when a CPU-heavy load comes to an idle pool, then the tick\'s own figures show it at once while the smoothed ones catch up', (t) => {
  let s = updateCpu(initCpuState(), [sample(0, 100, 10)], null, 0).state;
  s = updateCpu(s, [sample(1000, 100, 10)], null, 0).state;
  // 4 busy workers on 2 CPUs: 2 CPUs used, 2 threads waiting.
  const loaded = updateCpu(s, [sample(2000, 102, 12)], null, 4);
  t.deepEqual(loaded.signals.tick, { cpus: 2, waiting: 2, runDelay: 0.5 });
  t.true((loaded.signals.cpus ?? 0) < 1 && (loaded.signals.waiting ?? 0) < 1, `smoothed: ${loaded.signals.cpus} CPUs, ${loaded.signals.waiting} waiting`);
  t.false(cpuSaturated(loaded.signals, 2), 'the smoothed figures do not show the CPUs full yet');
  t.true(cpuSaturatedNow(loaded.signals, 2), 'this tick\'s do');
});

test('when the figures change, then they move by the EWMA weight of the time between readings', (t) => {
  let s = updateCpu(initCpuState(), [sample(0, 0, 0)], null, 8).state;
  s = updateCpu(s, [sample(1000, 2, 0)], null, 8).state;
  const next = updateCpu(s, [sample(1000 + CPU_SMOOTHING_MS, 2 + (4 * CPU_SMOOTHING_MS) / 1000, 0)], null, 8);
  t.true(Math.abs((next.signals.cpus ?? 0) - (2 + 2 * (1 - Math.exp(-1)))) < 1e-9, 'one time constant: 1 - 1/e of the way from 2 to 4');
});

test('when a counter decreases (a restart) or the source changes, then no rate that tick and no negative one', (t) => {
  const a = updateCpu(initCpuState(), [sample(0, 100, 10)], null, 8);
  const b = updateCpu(a.state, [sample(1000, 5, 1)], null, 8);
  t.is(b.signals.cpus, null);
  const c = updateCpu(b.state, [sample(2000)], reading(2000, 7), 8);
  t.is(c.signals.source, 'process');
  t.is(c.signals.cpus, null, 'a new source starts from its own base');
  const d = updateCpu(c.state, [sample(3000)], reading(3000, 8), 8);
  t.is(d.signals.cpus, 1);
});

test('when a tick has no sample, then a sample source keeps its base and its ticks: the next sample is rated against the last one, whatever the sidecar could read meanwhile', (t) => {
  let s = updateCpu(initCpuState(), [sample(0, 0, 0)], null, 8).state;
  s = updateCpu(s, [sample(1000, 2, 0)], null, 8).state;
  s = updateCpu(s, [sample(2000, 4, 0)], null, 8).state;
  const ticks = s.ticks;
  for (const meanwhile of [null, reading(3000, 999)]) {
    const gap = updateCpu(s, [], meanwhile, null);
    t.is(gap.signals.source, 'sample');
    t.is(gap.signals.cpus, null, 'no figure for a tick without a sample');
    const after = updateCpu(gap.state, [sample(4000, 8, 0)], null, 8);
    t.is(after.signals.source, 'sample');
    t.true(Math.abs((after.signals.cpus ?? 0) - 2) < 1e-9, `2 CPUs over the two periods, got ${after.signals.cpus}`);
    t.is(after.state.ticks, ticks + 1);
  }
  // The sidecar's own reading: a tick without a sample moves its base on and keeps its ticks.
  let p = updateCpu(initCpuState(), [sample(0)], reading(0, 0), 8).state;
  p = updateCpu(p, [sample(1000)], reading(1000, 1), 8).state;
  const gap = updateCpu(p, [], reading(2000, 2), null);
  t.is(gap.state.ticks, p.ticks);
  t.is(updateCpu(gap.state, [sample(3000)], reading(3000, 3), 8).signals.cpus, 1);
});

test('when the sidecar reads stat only (no run delay), then CPUs are known and run delay is not', (t) => {
  const a = updateCpu(initCpuState(), [sample(0)], reading(0, 0, null), 8);
  const b = updateCpu(a.state, [sample(1000)], reading(1000, 3, null), 8);
  t.is(b.signals.cpus, 3);
  t.is(b.signals.runDelay, null);
  t.is(b.signals.waiting, null);
});

test('when the cgroup was throttled and PSI counted waiting, then their shares are shown', (t) => {
  const a = updateCpu(initCpuState(), [sample(0)], { ...reading(0, 0), throttledSeconds: 0, pressureSeconds: 0 }, 8);
  const b = updateCpu(a.state, [sample(1000)], { ...reading(1000, 1), throttledSeconds: 0.2, pressureSeconds: 0.5 }, 8);
  t.like(b.signals, { throttled: 0.2, pressure: 0.5 });
});

const fig = (cpus: number, waiting: number | null, busy: number) => ({
  source: 'sample' as const, cpus, waiting, runDelay: waiting === null ? null : waiting / busy, runnablePerBusy: (cpus + (waiting ?? 0)) / busy, threadsPerWorker: 1, throttled: null, pressure: null, tick: null,
});

test('when threads wait or use nearly every CPU, then the pool is cpu-bound; mostly blocked workers are io-bound', (t) => {
  t.is(classifyCpu(fig(7.5, 0, 10), 3, 8), 'cpu-bound', '7.5 of 8 CPUs');
  t.is(classifyCpu(fig(6, 2, 8), 3, 8), 'cpu-bound', '2 of 8 busy threads wait (25 %), 2 >= 0.8, and the 8 runnable fill 8 CPUs');
  t.is(classifyCpu(fig(4, 2, 8), 3, 8), 'balanced', 'the same wait with 6 runnable on 8 CPUs: other tenants\' load, not the pool\'s');
  t.is(classifyCpu(fig(1, 0, 14), 3, 8), 'io-bound', 'busy workers on a CPU 7 % of the time');
  t.is(classifyCpu(fig(5, 0, 8), 3, 8), 'balanced');
  t.is(classifyCpu(fig(5, 0, 8), CPU_RULES.minTicks - 1, 8), 'unknown', 'too few ticks');
});

test('when the figures are at each threshold, then saturation starts exactly there', (t) => {
  t.false(cpuSaturated(fig(7.19, 0, 16), 8));
  t.true(cpuSaturated(fig(7.2, 0, 16), 8));
  t.false(cpuSaturated(fig(2, 0.79, 4), 8), 'waiting 0.79 < 0.1 x 8');
  t.true(cpuSaturated(fig(6.4, 0.8, 8), 8), 'waiting 0.8 >= 0.8, and 10 % of busy, 7.2 runnable');
  t.false(cpuSaturated(fig(6.4, 0.8, 9), 8), 'under 10 % of busy');
  t.false(cpuSaturated(fig(6.39, 0.8, 8), 8), 'the pool\'s own 7.19 runnable threads would not fill 90 % of the CPUs: the wait is a neighbour\'s');
  t.false(cpuSaturated(fig(7, null, 16), 8), 'no run delay known, CPUs under 90 %');
});

test('when saturated, then the CPUs serve n x 1.1 / runnable share workers, to the nearest', (t) => {
  t.is(cpuServedSize(fig(8, 8, 16), 8), 9, 'always runnable: 8.8 -> 9');
  t.is(cpuServedSize(fig(2, 2, 8), 2), 4, 'runnable half the time on 2 CPUs: 4.4 -> 4');
  t.is(cpuServedSize({ ...fig(2, 2, 8), runnablePerBusy: null }, 2), null);
});

test('when each worker serves requests on 2 threads, then the figures are per busy thread and the CPUs serve half the workers', (t) => {
  // 4 busy workers of 2 threads on 2 CPUs: 8 busy threads computing, 1.9 CPUs used, 6 threads' worth waiting
  const threaded = (ts: number, cpuSeconds: number, runDelaySeconds: number): Sample => ({ ...sample(ts, cpuSeconds, runDelaySeconds), busy: 4, workerThreads: 2 });
  const a = updateCpu(initCpuState(), [threaded(0, 0, 0)], null, 4);
  const b = updateCpu(a.state, [threaded(1000, 1.9, 6)], null, 4);
  t.like(b.signals, { cpus: 1.9, waiting: 6, runDelay: 6 / 8, runnablePerBusy: 7.9 / 8, threadsPerWorker: 2 });
  t.is(cpuServedSize(b.signals, 2), 1, '2.2 threads fill 2 CPUs: 1 worker of 2 threads, not 2 workers');
  t.is(classifyCpu({ ...b.signals, cpus: 0.3, waiting: 0, runDelay: 0, runnablePerBusy: 0.3 / 8 }, 3, 2), 'io-bound', 'each busy thread on a CPU 4 % of the time');
  // The same figures from a source that does not say its workers' threads: one thread each.
  const single = updateCpu(updateCpu(initCpuState(), [sample(0, 0, 0)], null, 4).state, [sample(1000, 1.9, 6)], null, 4);
  t.like(single.signals, { runDelay: 1, runnablePerBusy: 1, threadsPerWorker: 1 });
  t.is(cpuServedSize(single.signals, 2), 2);
});

test('when the load is gone, then run delay falls to 0 with the busy workers instead of keeping the last load\'s share', (t) => {
  let s = updateCpu(initCpuState(), [sample(0, 0, 0)], null, 8).state;
  s = updateCpu(s, [sample(1000, 2, 4)], null, 8).state;
  let signals = updateCpu(s, [sample(2000, 4, 8)], null, 8).signals;
  t.is(signals.runDelay, 0.5, '4 of 8 busy threads waiting');
  s = updateCpu(s, [sample(2000, 4, 8)], null, 8).state;
  const first = updateCpu(s, [sample(3000, 4, 8)], null, 0).signals;
  t.is(first.runDelay, 0, 'the first tick with nothing busy: nothing waits (the smoothed figures still hold about half the load)');
  t.is(first.runnablePerBusy, null, 'and no busy worker to tell a CPU share from');
  t.is(classifyCpu(first, 10, 2), 'unknown', 'an idle pool has no class');
  for (let i = 3; i <= 60; i += 1) {
    const out = updateCpu(s, [sample(i * 1000, 4, 8)], null, 0);
    s = out.state;
    signals = out.signals;
  }
  t.is(signals.runDelay, 0, 'a minute idle: nothing busy, nothing waiting');
});
