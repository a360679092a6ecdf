// The controller core: pure functions over plain data, time passed in.
export * from './types.js';
export { poolBounds, staticSize, defaultMaxStep, clamp } from './bounds.js';
export { computeSignals, initSignalState, classify, CLASSIFY } from './signals.js';
export type { SignalState } from './signals.js';
export { createController, tick, setPin, modeOf, ControllerError, KEPT_DECISIONS, PIN_RANGE } from './controller.js';
export type { ControllerState, PoolSpec } from './controller.js';
export { poolView, decisionLine } from './view.js';
export type { PoolView } from './view.js';
export { getLaw, lawNames } from './laws/index.js';
export type { AnyLaw, Law, LawContext, LawFeatures, LawProposal } from './laws/index.js';
