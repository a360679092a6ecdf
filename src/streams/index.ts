// The RxJS pipeline: per-pool sample streams, the tick, the shared decision stream.
export { createEngine } from './engine.js';
export type { Engine, EngineOptions, Reconfigured } from './engine.js';
export { EngineError } from './errors.js';
export type { EngineErrorCode } from './errors.js';
export { createPoolLoop, guardedReducer, MAX_SAMPLES_PER_TICK } from './pool-loop.js';
export type { LoopEvent, LoopOutput, PoolLoop } from './pool-loop.js';
export { poolChanges } from './reconfigure.js';
export { silentLogger } from './types.js';
export type { EngineMetrics, Ingested, Logger, SampleReply, StepFn } from './types.js';
