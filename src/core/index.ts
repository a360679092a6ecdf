// The controller core: pure functions over plain data, time passed in.
export * from './types.js';
export { poolBounds, limitedBounds, staticSize, defaultMaxStep } from './bounds.js';
export { clamp, ewma, ewmaAlpha, mean, mulberry32Step } from './math.js';
export { computeSignals, initSignalState, classify, CLASSIFY, withNewCpuReader } from './signals.js';
export type { SignalState } from './signals.js';
export { createController, tick, setPin, replyTarget, ControllerError } from './controller.js';
export { modeOf, KEPT_DECISIONS } from './decision.js';
export { boundsOf, staticSizeOf, isStale, reportedSize, withinBounds } from './state.js';
export { CPU_RULES, cpuSaturated, cpuServedSize } from './cpu-rules.js';
export type { ControllerState, PoolSpec } from './controller.js';
export { poolView, poolQueue, decisionLine } from './view.js';
export type { PoolView, PoolQueue } from './view.js';
export { getLaw, lawNames } from './laws/index.js';
export type { AnyLaw, Law, LawContext, LawProposal } from './laws/index.js';
