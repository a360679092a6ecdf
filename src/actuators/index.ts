// How sizes reach the daemon besides the HTTP reply: webhook and file adapters.
export { createActuators, connectActuators } from './connect.js';
export { fileActuator, writeSizeFile, randomTempName, SIZE_FILE_MODE, FILE_BASE_BACKOFF_MS, FILE_MAX_BACKOFF_MS } from './file.js';
export type { FileOptions } from './file.js';
export { latestQueue } from './latest.js';
export type { LatestQueue, Settled } from './latest.js';
export { shouldActuate, realSleep } from './types.js';
export type { ActuationOutcome, Actuator, AttemptHook, FailureHook, Sleep } from './types.js';
export { postJson, MAX_ANSWER_BYTES } from './post.js';
export type { PostResult } from './post.js';
export { redactUrl, urlCredentials } from '../config/url.js';
export { webhookActuator, backoffMs, DEFAULT_BASE_BACKOFF_MS, DEFAULT_MAX_BACKOFF_MS } from './webhook.js';
export type { WebhookActuator, WebhookOptions, WebhookStatus } from './webhook.js';
