// The HTTP interface of docs/integration.md.
export { createApp, DEFAULT_LIVE_LIMITS, HEARTBEAT_MS, MAX_WAIT_MS } from './app.js';
export type { AppDeps, AppHandle, LiveLimits } from './app.js';
export { refusalLog, REFUSAL_LOG_INTERVAL_MS } from './refusals.js';
export type { RefusalHook } from './refusals.js';
export { listenHttp, connectionCap, HEADERS_TIMEOUT_MS } from './server.js';
export type { HttpServerOptions } from './server.js';
export { ERRORS, HttpError } from './errors.js';
export type { ErrorCode } from './errors.js';
export { hostName, isLoopback, MAX_BODY_BYTES } from './guards.js';
export { sseFrame } from './live.js';
export { DEFAULT_SAMPLE_RATE, sampleLimiter } from './rate-limit.js';
export type { SampleLimiter, SampleRate } from './rate-limit.js';
