import test from 'ava';
import { CEILING, ceilingStage, descentTarget, flatGrow, initCeiling, kneeEstimate, meanOf, recent } from '../../../src/core/stages/ceiling.js';
import type { CeilingState, Reading as Chained, Visit } from '../../../src/core/stages/ceiling.js';
import { CEILING_RETRY_COOLDOWNS } from '../../../src/core/stages/cpu-guard.js';
import { stepStage } from '../../../src/core/stages/limits.js';
import { stabilizationStage } from '../../../src/core/stages/stabilization.js';
import { thrashStage } from '../../../src/core/stages/thrash.js';
import type { Proposal } from '../../../src/core/stages/stage.js';
import type { Signals } from '../../../src/core/types.js';
import { cpu, signals, stageCtx } from './ctx.js';

/** One tick's reading: throughput, busy time per task, utilization and whether work waited. */
interface Reading {
  x: number;
  s: number;
  u: number;
  backlog?: boolean;
  sig?: Partial<Signals>;
}

const FREE = cpu({ cpus: 1, waiting: 0, runDelay: 0, runnablePerBusy: 0.1 });
const GROW = (base: number): Proposal => ({ size: base + 2, reason: 'above-band' });

/** Feeds `ticks` readings at `size` (one tick a second from `t`), the law proposing `propose(size)` each tick, in a pool of max `max`. */
function stay(state: CeilingState, size: number, r: Reading, ticks: number, t: number, propose: (base: number) => Proposal = GROW, max = 32) {
  let s = state;
  let proposal: Proposal = { size, reason: 'in-band' };
  for (let i = 0; i < ticks; i += 1) {
    const sig = signals({
      throughput: r.x, busyPerTask: r.s, utilization: r.u, cpu: FREE,
      queueStall: r.backlog === true ? 0.2 : 0, demand: r.backlog === true ? r.x * 1.1 : r.x, ...r.sig,
    });
    const out = ceilingStage.apply(propose(size), stageCtx({ signals: sig, base: size, reported: size, nowMs: t + i * 1000, maxStep: Math.max(1, Math.ceil(size / 4)), bounds: { min: 4, max } }), s);
    s = out.state as CeilingState;
    proposal = out.proposal;
  }
  return { state: s, proposal, t: t + ticks * 1000 };
}

/** A device that serves 200 tasks/s whatever the threads: each added one only queues. */
const atDisk = (size: number): Reading => ({ x: 200, s: size / 200, u: 1, backlog: true });
/** Pure latency, 0.1 s a task: throughput grows with the pool. */
const atLatency = (size: number): Reading => ({ x: size * 10, s: 0.1, u: 1, backlog: true });

function visit(size: number, x: number, s: number, u = 1): Visit {
  let last: Chained | null = null;
  for (let i = 0; i < 5; i += 1) last = { throughput: x, busyPerTask: s, utilization: u, backlogged: 1, prev: last, depth: i + 1 };
  return { size, last, readings: 5, ticks: 6, judged: false };
}

test('when a grow leaves throughput flat while the busy time per task rises with the size, then it is flat; otherwise not', (t) => {
  // 8 -> 10 workers (+25 %): flat throughput and busy time per task +25 %.
  t.true(flatGrow(visit(8, 200, 0.04), visit(10, 200, 0.05), 0.85, 1000));
  t.false(flatGrow(visit(8, 200, 0.04), visit(10, 250, 0.04), 0.85, 1000), 'throughput rose with the pool');
  t.false(flatGrow(visit(8, 200, 0.04), visit(10, 200, 0.0445), 0.85, 1000), 'busy time per task rose 11 %, under half the size rise (12.5 %)');
  t.true(flatGrow(visit(8, 200, 0.04), visit(10, 200, 0.0455), 0.85, 1000), 'rose 13.75 %, over half the size rise');
  t.false(flatGrow(visit(8, 200, 0.04), visit(10, 200, 0.05, 0.8), 0.85, 1000), 'the pool fell inside the band: it was not short');
  // 20 completions a second over 5 ticks: the noise (2 sigma = 28 %) hides a 25 % rise.
  t.false(flatGrow(visit(8, 20, 0.4), visit(10, 20, 0.5), 0.85, 1000), 'a rise inside the Poisson noise is no evidence');
});

test('when one grow is flat, then nothing is learned; when the next is flat too, then the pool steps back to where they started', (t) => {
  let r = stay(initCeiling(), 8, atDisk(8), 10, 0);
  r = stay(r.state, 10, atDisk(10), 1 + CEILING.judgeTicks, r.t);
  t.is(r.state.ceiling, null, 'one flat grow may be I/O latency that rose as the pool grew');
  t.is(r.state.flatFrom, 8);
  r = stay(r.state, 13, atDisk(13), 1 + CEILING.judgeTicks, r.t);
  t.is(r.state.ceiling, 8);
  t.deepEqual(r.proposal, { size: 8, reason: 'ceiling' });
});

