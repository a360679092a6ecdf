// The composition root: `startService` wires the engine, metrics, HTTP, actuators, the log
// and the recorder. src/cli (the process shell) and src/demo start the sidecar through it.
export { startService, DRAIN_MS } from './service.js';
export type { Service, ServiceOptions } from './service.js';
export { createLogger, logDecisions } from './log.js';
export { recordSamples } from './record.js';
export { reloadService } from './reload.js';
export type { ReloadReport } from './reload.js';
export { parseFdLimit, readFdLimit } from './fd-limit.js';
export type { Recorder } from './record.js';
