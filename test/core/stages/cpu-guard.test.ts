import test from 'ava';
import { CPU_RULES } from '../../../src/core/cpu-rules.js';
import { initMoves } from '../../../src/core/moves.js';
import { initProbe } from '../../../src/core/probe.js';
import type { Judged } from '../../../src/core/probe.js';
import {
  cpuGuardStage,
  cpusCovered,
  cpusFree,
  initCpuGuard,
  learn,
  retryStep,
  stepBackSize,
  CEILING_CLASS_TICKS,
  CEILING_RETRY_MAX_SCALE,
} from '../../../src/core/stages/cpu-guard.js';
import type { CpuGuardState } from '../../../src/core/stages/cpu-guard.js';
import type { Proposal, StageContext } from '../../../src/core/stages/stage.js';
import type { Classification } from '../../../src/core/types.js';
import { cpu, signals, stageCtx } from './ctx.js';

const GROW: Proposal = { size: 20, reason: 'above-band' };
const RETRY = 4 * 30_000;
const apply = (ctx: StageContext, state: CpuGuardState = initCpuGuard()) => cpuGuardStage.apply(GROW, ctx, state) as { proposal: Proposal; state: CpuGuardState };
const judged = (from: number, to: number, gain: number, noise = 0): StageContext['probe'] => ({ ...initProbe(), judged: { from, to, gain, noise } satisfies Judged });
const sat16 = (over: Partial<CpuGuardState> = {}, classification: Classification = 'cpu-bound'): CpuGuardState => ({
  ...initCpuGuard(),
  saturated: { ceiling: 16, classification, sinceMs: 0 },
  ...over,
});

// With a CPU figure: the measurement decides, and idle is never read.

test('when the pool uses 90 % of the CPUs or more, then a grow holds with reason saturated (7.1 of 8: grows; 7.2: holds)', (t) => {
  t.is(CPU_RULES.busyShare, 0.9);
  const at = (cpus: number) => apply(stageCtx({ signals: signals({ cpu: cpu({ cpus, waiting: 0, runDelay: 0, runnablePerBusy: cpus / 16 }) }) })).proposal;
  t.deepEqual(at(7.1), GROW);
  t.deepEqual(at(7.2), { size: 16, reason: 'saturated' });
});

test('when busy threads wait for a CPU, then the pool steps back to the size whose runnable threads fill n (+10 %)', (t) => {
  // 16 busy workers on 8 CPUs, each runnable all the time: 8 on a CPU, 8 waiting.
  const c = stageCtx({ signals: signals({ cpu: cpu({ cpus: 7, waiting: 8, runDelay: 0.5, runnablePerBusy: 15 / 16 }) }) });
  t.deepEqual(apply(c).proposal, { size: Math.round((8 * 1.1) / (15 / 16)), reason: 'saturated' });
  t.deepEqual(apply(c).proposal.size, 9);
});

test('when the CPUs were the limit less than a grow cooldown ago, then a grow still holds (saturated); after it, or for a shrink, the proposal passes', (t) => {
  const full = cpu({ cpus: 7.5, waiting: 0, runDelay: 0, runnablePerBusy: 7.5 / 16 });
  // Workers stalled on something else: half the CPUs idle, no run delay.
  const dip = cpu({ cpus: 4, waiting: 0, runDelay: 0, runnablePerBusy: 0.25 });
  const at = (nowMs: number, c: typeof full, state: CpuGuardState, p: Proposal = GROW) => cpuGuardStage.apply(p, stageCtx({ nowMs, signals: signals({ cpu: c }) }), state) as { proposal: Proposal; state: CpuGuardState };
  const saturated = at(100_000, full, initCpuGuard());
  t.deepEqual(saturated.proposal, { size: 16, reason: 'saturated' });
  t.is(saturated.state.cpuLimitAtMs, 100_000);
  const during = at(104_999, dip, saturated.state);
  t.deepEqual(during.proposal, { size: 16, reason: 'saturated' }, '4.999 s after the last saturated tick');
  t.is(during.state.cpuLimitAtMs, 100_000, 'a free tick does not move the last saturated one');
  t.deepEqual(at(104_999, dip, saturated.state, { size: 12, reason: 'below-band' }).proposal, { size: 12, reason: 'below-band' }, 'a shrink goes through');
  t.deepEqual(at(105_000, dip, during.state).proposal, GROW, 'a grow cooldown after it');
  t.deepEqual(at(100_000, dip, initCpuGuard()).proposal, GROW, 'a pool never saturated grows at once');
});