test('when a flat grow reaches the pool\'s max with work waiting at both sizes, then it steps back at once; without work waiting, one flat grow is still nothing', (t) => {
  // No second grow can come from the max: the step back is the test.
  let r = stay(initCeiling(), 8, atDisk(8), 10, 0, GROW, 10);
  r = stay(r.state, 10, atDisk(10), 1 + CEILING.judgeTicks, r.t, GROW, 10);
  t.is(r.state.ceiling, 8);
  t.deepEqual(r.proposal, { size: 8, reason: 'ceiling' });
  // The same flat grow with no backlog (I/O latency that rose while the load was served): not a limit.
  const served = (size: number): Reading => ({ ...atDisk(size), backlog: false });
  let q = stay(initCeiling(), 8, served(8), 10, 0, GROW, 10);
  q = stay(q.state, 10, served(10), 1 + CEILING.judgeTicks, q.t, GROW, 10);
  t.is(q.state.ceiling, null);
  t.is(q.state.flatFrom, 8);
});

test('when a grow paid between two flat ones, then the first no longer counts', (t) => {
  let r = stay(initCeiling(), 8, atDisk(8), 10, 0);
  r = stay(r.state, 10, atDisk(10), 1 + CEILING.judgeTicks, r.t);
  r = stay(r.state, 13, { x: 260, s: 0.05, u: 1, backlog: true }, 1 + CEILING.judgeTicks, r.t);
  t.is(r.state.flatFrom, null, 'throughput rose 30 %: the limit moved');
  r = stay(r.state, 16, { x: 260, s: 16 / 260, u: 1, backlog: true }, 1 + CEILING.judgeTicks, r.t);
  t.is(r.state.ceiling, null, 'one flat grow again');
  t.is(r.state.flatFrom, 13);
});

test('when throughput grows with the pool (pure latency), then no ceiling is ever learned', (t) => {
  let r = stay(initCeiling(), 8, atLatency(8), 10, 0);
  for (const size of [10, 13, 17, 22, 28]) r = stay(r.state, size, atLatency(size), 1 + CEILING.judgeTicks, r.t);
  t.is(r.state.ceiling, null);
  t.is(r.state.flatFrom, null);
  t.deepEqual(r.proposal, GROW(28));
});

test('when the step back towards the knee loses throughput, then the pool goes back to where the flat grows started', (t) => {
  let r = stay(initCeiling(), 6, { x: 150, s: 0.022, u: 0.55 }, 10, 0);
  r = stay(r.state, 16, atDisk(16), 10, r.t);
  r = stay(r.state, 20, atDisk(20), 1 + CEILING.judgeTicks, r.t);
  r = stay(r.state, 25, atDisk(25), 1 + CEILING.judgeTicks, r.t);
  r = stay(r.state, 8, { ...atDisk(8), x: 150, s: 8 / 150 }, 1 + CEILING.descentTicks, r.t, () => ({ size: 8, reason: 'in-band' }));
  t.is(r.state.ceiling, 16);
  t.deepEqual(r.proposal, { size: 16, reason: 'ceiling' });
});

test('when the CPUs are saturated or not known free, then the stage learns nothing (the CPU guard decides)', (t) => {
  const saturated = cpu({ cpus: 7.5, waiting: 0, runDelay: 0, runnablePerBusy: 1 });
  const none: Partial<Signals> = { cpu: { ...FREE, source: 'none', cpus: null }, idleInformative: false };
  for (const sig of [{ cpu: saturated }, none]) {
    let r = stay(initCeiling(), 8, { ...atDisk(8), sig }, 10, 0);
    for (const size of [10, 13, 16]) r = stay(r.state, size, { ...atDisk(size), sig }, 1 + CEILING.judgeTicks, r.t);
    t.is(r.state.ceiling, null);
  }
});

/** A pool that learned a ceiling of 16 (flat grows 16 -> 20 -> 25) and stepped back to it. */
function learned() {
  let r = stay(initCeiling(), 16, atDisk(16), 10, 0);
  r = stay(r.state, 20, atDisk(20), 1 + CEILING.judgeTicks, r.t);
  r = stay(r.state, 25, atDisk(25), 1 + CEILING.judgeTicks, r.t);
  return stay(r.state, 16, atDisk(16), 1 + CEILING.judgeTicks, r.t);
}

test('when at the ceiling the pool stays over the band, then it probes down an eighth of the pool', (t) => {
  const r = learned();
  t.is(r.state.heldAt, 16, 'the size known to keep throughput');
  t.is(r.state.ceiling, 14, 'the step down moves the ceiling; the pool follows');
  t.true(r.state.descending);
  t.deepEqual(r.proposal, { size: 14, reason: 'ceiling' });
  t.is(descentTarget(16, null), 14);
  t.is(descentTarget(6, null), 5, 'at least one worker');
  t.is(descentTarget(16, 6), 11, 'halfway to a knee further than an eighth');
});

