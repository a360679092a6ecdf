// Kubernetes' own HPA test cases, ported with the same inputs and expected replicas, from
// kubernetes/kubernetes pkg/controller/podautoscaler/:
//   - replica_calculator_test.go at commit 00067268967ec95a40035bd666374a1caf48dd1a (the
//     resource-utilization cases that apply to one pool: ready pods, CPU, tolerance 0.1;
//     unready, hot-CPU, pending, rolling-update and custom/external-metric cases do not
//     apply); "L444" is the line of the Go test function in that version;
//   - horizontal_test.go at commit 003e86297d18a8538c9da3619871393f9703bf70
//     (TestNormalizeDesiredReplicas, TestNormalizeDesiredReplicasWithBehavior and the
//     default-behavior cases of TestScalingWithRules), cited by function and case name: that
//     file is 204 kB and the repository is over the size our source mirror can copy, so its
//     line numbers could not be counted.
import test from 'ava';
import { desiredReplicas, hpaLaw, scaleDownLimit, scaleUpLimit, stabilize } from '../../../src/core/laws/hpa.js';
import { ctx } from './ctx.js';

/**
 * GetResourceReplicas on one pool: `usedMilli` of `requestedMilli` CPU over the `reported`
 * pods that have metrics, out of `current` replicas. HPA's utilization is whole percent
 * (metrics.GetResourceUtilizationRatio: metricsTotal * 100 / requestsTotal in integers).
 */
function calc(current: number, reported: number, usedMilli: number, requestedMilli: number, targetPercent: number): number {
  const utilization = Math.trunc((usedMilli * 100) / requestedMilli) / 100;
  const target = targetPercent / 100;
  const base = ctx(current, utilization, { band: { low: target, high: target } });
  return desiredReplicas({ ...base, signals: { ...base.signals, size: reported } });
}

// [Go test function, what, current replicas, pods with metrics, used milli-CPU, requested milli-CPU, target %, expected]
const calculator: [string, string, number, number, number, number, number, number][] = [
  ['TestReplicaCalcScaleUp L444', 'levels 300, 500, 700 of 1.0 each: 50 % / 30 %', 3, 3, 1500, 3000, 30, 5],
  ['TestReplicaCalcScaleUpIgnoresFailedPods L534', 'the 2 running pods, 500 + 700: 60 % / 30 %', 2, 2, 1200, 2000, 30, 4],
  ['TestReplicaCalcScaleUpIgnoresDeletionPods L553', 'the 2 pods not being deleted, 500 + 700', 2, 2, 1200, 2000, 30, 4],
  ['TestReplicaCalcScaleDown L745', 'levels 100, 300, 500, 250, 250: 28 % / 50 %', 5, 5, 1400, 5000, 50, 3],
  ['TestReplicaCalcScaleDownIgnoresFailedPods L903', 'the 5 running pods: 28 % / 50 %', 5, 5, 1400, 5000, 50, 3],
  ['TestReplicaCalcScaleDownIgnoresDeletionPods L922', 'the 5 pods not being deleted: 28 % / 50 %', 5, 5, 1400, 5000, 50, 3],
  ['TestReplicaCalcTolerance L942', 'levels 1010, 1030, 1020 of 0.9, 1.0, 1.1: 102 % / 100 %, inside 0.1', 3, 3, 3060, 3000, 100, 3],
  ['TestReplicaCalcSuperfluousMetrics L1045', 'the 4 pods of the target, 4000 + 9500 + 3000 + 7000: 587 %', 4, 4, 23_500, 4000, 100, 24],
  ['TestReplicaCalcMissingMetrics L1061', '400 + 95 on 2 of 4 pods: 24 %, the 2 missing count as 100 % on a scale-down', 4, 2, 495, 2000, 100, 3],
  ['TestReplicaCalcMissingMetricsNoChangeEq L1108', '1000 on 1 of 2 pods: 100 %, no change', 2, 1, 1000, 1000, 100, 2],
  ['TestReplicaCalcMissingMetricsNoChangeGt L1125', '1900 on 1 of 2 pods: 190 %, the missing one as 0 % makes 95 %', 2, 1, 1900, 1000, 100, 2],
  ['TestReplicaCalcMissingMetricsNoChangeLt L1142', '600 on 1 of 2 pods: 60 %, the missing one as 100 % makes 80 % -> ceil(1.6)', 2, 1, 600, 1000, 100, 2],
  // 10 pods at 150 m of 300 m requested (50 %); target int32((1 / (2 x 0.9) + 0.01) x 100) = 56.
  ['TestReplicaCalcComputedToleranceAlgImplementation L1271 (target at L1284)', 'first run: 50 % / 56 %, ratio 0.893 just outside 0.1', 10, 10, 1500, 3000, 56, 9],
  // The same pods, target int32((1 / (2 x 0.9) + 0.004) x 100) = 55: ratio 0.909, inside.
  ['TestReplicaCalcComputedToleranceAlgImplementation L1271 (target at L1332)', 'second run ("unscaling"): 50 % / 55 %', 10, 10, 1500, 3000, 55, 10],
];

