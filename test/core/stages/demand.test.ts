import test from 'ava';
import { demandGrow, demandSize, demandStage, MIN_TASKS, offered, pooledBusyPerTask, recentOffered } from '../../../src/core/stages/demand.js';
import type { DemandState } from '../../../src/core/stages/demand.js';
import { stepStage } from '../../../src/core/stages/limits.js';
import { cpu, signals, stageCtx } from './ctx.js';

// 200 completions and 100 refusals a second, each task keeping a worker busy 0.1 s: 30 busy
// workers serve the demand, 42 keep them at the band's middle (0.725).
const measured = signals({ throughput: 200, demand: 300, busyPerTask: 0.1, cpu: cpu({ cpus: 2, waiting: 0, runDelay: 0, runnablePerBusy: 0.1 }) });
const GROW = { size: 20, reason: 'above-band' as const };

test('when demand and busy time per task are measured, then a grow goes to the size Little\'s law gives, at most doubling', (t) => {
  t.is(demandSize(stageCtx({ signals: measured, base: 16 })), 42);
  t.deepEqual(demandGrow(GROW, stageCtx({ signals: measured, base: 16 })), { size: 32, reason: 'demand' }, 'at most 2 x 16');
  t.deepEqual(demandGrow({ size: 30, reason: 'above-band' }, stageCtx({ signals: measured, base: 24 })), { size: 42, reason: 'demand' });
});

test('when nothing is refused, or demand is unknown, then the law\'s grow stands', (t) => {
  t.deepEqual(demandGrow(GROW, stageCtx({ signals: signals({ throughput: 200, demand: 200, busyPerTask: 0.1 }), base: 16 })), GROW);
  t.deepEqual(demandGrow(GROW, stageCtx({ signals: signals({ throughput: 200, demand: null, busyPerTask: 0.1 }), base: 16 })), GROW);
});

test('when the law does not grow and the queue does not grow, then demand does not make it', (t) => {
  const hold = { size: 16, reason: 'in-band' as const };
  t.deepEqual(demandGrow(hold, stageCtx({ signals: measured, base: 16 })), hold);
});

test('when the queue grew in a tick the law holds in, then the demand starts the grow once it would keep more than the band\'s top busy', (t) => {
  const hold = { size: 16, reason: 'in-band' as const };
  // A load that came late in the period: 60 completions, the queue up by 120 a second, 0.1 s a task.
  const late = signals({ utilization: 0.5, throughput: 60, queueGrowth: 120, busyPerTask: 0.1, cpu: measured.cpu });
  t.deepEqual(demandGrow(hold, stageCtx({ signals: late, base: 16 })), { size: 25, reason: 'demand' }, '180 x 0.1 / 0.725');
  t.deepEqual(demandGrow({ size: 15, reason: 'below-band' }, stageCtx({ signals: late, base: 8 })), { size: 16, reason: 'demand' }, 'at most doubling');
  // 100 + 30 a second: 13 busy workers, under 0.85 x 16 = 13.6: the law's hold stands.
  t.deepEqual(demandGrow(hold, stageCtx({ signals: { ...late, throughput: 100, queueGrowth: 30 }, base: 16 })), hold);
  // 100 + 45 a second: 14.5 busy workers, over 13.6, but 9 tasks over the band's top in a tick of 145 arrivals (noise 2 x 12).
  t.deepEqual(demandGrow(hold, stageCtx({ signals: { ...late, throughput: 100, queueGrowth: 45 }, base: 16 })), hold, 'within the noise');
  t.deepEqual(demandGrow(hold, stageCtx({ signals: { ...late, queueGrowth: 0, demand: 300 }, base: 16 })), hold, 'refusals alone, no queue growth');
});

test('when the CPU is measured, then a demand grow stops at the size the CPUs serve', (t) => {
  // 8 CPUs, a busy worker runnable 40 % of its time: 8 x 1.1 / 0.4 = 22 workers.
  const c = stageCtx({ signals: { ...measured, cpu: cpu({ cpus: 5, waiting: 0, runDelay: 0, runnablePerBusy: 0.4 }) }, base: 16 });
  t.deepEqual(demandGrow(GROW, c), { size: 22, reason: 'demand' });
});

test('when there is no CPU evidence at all, then a demand grow goes no further than the static size', (t) => {
  // static 16: from 10 the jump stops at 16; from 16 the law's own step stands.
  const none = signals({ throughput: 200, demand: 300, busyPerTask: 0.1, idleInformative: false });
  t.deepEqual(demandGrow({ size: 12, reason: 'above-band' }, stageCtx({ signals: none, base: 10 })), { size: 16, reason: 'demand' });
  t.deepEqual(demandGrow({ size: 20, reason: 'above-band' }, stageCtx({ signals: none, base: 16 })), { size: 20, reason: 'above-band' });
  const idle = { ...none, idleInformative: true, workerIdle: 0.6 };
  t.deepEqual(demandGrow(GROW, stageCtx({ signals: idle, base: 16 })), { size: 32, reason: 'demand' }, 'an idle share that tells blocked from computing is evidence');
});