test('when a step down keeps throughput (within 2 %) with work waiting, then the ceiling comes down; when it loses 2 %, then the pool goes back up', (t) => {
  const held = stay(learned().state, 14, { ...atDisk(14), x: 200 * 0.981 }, 1 + CEILING.descentTicks, 100_000);
  t.is(held.state.heldAt, 14);
  t.is(held.state.ceiling, 12, 'and the next step down follows');
  t.is(held.state.descending, true);
  const lost = stay(learned().state, 14, { ...atDisk(14), x: 200 * 0.979 }, 1 + CEILING.descentTicks, 100_000, () => ({ size: 14, reason: 'in-band' }));
  t.is(lost.state.ceiling, 16);
  t.false(lost.state.descending);
  t.deepEqual(lost.proposal, { size: 16, reason: 'ceiling' }, 'back up at once');
});

test('when a step down is judged without work waiting, then it tells nothing and the pool goes back up', (t) => {
  const r = stay(learned().state, 14, { ...atDisk(14), backlog: false }, 1 + CEILING.descentTicks, 100_000, () => ({ size: 14, reason: 'in-band' }));
  t.is(r.state.ceiling, 16);
  t.deepEqual(r.proposal, { size: 16, reason: 'ceiling' });
});

test('while a step down is being judged, then no grow goes back up before the verdict', (t) => {
  const r = stay(learned().state, 14, atDisk(14), 3, 100_000);
  t.deepEqual(r.proposal, { size: 14, reason: 'ceiling' });
});

test('when an uncontended visit gave the busy time per task, then the step back goes towards the knee Little\'s law gives, at most halving', (t) => {
  // 150 tasks/s at 6 workers, 0.022 s each, in band: 200/s x 0.022 / 0.85 = 5.2 -> 6 workers.
  let r = stay(initCeiling(), 6, { x: 150, s: 0.022, u: 0.55 }, 10, 0);
  r = stay(r.state, 16, atDisk(16), 10, r.t);
  t.is(kneeEstimate(r.state, 200, 0.85), 6);
  r = stay(r.state, 20, atDisk(20), 1 + CEILING.judgeTicks, r.t);
  r = stay(r.state, 25, atDisk(25), 1 + CEILING.judgeTicks, r.t);
  t.is(r.state.ceiling, 8, 'at most half of 16');
  t.is(r.state.heldAt, 16, 'the step back to 8 is judged like a step down');
  r = stay(r.state, 8, atDisk(8), 1 + CEILING.descentTicks, r.t);
  t.is(r.state.heldAt, 8);
  t.deepEqual(r.proposal, { size: 7, reason: 'ceiling' }, 'halfway to 6');
  r = stay(r.state, 7, atDisk(7), 1 + CEILING.descentTicks, r.t);
  r = stay(r.state, 6, atDisk(6), 1 + CEILING.descentTicks, r.t);
  t.is(r.state.ceiling, 6);
  t.deepEqual(r.proposal, { size: 6, reason: 'ceiling' }, 'no step below the knee');
});

test('when the retry time passes, then the ceiling is dropped and the next grow is one step; a flat one finds it again and doubles the wait', (t) => {
  const r0 = learned();
  const waitMs = 30_000 * CEILING_RETRY_COOLDOWNS;
  // Held at the ceiling (the law in band) until the retry time.
  let r = stay(r0.state, 16, { ...atDisk(16), u: 0.8 }, 1, r0.t + waitMs, () => ({ size: 40, reason: 'demand' }));
  t.is(r.state.ceiling, null);
  t.deepEqual(r.proposal, { size: 20, reason: 'demand' }, 'one law step (16 / 4), not the demand jump');
  r = stay(r.state, 20, atDisk(20), 1 + CEILING.judgeTicks, r.t);
  t.is(r.state.ceiling, 16, 'one flat grow from a known ceiling suffices');
  t.is(r.state.retryScale, 2);
});

test('when a stay lasts long, then its last 10 readings are kept (the chain is cut back, never copied each tick)', (t) => {
  const r = stay(initCeiling(), 8, atDisk(8), 100, 0);
  const cur = r.state.current!;
  t.is(cur.readings, 99, 'the first tick of a stay is not read');
  t.true((cur.last?.depth ?? 0) <= 2 * CEILING.keepTicks);
  t.is(recent(cur).length, CEILING.keepTicks);
  t.is(meanOf(cur, 'throughput'), 200);
});

test('when a move goes to a measured ceiling, then the step limit, the thrash penalty and the stabilization window let it through', (t) => {
  const back = { size: 6, reason: 'ceiling' as const };
  const c = stageCtx({ base: 20, maxStep: 5, moves: { grow: null, shrink: { atMs: 99_000, from: 22, to: 20, acting: true }, holds: 5, failedGrowMs: null, failedGrowAt: null, failedGrowScale: 1, shrinkScale: 4, shrinkScaleSinceMs: 0 } });
  t.deepEqual(stepStage.apply(back, c, null).proposal, back);
  t.deepEqual(thrashStage.apply(back, c, null).proposal, back);
  t.deepEqual(stabilizationStage.apply(back, c, { window: [{ ts: 99_000, size: 20 }], recurredAtMs: null, lowSinceRise: null }).proposal, back);
  t.deepEqual(stepStage.apply({ size: 6, reason: 'below-band' }, c, null).proposal, { size: 15, reason: 'below-band' }, 'the law\'s own shrink keeps maxStep');
});