for (const [fn, what, current, reported, used, requested, target, expected] of calculator) {
  test(`replica_calculator_test.go ${fn} (${what}): when ${current} replicas, then ${expected}`, (t) => {
    t.is(calc(current, reported, used, requested, target), expected);
  });
}

const NOW = 10_000_000;
const ago = (minutes: number) => NOW - minutes * 60_000;
type Rec = { ts: number; size: number };
const recs = (...pairs: [number, number][]): Rec[] => pairs.map(([size, minutes]) => ({ size, ts: ago(minutes) }));

// TestNormalizeDesiredReplicas: the legacy stabilizeRecommendation (5 min window, the highest
// recommendation in it). Ours is the behaviors path with the default scale-up window (0 s),
// from a size above every recommendation: the same answer. (Kubernetes' log length, which
// reuses an obsolete slot instead of dropping it, is storage, not behaviour: not ported.)
const legacy: [string, Rec[], number, number][] = [
  ['empty log', [], 5, 5],
  ['stabilize', recs([4, 2], [5, 1]), 3, 5],
  ['no stabilize', recs([1, 2], [2, 1]), 3, 3],
  ['no stabilize - old recommendations', recs([10, 10], [9, 9]), 3, 3],
  ['stabilize - old recommendations', recs([10, 10], [4, 1], [5, 2], [9, 9]), 3, 5],
];
for (const [name, history, desired, expected] of legacy) {
  test(`horizontal_test.go TestNormalizeDesiredReplicas "${name}": when ${desired} is recommended, then ${expected}`, (t) => {
    t.is(stabilize(history, desired, 100, NOW, 300_000), expected);
  });
}

// TestNormalizeDesiredReplicasWithBehavior: stabilizeRecommendationWithBehaviors, windows in s.
// [case name, recommendations [size, minutes ago], current, prenormalized, up window, down window, expected]
const behavior: [string, [number, number][], number, number, number, number, number][] = [
  ['empty recommendations for scaling down', [], 100, 5, 0, 0, 5],
  ['simple scale down stabilization', [[4, 2], [5, 1]], 100, 3, 0, 180, 5],
  ['simple scale up stabilization', [[4, 2], [5, 1]], 1, 7, 300, 0, 4],
  ['no scale down stabilization', [[1, 2], [2, 1]], 100, 3, 300, 0, 3],
  ['no scale up stabilization', [[4, 2], [5, 1]], 1, 3, 0, 300, 3],
  ['no scale down stabilization, reuse recommendation element', [[10, 10], [9, 9]], 100, 3, 0, 0, 3],
  ['no scale up stabilization, reuse recommendation element', [[10, 10], [9, 9]], 1, 100, 0, 0, 100],
  ['scale down stabilization, reuse one of obsolete recommendation element', [[10, 10], [4, 1], [5, 2], [9, 9]], 100, 3, 0, 180, 5],
  ['scale up stabilization, reuse one of obsolete recommendation element', [[10, 100], [6, 1], [5, 2], [9, 3]], 1, 100, 300, 0, 5],
  ['scale up and down stabilization, do not scale up when prenormalized rec goes down', [[2, 100], [3, 3]], 2, 1, 300, 300, 2],
  ['scale up and down stabilization, do not scale down when prenormalized rec goes up', [[2, 100], [1, 3]], 2, 3, 300, 300, 2],
];
for (const [name, history, current, desired, upS, downS, expected] of behavior) {
  test(`horizontal_test.go TestNormalizeDesiredReplicasWithBehavior "${name}": when ${current} -> ${desired}, then ${expected}`, (t) => {
    t.is(stabilize(recs(...history), desired, current, NOW, downS * 1000, upS * 1000), expected);
  });
}