test('when this tick\'s own figures show the CPUs full while the smoothed ones lag, then a grow holds (saturated) but nothing steps back', (t) => {
  // A CPU-heavy load just came to an idle pool: the smoothed figures are a third of the way there.
  const lagging = cpu({ cpus: 2.5, waiting: 2.5, runDelay: 0.5, runnablePerBusy: 1, tick: { cpus: 8, waiting: 8, runDelay: 0.5 } });
  const c = stageCtx({ signals: signals({ cpu: lagging }) });
  t.deepEqual(apply(c).proposal, { size: 16, reason: 'saturated' });
  t.is(apply(c).state.cpuLimitAtMs, null, 'one tick\'s figures do not start the hold of a grow cooldown');
  t.deepEqual(cpuGuardStage.apply({ size: 12, reason: 'below-band' }, c, initCpuGuard()).proposal, { size: 12, reason: 'below-band' });
  const free = cpu({ cpus: 2.5, waiting: 0, runDelay: 0, runnablePerBusy: 0.2, tick: { cpus: 3, waiting: 0, runDelay: 0 } });
  t.deepEqual(apply(stageCtx({ signals: signals({ cpu: free }) })).proposal, GROW, 'free CPUs in both: the grow passes');
});

test('when threads wait for a CPU only a little, then it is noise and the grow passes', (t) => {
  // 5 % of busy time waiting, or 0.5 threads waiting on 8 CPUs: under either threshold.
  const few = stageCtx({ signals: signals({ cpu: cpu({ cpus: 3, waiting: 0.5, runDelay: 0.05, runnablePerBusy: 0.2 }) }) });
  t.deepEqual(apply(few).proposal, GROW);
  const small = stageCtx({ signals: signals({ cpu: cpu({ cpus: 3, waiting: 0.7, runDelay: 0.5, runnablePerBusy: 0.9 }) }) });
  t.deepEqual(apply(small).proposal, GROW, '0.7 threads waiting is under 0.1 x 8');
});

test('when the CPU is measured free, then an idle share that claims every CPU covered is not read', (t) => {
  const c = stageCtx({
    signals: signals({ workerIdle: 0, idleReported: true, idleInformative: true, cpu: cpu({ cpus: 0.8, waiting: 0, runDelay: 0, runnablePerBusy: 0.05 }) }),
    probe: judged(12, 16, 0),
  });
  const out = apply(c, sat16());
  t.deepEqual(out.proposal, GROW);
  t.deepEqual(out.state, initCpuGuard(), 'what probes learned is dropped');
});

test('when the cgroup is throttled 10 % of the time, then the pool is saturated', (t) => {
  const at = (throttled: number) => apply(stageCtx({ signals: signals({ cpu: cpu({ cpus: 3, waiting: 0, runDelay: 0, runnablePerBusy: 0.2, throttled }) }) })).proposal.reason;
  t.is(at(0.09), 'above-band');
  t.is(at(0.1), 'saturated');
});

// Without a CPU figure: throughput probes, and an idle share only when it says more than busy/size.

const noCpu = (over: Partial<StageContext> = {}, idle: number | null = null, classification: Classification = 'cpu-bound') =>
  stageCtx({ signals: signals({ workerIdle: idle, idleReported: idle !== null, idleInformative: idle !== null, classification }), ...over });

test('when a grow did not raise throughput while over the band, then the ceiling is the old size and growth stops', (t) => {
  const out = cpuGuardStage.apply({ size: 24, reason: 'above-band' }, noCpu({ probe: judged(16, 20, 0.01), base: 20, reported: 20 }, 0.05), initCpuGuard()) as { proposal: Proposal; state: CpuGuardState };
  t.deepEqual(out.state.saturated, { ceiling: 16, classification: 'cpu-bound', sinceMs: 100_000 });
  t.deepEqual(out.proposal, { size: 8, reason: 'saturated' }, 'a CPU-bound pool steps back to n / (1 - idle): 8 / 0.95 -> 8');
});