test('when a grow comes from demand, then the step stage lets it double the pool; another grow keeps maxStep', (t) => {
  const c = stageCtx({ base: 16, maxStep: 4 });
  t.deepEqual(stepStage.apply({ size: 40, reason: 'demand' }, c, null).proposal, { size: 32, reason: 'demand' });
  t.deepEqual(stepStage.apply({ size: 40, reason: 'above-band' }, c, null).proposal, { size: 20, reason: 'above-band' });
});

test('when the demand\'s doubling lands on the law\'s own grow, then the move is the demand\'s (the step stage lets it through)', (t) => {
  // From 5, Little's law wants 42 and the doubling allows 10: the law proposed 10 too.
  t.deepEqual(demandGrow({ size: 10, reason: 'above-band' }, stageCtx({ signals: measured, base: 5 })), { size: 10, reason: 'demand' });
  t.deepEqual(stepStage.apply({ size: 10, reason: 'demand' }, stageCtx({ base: 5, maxStep: 2 }), null).proposal, { size: 10, reason: 'demand' });
});

test('when the law asks for more than the demand needs, then the move is the demand\'s own size or reach, not the law\'s step', (t) => {
  // Little's law wants 42; the law asks 50 from 24 (the doubling allows 48): the demand's 42.
  const from24 = stageCtx({ signals: measured, base: 24, maxStep: 1 });
  t.deepEqual(demandGrow({ size: 50, reason: 'above-band' }, from24), { size: 42, reason: 'demand' });
  // The law asks exactly what the demand needs, 42, from 4 (a uWSGI trace: 10 from 4): the doubling's 8.
  t.deepEqual(demandGrow({ size: 42, reason: 'above-band' }, stageCtx({ signals: measured, base: 4, maxStep: 1 })), { size: 8, reason: 'demand' });
  // A demand within the law's own step leaves the law's grow to the step stage.
  t.deepEqual(demandGrow({ size: 50, reason: 'above-band' }, stageCtx({ signals: measured, base: 40, maxStep: 4 })), { size: 50, reason: 'above-band' });
});

test('when the law asks for more than the demand may reach in one move, then the move is the demand\'s reach, never the law\'s step alone', (t) => {
  // From 4, Little's law wants 42 and the doubling allows 8; the law proposed 10, which the
  // step stage would cut to 4 + 1.
  const from4 = stageCtx({ signals: measured, base: 4, maxStep: 1 });
  const moved = demandGrow({ size: 10, reason: 'above-band' }, from4);
  t.deepEqual(moved, { size: 8, reason: 'demand' });
  t.deepEqual(stepStage.apply(moved, from4, null).proposal, { size: 8, reason: 'demand' });
  // The CPUs serve 22 from 16 (8 x 1.1 / 0.4) and the law asks 40: the demand's 22 beats the step to 20.
  const served = stageCtx({ signals: { ...measured, cpu: cpu({ cpus: 5, waiting: 0, runDelay: 0, runnablePerBusy: 0.4 }) }, base: 16 });
  t.deepEqual(demandGrow({ size: 40, reason: 'above-band' }, served), { size: 22, reason: 'demand' });
  // When the law's step goes as far (maxStep 8 from 16), the law's grow stands for the step stage.
  const wide = stageCtx({ signals: { ...measured, cpu: cpu({ cpus: 5, waiting: 0, runDelay: 0, runnablePerBusy: 0.4 }) }, base: 16, maxStep: 8 });
  t.deepEqual(demandGrow({ size: 40, reason: 'above-band' }, wide), { size: 40, reason: 'above-band' });
});

test('when the queue grows, then its growth counts as offered work (with or without refusals); a draining queue\'s drain comes off', (t) => {
  // 200 completions a second, the queue growing by 100 a second, 0.1 s a task: 300 x 0.1 / 0.725 = 42.
  const growing = signals({ throughput: 200, demand: null, queueGrowth: 100, busyPerTask: 0.1, cpu: measured.cpu });
  t.is(demandSize(stageCtx({ signals: growing, base: 16 })), 42);
  t.is(demandSize(stageCtx({ signals: { ...growing, demand: 250 } })), 49, '250 + 100 growth: 350 x 0.1 / 0.725');
  t.is(demandSize(stageCtx({ signals: { ...growing, queueGrowth: -50 } })), null, 'draining: nothing beyond throughput');
  // 200 completions a second while the queue drains by 50: 150 a second came.
  t.is(offered(stageCtx({ signals: { ...growing, queueGrowth: -50 } })), 150);
  t.is(offered(stageCtx({ signals: { ...growing, demand: 250, queueGrowth: -50 } })), 200, 'refusals count, the drain comes off');
  t.is(offered(stageCtx({ signals: { ...growing, queueGrowth: -300 } })), 0, 'never below nothing');
  // The drain after a grow does not carry into the grow cooldown's mean: 100 a second came at every tick.
  const ticks = [
    { throughput: 60, queueGrowth: 40 },
    { throughput: 140, queueGrowth: -40 },
    { throughput: 100, queueGrowth: 0 },
  ].reduce<readonly number[]>((r, x) => recentOffered(r, stageCtx({ signals: { ...growing, ...x } })), []);
  t.deepEqual(ticks, [100, 100, 100]);
});

