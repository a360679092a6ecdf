// Kubernetes' Horizontal Pod Autoscaler rule, applied to a pool's workers as HPA applies it
// to a Deployment's pods. Each tick is one HPA sync:
//   1. replica calculator (pkg/controller/podautoscaler/replica_calculator.go):
//      desired = ceil(workers * utilization / target), the target at the band's middle, no
//      change while |1 - ratio| <= tolerance; workers the sample does not cover yet (asked
//      for, not reported: HPA's "missing pods") count as full on a scale-down and as empty
//      on a scale-up, and hold when that flips the direction;
//   2. stabilization (horizontal.go, stabilizeRecommendationWithBehaviors): a scale-down
//      goes only to the highest recommendation of the stabilization window;
//   3. rate limits (horizontal.go, calculateScaleUpLimitWithScalingRules and its scale-down
//      twin) with the default policies of pkg/apis/autoscaling/v2/defaults.go.
// The policy period is HPA's 15 s of wall time, not one tick: the scale events of the last
// period are kept here, as HPA keeps scaleUpEvents/scaleDownEvents. HPA syncs every 15 s
// (kube-controller-manager's --horizontal-pod-autoscaler-sync-period), not every tick: between
// syncs it holds, and a sync reads the utilization averaged since the last one (as a
// metrics-server window does). At its first sync HPA records the current replicas as a
// recommendation (horizontal.go, recordInitialRecommendation), so it cannot scale below them
// for one stabilization window after it starts.
import { PEER_STAGES, noStepLimit, peerReason } from './peer.js';
import { eraseLaw } from './law.js';
import type { Law, LawContext } from './law.js';
import type { Reason } from '../types.js';

/** replica_calculator.go / config/v1alpha1/defaults.go: HorizontalPodAutoscalerTolerance = 0.1. */
export const HPA_TOLERANCE = 0.1;
/** config/v1alpha1/defaults.go: HorizontalPodAutoscalerDownscaleStabilizationWindow = 5 min. */
export const HPA_STABILIZATION_MS = 300_000;
/** pkg/apis/autoscaling/v2/defaults.go: scaleUpStabilizationSeconds (unset: 0). */
export const HPA_SCALE_UP_STABILIZATION_MS = 0;
/** pkg/apis/autoscaling/v2/defaults.go: scaleUpLimitMinimumPods = 4 (Pods policy). */
export const HPA_SCALE_UP_PODS = 4;
/** pkg/apis/autoscaling/v2/defaults.go: scaleUpLimitPercent = 100 (Percent policy). */
export const HPA_SCALE_UP_PERCENT = 100;
/** pkg/apis/autoscaling/v2/defaults.go: scaleUpPeriod = scaleDownPeriod = 15 s. */
export const HPA_POLICY_PERIOD_MS = 15_000;
/** pkg/apis/autoscaling/v2/defaults.go: scaleDownLimitPercent = 100 (no rate limit in effect). */
export const HPA_SCALE_DOWN_PERCENT = 100;
/** kube-controller-manager's --horizontal-pod-autoscaler-sync-period default: 15 s. */
export const HPA_SYNC_PERIOD_MS = 15_000;

export interface HpaState {
  /** unstabilized recommendations inside the stabilization window, oldest first */
  recommendations: { ts: number; size: number }[];
  /** moves inside the policy period (+ grow, - shrink), stamped when they were decided */
  events: { ts: number; change: number }[];
  /** the size this law last moved from, to see what the controller made of its proposal */
  last: { size: number; ts: number } | null;
  /** the last sync, and the utilization summed over the ticks since (the next sync's average) */
  syncedAtMs?: number;
  utilizationSum?: number;
  ticks?: number;
}

/** Step 1: the replica calculator's desired size, before stabilization and rate limits. */
export function desiredReplicas(ctx: LawContext, tolerance = HPA_TOLERANCE): number {
  const target = (ctx.band.low + ctx.band.high) / 2;
  const reported = ctx.signals.size ?? ctx.size;
  const usageRatio = ctx.utilization / target;
  const missing = Math.max(0, ctx.size - reported);
  if (missing === 0) {
    if (Math.abs(1 - usageRatio) <= tolerance) return ctx.size;
    return ceil(usageRatio * reported);
  }
  // HPA fills in no value for missing pods at a ratio of exactly 1: it holds.
  if (usageRatio === 1) return ctx.size;
  const busy = ctx.utilization * reported;
  const assumedBusy = usageRatio < 1 ? busy + missing : busy;
  const newRatio = assumedBusy / ctx.size / target;
  const flips = (usageRatio < 1 && newRatio > 1) || (usageRatio > 1 && newRatio < 1);
  if (Math.abs(1 - newRatio) <= tolerance || flips) return ctx.size;
  const next = ceil(newRatio * ctx.size);
  if ((newRatio < 1 && next > ctx.size) || (newRatio > 1 && next < ctx.size)) return ctx.size;
  return next;
}

