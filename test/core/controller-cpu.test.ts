// The controller with a measured CPU figure: a daemon that counts a worker busy from taking a
// task to finishing it (blocked time included) and sends idle = 1 - busy/size, as most do.
import test from 'ava';
import { tick } from '../../src/core/controller.js';
import type { ControllerState, CpuReading, Decision, Sample } from '../../src/core/index.js';
import { poolView } from '../../src/core/view.js';
import { moves, start } from './helpers.js';

interface Work {
  /** workers the load keeps busy (blocked time included) */
  demand: number;
  /** share of a busy worker's time it wants a CPU */
  cpuShare: number;
}

/**
 * n CPUs, a load that keeps min(size, demand) workers busy; the busy workers want
 * busy x cpuShare CPUs, get at most n, and the rest wait on a run queue. `via`: the CPU
 * figure in the samples, read by the sidecar (process), or none; idle is 1 - busy/size.
 */
function run(state: ControllerState, seconds: number, n: number, work: Work, via: 'sample' | 'process' | 'none') {
  let s = state;
  let size = s.target;
  let cpu = 0;
  let delay = 0;
  const decisions: Decision[] = [];
  const sizes: number[] = [];
  for (let t = 1000; t <= seconds * 1000; t += 1000) {
    const busy = Math.min(size, work.demand);
    const wanted = busy * work.cpuShare;
    cpu += Math.min(n, wanted);
    delay += Math.max(0, wanted - n);
    const sample: Sample = { ts: t, size, busy, idle: 1 - busy / size, queueStall: busy < work.demand ? 0.6 : 0 };
    if (via === 'sample') Object.assign(sample, { cpuSeconds: cpu, runDelaySeconds: delay });
    const reading: CpuReading | null = via === 'process' ? { ts: t, cpuSeconds: cpu, runDelaySeconds: delay, threads: size } : null;
    const r = tick(s, [sample], t, reading);
    s = r.state;
    decisions.push(r.decision);
    size = s.target;
    sizes.push(size);
  }
  return { state: s, decisions, sizes };
}

const IO_HEAVY: Work = { demand: 7, cpuShare: 0.05 }; // 2 ms of CPU and 40 ms blocked a task
const CPU_HEAVY: Work = { demand: 12, cpuShare: 1 };

for (const via of ['sample', 'process'] as const) {
  test(`when an I/O-heavy pool's blocked workers count as busy (cpu from ${via}), then it grows past its demand and never shrinks`, (t) => {
    const r = run(start({ n: 2 }), 120, 2, IO_HEAVY, via);
    t.is(r.state.signals.cpu.source, via);
    t.true(Math.min(...r.sizes) >= 4, `never below static 4: ${r.sizes.join(' ')}`);
    t.is(r.state.target, 8, `grew to its max (4n) to serve 7 busy workers: ${r.sizes.join(" ")}`);
    t.is(r.state.signals.classification, 'io-bound');
    t.false(r.decisions.some((d) => d.reason === 'saturated'));
  });

  test(`when a CPU-heavy pool's threads wait for the CPUs (cpu from ${via}), then it never grows and steps back to n + 10 %`, (t) => {
    const r = run(start({ n: 2 }), 150, 2, CPU_HEAVY, via);
    t.false(r.decisions.some((d) => d.action === 'grow'));
    t.deepEqual(moves(r.decisions).map((d) => [d.ts, d.to, d.reason]), [
      // as soon as the figures classify the pool cpu-bound (its first reading is a baseline, then
      // three ticks), not one shrink cooldown from its start: straight to the size the CPUs
      // serve (no maxStep); the shrink window does not hold it
      [4000, 2, 'saturated'],
    ]);
    t.is(r.state.signals.classification, 'cpu-bound');
    t.like(poolView(r.state, 150_000).cpu, { source: via });
  });
}

test('when a fresh pool with measured CPU is under the band, then its first shrink still waits one shrink cooldown from its start', (t) => {
  const r = run(start({ n: 2 }), 60, 2, { demand: 1, cpuShare: 0.05 }, 'sample');
  const shrinks = moves(r.decisions).filter((d) => d.action === 'shrink');
  t.is(shrinks[0]?.ts, 30_000);
  t.not(shrinks[0]?.reason, 'saturated');
});

test('when there is no CPU figure and idle says nothing beyond busy/size, then the CPU source is none and no CPU coverage is read', (t) => {
  const r = run(start({ n: 2 }), 60, 2, IO_HEAVY, 'none');
  t.is(poolView(r.state, 60_000).cpu.source, 'none');
  t.false(r.state.signals.idleInformative);
  t.false(r.decisions.some((d) => d.reason === 'saturated'), 'all busy at idle 0 is not "every CPU covered"');
  t.true(r.state.target > 4, `grew: ${r.sizes.join(' ')}`);
});

test('when a pool saturated on measured CPU finds its CPUs free again, then it grows again', (t) => {
  const cpuPhase = run(start({ n: 2 }), 90, 2, CPU_HEAVY, 'sample');
  t.is(cpuPhase.state.target, 2);
  // The load turns I/O-heavy: the figures move within a few seconds and grows resume.
  let s = cpuPhase.state;
  let size = s.target;
  let cpu = 1000;
  const sizes: number[] = [];
  for (let t = 91_000; t <= 150_000; t += 1000) {
    const busy = Math.min(size, 7);
    cpu += busy * 0.05;
    const r = tick(s, [{ ts: t, size, busy, cpuSeconds: cpu, runDelaySeconds: 0, queueStall: busy < 7 ? 0.6 : 0 }], t);
    s = r.state;
    size = s.target;
    sizes.push(size);
  }
  t.true(size >= 8, `grew back: ${sizes.join(' ')}`);
});
