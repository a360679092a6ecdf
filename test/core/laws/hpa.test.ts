import test from 'ava';
import {
  HPA_POLICY_PERIOD_MS,
  HPA_SCALE_UP_PERCENT,
  HPA_SCALE_UP_PODS,
  HPA_STABILIZATION_MS,
  HPA_TOLERANCE,
  desiredReplicas,
  hpaLaw,
  scaleUpLimit,
} from '../../../src/core/laws/hpa.js';
import { getLaw, lawNames } from '../../../src/core/index.js';
import { ctx } from './ctx.js';
import { atUtilization, drive, moves, start } from '../helpers.js';

const fresh = () => hpaLaw.init(20, ctx(20, 0.7).params);

test('when HPA is registered, then it keeps the published constants and none of our stages', (t) => {
  t.true(lawNames().includes('hpa'));
  t.is(getLaw('hpa').name, 'hpa');
  t.deepEqual(
    [HPA_TOLERANCE, HPA_STABILIZATION_MS, HPA_SCALE_UP_PODS, HPA_SCALE_UP_PERCENT, HPA_POLICY_PERIOD_MS],
    [0.1, 300_000, 4, 100, 15_000],
  );
  t.deepEqual(hpaLaw.stages.map((stage) => stage.name), ['backoff', 'bounds']);
  t.is(hpaLaw.maxStep(20, ctx(20, 1).params), Number.POSITIVE_INFINITY);
});

// The target is the band's middle, 0.725: the tolerance holds utilization in [0.6525, 0.7975].
const calc: [number, number, string][] = [
  [0.725, 20, 'at the target'],
  [0.79, 20, 'inside the tolerance, above'],
  [0.66, 20, 'inside the tolerance, below'],
  [0.8, 23, 'just outside, above: ceil(20 * 0.8 / 0.725) = ceil(22.07)'],
  [0.65, 18, 'just outside, below: ceil(20 * 0.65 / 0.725) = ceil(17.93)'],
  [1, 28, 'full: ceil(27.59)'],
  [0.2, 6, 'nearly idle: ceil(5.52)'],
];
for (const [u, size, what] of calc) {
  test(`when utilization is ${u} (${what}), then HPA's calculator proposes ${size}`, (t) => {
    t.is(desiredReplicas(ctx(20, u)), size);
  });
}

test('when the sample covers fewer workers than asked for, then the missing count as full on a shrink and empty on a grow', (t) => {
  const missing = (u: number) => ctx(14, u, { signals: { ...ctx(14, u).signals, size: 10 } });
  // Shrink: 5 busy of 10 reported plus 4 missing at full = 9 / 14 = 0.643, ratio 0.887 -> ceil(12.41).
  t.is(desiredReplicas(missing(0.5)), 13);
  // Grow: 10 busy of 10 reported plus 4 missing at empty = 10 / 14 = 0.714, ratio 0.985: inside the tolerance.
  t.is(desiredReplicas(missing(1)), 14);
  // Without the missing workers the same samples would move the pool.
  t.is(desiredReplicas(ctx(10, 1)), 14);
});

test('when a grow is proposed, then it is at most the larger of +4 and +100 % over the period start', (t) => {
  t.is(scaleUpLimit(2, 0), 6);
  t.is(scaleUpLimit(10, 0), 20);
  t.is(scaleUpLimit(20, 10), 20, 'grown from 10 to 20 within the period: no more');
  t.is(scaleUpLimit(14, 4), 20, 'grown from 10 to 14: up to 20');
});

test('when utilization stays full, then HPA grows 10 -> 14 -> 20 and waits for the 15 s policy period', (t) => {
  const s0 = start({ n: 16, params: { law: 'hpa' } });
  const run = drive(s0, 0, 40_000, atUtilization(1), { startSize: 10 });
  t.deepEqual(run.sizes.slice(0, 5), [14, 20, 20, 20, 20]);
  t.like(run.decisions[2], { action: 'hold', reason: 'law' });
  // Events at 1 s (+4) and 2 s (+6): at 16 s only the second is inside the period (start 14): up to 28.
  t.is(run.sizes[14], 20);
  t.is(run.sizes[15], 28);
  // At every tick, the size is within max(+4, +100 %) of the size one policy period earlier.
  const before = (i: number): number => (i < 15 ? 10 : (run.sizes[i - 15] as number));
  run.sizes.forEach((size, i) => t.true(size <= Math.max(before(i) + 4, 2 * before(i)), `tick ${i + 1}: ${size} from ${before(i)}`));
  t.is(Math.max(...run.sizes), 64, 'up to the hard max');
});

test('when a burst ends, then HPA does not shrink within the stabilization window, and shrinks at its end', (t) => {
  const s0 = start({ n: 16, params: { law: 'hpa' } });
  const burst = drive(s0, 0, 60_000, atUtilization(1), { startSize: 16 });
  const top = burst.sizes[burst.sizes.length - 1] as number;
  const quiet = drive(burst.state, 60_000, 400_000, atUtilization(0.2));
  const shrinks = moves(quiet.decisions);
  t.true(shrinks.length > 0);
  // The last full recommendation was at 60 s: it leaves the 300 s window at 360 s exactly.
  t.like(shrinks[0], { ts: 360_000, action: 'shrink', from: top });
  t.like(quiet.decisions.find((d) => d.ts === 359_000), { action: 'hold', reason: 'stabilized', to: top });
  // The shrink goes down to the highest recommendation left in the window, in one move.
  t.is(shrinks.length, 1);
  t.is(shrinks[0]?.to, Math.ceil(Math.round(0.2 * top) / 0.725 - 1e-9));
});

test('when the stabilization window is configured, then HPA uses it', (t) => {
  const s0 = start({ n: 16, params: { law: 'hpa', hpaStabilizationMs: 30_000 } });
  const burst = drive(s0, 0, 60_000, atUtilization(1), { startSize: 16 });
  const quiet = drive(burst.state, 60_000, 120_000, atUtilization(0.2));
  t.like(moves(quiet.decisions)[0], { ts: 90_000, action: 'shrink' });
});

test('when utilization holds inside the tolerance but outside our band, then HPA holds and says it is its own rule', (t) => {
  // Band [0.70, 0.80]: target 0.75, tolerance [0.675, 0.825]; 0.82 is over the band yet held.
  const r = hpaLaw.step(fresh(), ctx(20, 0.82, { band: { low: 0.7, high: 0.8 } }));
  t.deepEqual(r.proposal, { size: 20, reason: 'law' });
  t.deepEqual(hpaLaw.step(fresh(), ctx(20, 0.7)).proposal, { size: 20, reason: 'in-band' });
});