test('when one tick\'s count falls short of the load the last ticks showed, then the demand is their mean (never less than this tick\'s)', (t) => {
  // This tick: 200 completions and 10 refusals; the last five ticks offered 300 a second on average.
  const c = stageCtx({ signals: signals({ throughput: 200, demand: 210, busyPerTask: 0.1, cpu: measured.cpu }), base: 16 });
  t.is(demandSize(c), 29, '210 x 0.1 / 0.725');
  t.is(demandSize(c, [300, 300, 300, 300, 300]), 42, '300 x 0.1 / 0.725');
  t.is(demandSize(c, [100, 100]), 29, 'a lower mean does not lower this tick\'s demand');
  const recent = [1, 2, 3, 4, 5].reduce<readonly number[]>((r) => recentOffered(r, c), []);
  t.is(recentOffered(recent, c).length, 5, 'one grow cooldown of ticks (5 s at 1 s)');
});

test('when a tick completes few tasks, then the busy time per task is pooled back over the ticks that hold MIN_TASKS completions; a busy pool is read on its tick alone', (t) => {
  t.is(MIN_TASKS, 20);
  // Long tasks, 2.5 s each, at 3.2 completions a second on 8 busy workers; one tick counts only 2.
  const slow = [
    { busy: 8, throughput: 3 },
    { busy: 8, throughput: 4 },
    { busy: 8, throughput: 3 },
    { busy: 8, throughput: 4 },
    { busy: 8, throughput: 2 },
  ];
  t.is(8 / 2, 4, "the last tick's own reading: 4 s a task");
  t.is(pooledBusyPerTask(slow, 1), 40 / 16, 'all five ticks: 16 completions, 40 busy worker-seconds');
  t.is(pooledBusyPerTask(slow, 5), 16 / 6, 'a 5 s period: the last two ticks hold 30 completions');
  t.is(pooledBusyPerTask([{ busy: 30, throughput: 100 }, { busy: 20, throughput: 200 }], 1), 0.1, '200 completions: this tick alone');
  t.is(pooledBusyPerTask([{ busy: 3, throughput: 0 }], 1), null, 'no completion: not known');
});

test('when the stage runs over ticks of long tasks, then its demand grow uses the pooled busy time per task, not one tick\'s count', (t) => {
  // 3.5 tasks a second offered (completions plus the queue's growth), 2.5 s each: 8.75 busy workers, 13 at the band's middle.
  const tick = (throughput: number, busy: number) => signals({ utilization: busy / 8, throughput, demand: null, queueGrowth: 3.5 - throughput, busy, busyPerTask: busy / throughput, cpu: measured.cpu });
  let state = demandStage.init() as DemandState;
  let last = { size: 0, reason: '' } as { size: number; reason: string };
  for (const [tp, busy] of [[3, 7.5], [4, 8], [3.5, 8], [3, 8], [2, 8]] as const) {
    const out = demandStage.apply({ size: 10, reason: 'above-band' }, stageCtx({ signals: tick(tp, busy), base: 8 }), state);
    state = out.state as DemandState;
    last = out.proposal;
  }
  // The last tick alone: 8 / 2 = 4 s a task, 3.5 x 4 / 0.725 = 20, doubled at most: 16.
  t.deepEqual(last, { size: 13, reason: 'demand' }, '39.5 busy worker-seconds over 15.5 completions: 2.55 s a task, 3.5 x 2.55 / 0.725 = 12.3');
});

test('when a tick offers a handful of tasks, then its demand is the latest ticks\' mean until they hold MIN_TASKS, not its own Poisson count', (t) => {
  // 2.5 s tasks at about 3.5 a second: this tick counted 7 arrivals (2 completions, the queue up by 5).
  const c = stageCtx({ signals: signals({ throughput: 2, demand: null, queueGrowth: 5, busyPerTask: 2.5, cpu: measured.cpu }), base: 8 });
  t.is(demandSize(c, [3, 4, 3, 3, 7], 7), 14, 'the last five ticks hold 20: 4 a second, 4 x 2.5 / 0.725 = 13.8');
  t.is(demandSize(c, [7], 7), 25, 'no earlier tick: its own count, 7 x 2.5 / 0.725 = 24.1');
  const busy = stageCtx({ signals: signals({ throughput: 180, demand: null, queueGrowth: 40, busyPerTask: 0.1, cpu: measured.cpu }), base: 16 });
  t.is(demandSize(busy, [100, 100, 100, 100, 220], 220), 31, 'a tick of 220 arrivals stands on its own: 220 x 0.1 / 0.725 = 30.3');
});