/**
 * Step 2 (horizontal.go, stabilizeRecommendationWithBehaviors): the recommendation is held
 * between the lowest of the scale-up window (0 s by default: just this one) and the highest of
 * the scale-down window, starting from the size. A recommendation counts while it is younger
 * than the window (Go's timestamp.After(cutoff)).
 */
export function stabilize(
  recommendations: readonly { ts: number; size: number }[],
  desired: number,
  size: number,
  nowMs: number,
  downWindowMs: number,
  upWindowMs: number = HPA_SCALE_UP_STABILIZATION_MS,
): number {
  const within = (windowMs: number): number[] => recommendations.filter((r) => r.ts > nowMs - windowMs).map((r) => r.size);
  const upRecommendation = Math.min(desired, ...within(upWindowMs));
  const downRecommendation = Math.max(desired, ...within(downWindowMs));
  return Math.min(Math.max(size, upRecommendation), downRecommendation);
}

/** Step 3, scale up: the larger of +4 workers and +100 % over the size at the period's start. */
export function scaleUpLimit(size: number, changeInPeriod: number): number {
  const periodStart = size - changeInPeriod;
  const byPods = periodStart + HPA_SCALE_UP_PODS;
  const byPercent = Math.ceil(periodStart * (1 + HPA_SCALE_UP_PERCENT / 100));
  return Math.max(size, byPods, byPercent);
}

/** Step 3, scale down: -100 % over the period's start (HPA's default leaves a scale-down unlimited). */
export function scaleDownLimit(size: number, changeInPeriod: number): number {
  const periodStart = size - changeInPeriod;
  return Math.min(size, Math.trunc(periodStart * (1 - HPA_SCALE_DOWN_PERCENT / 100)));
}

export const hpaLaw: Law<HpaState> = {
  name: 'hpa',
  stages: PEER_STAGES,
  maxStep: noStepLimit,
  init: () => ({ recommendations: [], events: [], last: null }),
  step(prev, ctx) {
    const { size, nowMs, params } = ctx;
    const windowMs = params.hpaStabilizationMs ?? HPA_STABILIZATION_MS;
    const periodMs = params.hpaPolicyPeriodMs ?? HPA_POLICY_PERIOD_MS;
    const utilizationSum = (prev.utilizationSum ?? 0) + ctx.utilization;
    const ticks = (prev.ticks ?? 0) + 1;
    if (prev.syncedAtMs !== undefined && nowMs - prev.syncedAtMs < HPA_SYNC_PERIOD_MS) {
      return { state: { ...prev, utilizationSum, ticks }, proposal: { size, reason: peerReason(ctx, size) } };
    }
    // A sync: the utilization since the last one; the first records the current size.
    const state: HpaState =
      prev.syncedAtMs === undefined ? { ...prev, recommendations: [{ ts: nowMs, size }] } : prev;
    const sync: LawContext = { ...ctx, utilization: utilizationSum / ticks };

    // What the controller did with the last proposal (bounds, observe mode, a failed grow).
    const moved = state.last !== null && state.last.size !== size ? [{ ts: state.last.ts, change: size - state.last.size }] : [];
    const events = [...state.events, ...moved].filter((e) => e.ts > nowMs - periodMs);
    const changeInPeriod = events.reduce((sum, e) => sum + e.change, 0);

    const desired = desiredReplicas(sync);

    const recent = state.recommendations.filter((r) => r.ts > nowMs - windowMs);
    let proposed = stabilize(state.recommendations, desired, size, nowMs, windowMs);
    let reason: Reason | null = desired < size && proposed > desired ? 'stabilized' : null;

    if (proposed > size) {
      const limit = scaleUpLimit(size, changeInPeriod);
      if (proposed > limit) {
        proposed = limit;
        reason = 'law';
      }
    } else if (proposed < size) {
      proposed = Math.max(proposed, scaleDownLimit(size, changeInPeriod));
    }

    return {
      state: {
        recommendations: [...recent, { ts: nowMs, size: desired }],
        events,
        last: { size, ts: nowMs },
        syncedAtMs: nowMs,
        utilizationSum: 0,
        ticks: 0,
      },
      proposal: { size: proposed, reason: reason ?? peerReason(sync, proposed) },
    };
  },
};

/** Whole replicas, as HPA's math.Ceil, without counting a float's last bit as a replica. */
function ceil(x: number): number {
  return Math.ceil(x - 1e-9);
}

export const hpa = eraseLaw(hpaLaw);
