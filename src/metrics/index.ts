// Metrics through one narrow module: the names of docs/operator-guide.md and the /metrics rendering.
export { createMetrics, PREFIX, REFUSAL_KINDS } from './metrics.js';
export type { ActuationResult, Metrics, MetricsOptions, RefusalKind } from './metrics.js';
export { renderMetrics, wantsOpenMetrics, OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE } from './render.js';
export type { Rendered } from './render.js';
export { Registry } from 'prom-client';
