import test from 'ava';
import {
  HPA_POLICY_PERIOD_MS,
  HPA_SCALE_UP_PERCENT,
  HPA_SCALE_UP_PODS,
  HPA_STABILIZATION_MS,
  HPA_SYNC_PERIOD_MS,
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

test('when utilization stays full, then HPA grows once a 15 s sync: 10 -> 14 -> 20 -> 28, within +100 % a policy period', (t) => {
  t.is(HPA_SYNC_PERIOD_MS, 15_000);
  const s0 = start({ n: 16, params: { law: 'hpa' } });
  const run = drive(s0, 0, 50_000, atUtilization(1), { startSize: 10 });
  t.deepEqual(moves(run.decisions).map((d) => [d.ts, d.to]), [
    [1000, 14],
    [16_000, 20],
    [31_000, 28],
    [46_000, 39],
  ]);
  t.like(run.decisions[1], { action: 'hold', reason: 'law' }, 'between syncs HPA holds');
  const before = (i: number): number => (i < 15 ? 10 : (run.sizes[i - 15] as number));
  run.sizes.forEach((size, i) => t.true(size <= Math.max(before(i) + 4, 2 * before(i)), `tick ${i + 1}: ${size} from ${before(i)}`));
});

test('when a sync comes, then it reads the utilization averaged since the last one', (t) => {
  // Full for 14 ticks then one idle tick: the sync at 16 s sees 14 x 1 + 0.2 over 15 ticks.
  const s0 = start({ n: 16, params: { law: 'hpa' } });
  const run = drive(s0, 0, 16_000, (now) => atUtilization(now === 16_000 ? 0.2 : 1), { startSize: 20 });
  const at16 = run.decisions.find((d) => d.ts === 16_000);
  t.like(at16, { action: 'grow' }, 'one idle tick does not undo 14 full ones');
});

// horizontal.go, recordInitialRecommendation: the first sync records the current replicas,
// so the scale-down stabilization window holds them for its whole length after start.
test('when HPA starts on an idle pool, then it does not shrink below the starting size for the 300 s window', (t) => {
  const s0 = start({ n: 16, params: { law: 'hpa' } });
  const run = drive(s0, 0, 320_000, atUtilization(0.2), { startSize: 32 });
  const first = moves(run.decisions)[0];
  t.like(first, { ts: 301_000, action: 'shrink', from: 32 });
  t.true(run.decisions.filter((d) => d.ts < 301_000).every((d) => d.action === 'hold'));
});

test('when a burst ends, then HPA does not shrink within the stabilization window of its last full recommendation', (t) => {
  const s0 = start({ n: 16, params: { law: 'hpa' } });
  const burst = drive(s0, 0, 60_000, atUtilization(1), { startSize: 16 });
  const top = burst.sizes[burst.sizes.length - 1] as number;
  const quiet = drive(burst.state, 60_000, 420_000, atUtilization(0.2));
  const shrinks = moves(quiet.decisions).filter((d) => d.action === 'shrink');
  // The sync at 61 s still averages 14 full ticks (it grows once more): its recommendation leaves the window at 361 s.
  const peak = Math.max(...quiet.sizes);
  t.like(shrinks[0], { ts: 361_000, action: 'shrink', from: peak });
  t.true(peak >= top);
  t.true(quiet.decisions.filter((d) => d.ts > 61_000 && d.ts < 361_000).every((d) => d.action === 'hold'));
});

test('when the stabilization window is configured, then HPA uses it', (t) => {
  const s0 = start({ n: 16, params: { law: 'hpa', hpaStabilizationMs: 30_000 } });
  const burst = drive(s0, 0, 60_000, atUtilization(1), { startSize: 16 });
  const quiet = drive(burst.state, 60_000, 120_000, atUtilization(0.2));
  t.like(moves(quiet.decisions).find((d) => d.action === 'shrink'), { ts: 91_000, action: 'shrink' });
});

test('when utilization holds inside the tolerance but outside our band, then HPA holds and says it is its own rule', (t) => {
  // Band [0.70, 0.80]: target 0.75, tolerance [0.675, 0.825]; 0.82 is over the band yet held.
  const r = hpaLaw.step(fresh(), ctx(20, 0.82, { band: { low: 0.7, high: 0.8 } }));
  t.deepEqual(r.proposal, { size: 20, reason: 'law' });
  t.deepEqual(hpaLaw.step(fresh(), ctx(20, 0.7)).proposal, { size: 20, reason: 'in-band' });
});