test('when a flat grow brought utilization into the band, then it is no ceiling', (t) => {
  t.is(apply(noCpu({ probe: judged(16, 20, 0), signals: signals({ utilization: 0.8 }) })).state.saturated, null);
});

test('when the reported idle shows CPUs free (size x (1 - idle) < 0.9 n), then a flat grow teaches nothing', (t) => {
  t.false(cpusFree(16, 0.5, 8), '16 x 0.5 = 8 >= 7.2');
  t.true(cpusFree(16, 0.6, 8), '16 x 0.4 = 6.4 < 7.2');
  t.false(cpusFree(null, 0.9, 8));
  t.is(apply(noCpu({ probe: judged(16, 20, 0) }, 0.6)).state.saturated, null);
  t.not(apply(noCpu({ probe: judged(16, 20, 0) }, 0.5)).state.saturated, null);
});

test('when the reported idle shows every CPU covered over the band, then the ceiling is the size, learned without a probe', (t) => {
  t.true(cpusCovered(16, 0.5, 8));
  t.false(cpusCovered(16, 0.51, 8));
  t.deepEqual(apply(noCpu({}, 0.05)).state.saturated, { ceiling: 16, classification: 'cpu-bound', sinceMs: 100_000 });
  t.is(apply(noCpu({}, 0.9)).state.saturated, null, 'CPUs left: only a probe can tell');
});

test('when idle says nothing beyond busy/size, then it never shows the CPUs covered', (t) => {
  const c = stageCtx({ signals: signals({ workerIdle: 0, idleReported: true, idleInformative: false }) });
  t.deepEqual(apply(c).proposal, GROW);
});

test('when there is no CPU evidence, then no ceiling is learned below the static size, and one at or above it is', (t) => {
  t.is(apply(noCpu({ probe: judged(12, 16, 0), base: 16 })).state.saturated, null, '12 < static 16');
  t.like(apply(noCpu({ probe: judged(16, 20, 0), base: 20 })).state.saturated, { ceiling: 16 });
});

test('when there is no CPU evidence, then a gain inside the noise (under 2 sigma) is no pay-off', (t) => {
  // 3 % gain with a 2 % standard error: paid off with evidence, not without.
  const noisy = { ...sat16({ lastCeiling: 16, retryScale: 4 }), saturated: null };
  t.is(apply(noCpu({ probe: judged(16, 20, 0.03, 0.02), base: 20 }), noisy).state.retryScale, 8, 'a flat retry: the ceiling holds');
  t.is(apply(noCpu({ probe: judged(16, 20, 0.03, 0.02), base: 20 }, 0.5), noisy).state.retryScale, 1, 'with idle evidence it paid off');
  t.is(apply(noCpu({ probe: judged(16, 20, 0.05, 0.02), base: 20 }), noisy).state.retryScale, 1, '2.5 sigma pays off');
});

test('when the classification changes or the retry time passes, then the ceiling is forgotten', (t) => {
  const at = (nowMs: number, cls: Classification) => learn(sat16(), noCpu({ nowMs }, null, cls), null).saturated;
  t.not(at(RETRY - 1, 'cpu-bound'), null);
  t.is(at(RETRY, 'cpu-bound'), null);
  t.is(at(1000, 'io-bound'), null);
  t.not(at(1000, 'unknown'), null, 'unknown is no change');
});

test('when the class changes to or from balanced, then it must last 10 ticks in a row before the ceiling is forgotten', (t) => {
  t.is(CEILING_CLASS_TICKS, 10);
  let s = sat16();
  for (let i = 1; i < CEILING_CLASS_TICKS; i++) s = learn(s, noCpu({ nowMs: i * 1000 }, null, 'balanced'), null);
  t.not(s.saturated, null, 'nine ticks of balanced');
  t.is(learn(s, noCpu({ nowMs: 10_000 }, null, 'balanced'), null).saturated, null, 'the tenth');
  t.is(learn(s, noCpu({ nowMs: 10_000 }, null, 'cpu-bound'), null).classChangeTicks, 0, 'back in its class: the count starts again');
  t.is(learn(s, noCpu({ nowMs: 10_000 }, null, 'unknown'), null).classChangeTicks, CEILING_CLASS_TICKS - 1);
  t.not(learn(sat16({}, 'balanced'), noCpu({ nowMs: 1000 }, null, 'io-bound'), null).saturated, null, 'balanced -> io-bound waits too');
});

