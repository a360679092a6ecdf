// The HTTP interface of SPEC §5.
export { createApp, HEARTBEAT_MS, MAX_WAIT_MS } from './app.js';
export type { AppDeps, AppHandle } from './app.js';
export { ERRORS, HttpError } from './errors.js';
export type { ErrorCode } from './errors.js';
export { isLoopback, MAX_BODY_BYTES } from './guards.js';
export { sseFrame } from './live.js';
export { DEFAULT_SAMPLE_RATE, sampleLimiter } from './rate-limit.js';
export type { SampleLimiter, SampleRate } from './rate-limit.js';
