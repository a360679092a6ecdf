// How sizes reach the daemon besides the HTTP reply: webhook and file adapters.
export { createActuators, connectActuators } from './connect.js';
export { fileActuator } from './file.js';
export type { FileOptions } from './file.js';
export { latestQueue } from './latest.js';
export type { LatestQueue, Settled } from './latest.js';
export { shouldActuate, realSleep } from './types.js';
export type { ActuationOutcome, Actuator, AttemptHook, Sleep } from './types.js';
export { webhookActuator, backoffMs, DEFAULT_BASE_BACKOFF_MS, DEFAULT_MAX_BACKOFF_MS } from './webhook.js';
export type { WebhookActuator, WebhookOptions, WebhookStatus } from './webhook.js';