// TestScalingWithRules, the cases under the default behavior (autoscaling/v2 defaults: scale up
// by max(4 pods, 100 %) per 15 s, scale down 100 % per 15 s); the HPA's min/max replicas are our
// bounds stage, not the law. Previous events 120 s long are all outside the 15 s period.
test('horizontal_test.go TestScalingWithRules "scaleUp with default behavior": when 10 -> 50, then 20', (t) => {
  t.is(Math.min(50, scaleUpLimit(10, 0)), 20);
});
test('horizontal_test.go TestScalingWithRules "prenormalized desired replicas within range": when 5 -> 7, then 7', (t) => {
  t.is(Math.min(7, scaleUpLimit(5, 0)), 7);
});
test('horizontal_test.go TestScalingWithRules "scaleDown with default policy and previous events": when 10 -> 5, then 5', (t) => {
  t.is(Math.max(5, scaleDownLimit(10, 0)), 5);
});

// Whole reconciles (calculator, stabilization, rate limits) from horizontal_test.go: CPU target
// 50 %, 5 replicas at 100, 300, 500, 250, 250 milli-CPU of 1.0 (28 %). With a recommendation log
// that exists but is empty (`recommendations: []timestampedRecommendation{}`) HPA scales to 3;
// with none (`nil`), recordInitialRecommendation stores the 5 current replicas first and the
// scale-down window holds them.
const reconcile = (state: ReturnType<typeof hpaLaw.init>, size: number, u: number, target: number) =>
  hpaLaw.step(state, ctx(size, u, { nowMs: NOW, band: { low: target, high: target } })).proposal.size;
const synced = () => ({ ...hpaLaw.init(5, ctx(5, 0.28).params), syncedAtMs: NOW - 15_000, utilizationSum: 0, ticks: 0 });

test('horizontal_test.go TestScaleDown: when 5 replicas are at 28 % of a 50 % target and the log is empty, then 3', (t) => {
  t.is(reconcile(synced(), 5, 0.28, 0.5), 3);
});
test('horizontal_test.go TestScaleDownStabilizeInitialSize: when the same 5 replicas have no log yet, then they stay 5', (t) => {
  t.is(reconcile(hpaLaw.init(5, ctx(5, 0.28).params), 5, 0.28, 0.5), 5);
});
test('horizontal_test.go TestScaleUpOneMetricEmpty: when 3 replicas are at 300, 400, 500 of 1.0 (40 %) and the target is 30 %, then 4', (t) => {
  // The external metric of that case fails; HPA goes on with the CPU one, which is all a pool has.
  t.is(reconcile(synced(), 3, 0.4, 0.3), 4);
});

// horizontal.go, recordInitialRecommendation: the first reconcile stores the current replicas
// as a recommendation, so the scale-down window holds them.
test('horizontal.go recordInitialRecommendation: when HPA first syncs an idle pool of 20, then it records 20 and holds', (t) => {
  const r = hpaLaw.step(hpaLaw.init(20, ctx(20, 0.1).params), ctx(20, 0.1, { nowMs: NOW }));
  t.is(r.proposal.size, 20);
  t.deepEqual(r.state.recommendations[0], { ts: NOW, size: 20 });
  t.is(r.state.recommendations.length, 2, 'then this sync\'s own recommendation');
});