test('when a retry finds the same ceiling again, then the wait before the next retry doubles, up to 8x', (t) => {
  t.is(CEILING_RETRY_MAX_SCALE, 8);
  let s: CpuGuardState = { ...initCpuGuard(), lastCeiling: 16 };
  const scales: number[] = [];
  for (let i = 0; i < 4; i++) {
    s = learn({ ...s, saturated: null }, noCpu({ probe: judged(16, 18, 0) }), null);
    scales.push(s.retryScale);
  }
  t.deepEqual(scales, [2, 4, 8, 8]);
  t.not(learn(sat16({ retryScale: 4 }), noCpu({ nowMs: 4 * RETRY - 1 }), null).saturated, null);
  t.is(learn(sat16({ retryScale: 4 }), noCpu({ nowMs: 4 * RETRY }), null).saturated, null);
  t.is(learn(initCpuGuard(), noCpu({ probe: judged(16, 18, 0) }), null).retryScale, 1, 'a first ceiling does not double');
});

test('when a step back followed the ceiling, then the retry time counts from the step back', (t) => {
  const moves = { ...initMoves(), shrink: { atMs: 60_000, from: 20, to: 16, acting: true } };
  t.not(learn(sat16(), noCpu({ nowMs: RETRY + 1000, moves }), null).saturated, null);
  t.is(learn(sat16(), noCpu({ nowMs: 60_000 + RETRY, moves }), null).saturated, null);
});

test('when a saturated pool steps back, then a CPU-bound one goes to n / (1 - idle) (nearest), never above the ceiling or below min', (t) => {
  const sat = { ceiling: 20, classification: 'cpu-bound' as const, sinceMs: 0 };
  t.is(stepBackSize(sat, 8, 0, 4), 8);
  t.is(stepBackSize(sat, 8, 0.5, 4), 16);
  t.is(stepBackSize(sat, 8, 0.3, 4), 11, '8 / 0.7 = 11.4: 11, not 12');
  t.is(stepBackSize(sat, 8, 0.9, 4), 20, 'never above the ceiling');
  t.is(stepBackSize(sat, 2, 0, 4), 4);
  t.is(stepBackSize(sat, 8, null, 4), 20, 'without idle: the ceiling');
  t.is(stepBackSize({ ...sat, classification: 'balanced' }, 8, 0, 4), 20, 'other classes step back to the ceiling');
});

test('when a learned ceiling is retried, then the probe is one worker', (t) => {
  const retrying: CpuGuardState = { ...initCpuGuard(), lastCeiling: 8 };
  t.is(retryStep(10, 8, retrying), 9);
  t.is(retryStep(12, 9, retrying), 10, 'above the last ceiling too');
  t.is(retryStep(10, 6, retrying), 10, 'below it: the law decides');
  t.is(retryStep(10, 8, initCpuGuard()), 10, 'no ceiling learned');
  t.is(retryStep(7, 8, retrying), 7, 'a shrink is not touched');
});

test('when there is no CPU evidence and no throughput at the current size yet, then a grow at or above the static size waits for one', (t) => {
  const c = (base: number, atSize: { size: number; values: number[] } | null) =>
    stageCtx({ base, reported: base, probe: { ...initProbe(), atSize }, signals: signals({ completedReported: true }) });
  t.deepEqual(apply(c(16, null)).proposal, { size: 16, reason: 'no-data' });
  t.deepEqual(apply(c(16, { size: 12, values: [100] })).proposal, { size: 16, reason: 'no-data' }, 'a reading at another size is no before');
  t.deepEqual(apply(c(16, { size: 16, values: [100] })).proposal, GROW);
  t.deepEqual(apply(c(12, null)).proposal, GROW, 'below the static size a grow needs no probe');
  t.deepEqual(apply(stageCtx({ base: 16, signals: signals({ completedReported: false }) })).proposal, GROW, 'a daemon that reports no completed cannot be probed');
});
