// The /metrics body: Prometheus text by default, OpenMetrics when the scraper asks for it.
//
// prom-client keeps the format on the Registry, and its OpenMetrics rendering renames
// counters in place (it strips `_total` from metric.name and never puts it back), so one
// registry cannot serve both formats as is. Scrapes are serialised here, and after an
// OpenMetrics one every metric gets its name and the registry its format back.
import { Registry } from 'prom-client';
import type { RegistryContentType } from 'prom-client';

export const PROMETHEUS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;
export const OPENMETRICS_CONTENT_TYPE = Registry.OPENMETRICS_CONTENT_TYPE;

/** Whether an Accept header asks for OpenMetrics (any version, any q > 0). */
export function wantsOpenMetrics(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  return accept.split(',').some((part) => {
    const [type, ...params] = part.trim().split(';').map((s) => s.trim());
    if (type?.toLowerCase() !== 'application/openmetrics-text') return false;
    const q = params.find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

export interface Rendered {
  contentType: string;
  body: string;
}

const queues = new WeakMap<Registry, Promise<unknown>>();

export function renderMetrics(registry: Registry, openMetrics: boolean): Promise<Rendered> {
  const previous = queues.get(registry) ?? Promise.resolve();
  const run = previous.then(() => (openMetrics ? renderOpenMetrics(registry) : renderPrometheus(registry)));
  queues.set(registry, run.catch(() => undefined));
  return run;
}

async function renderPrometheus(registry: Registry): Promise<Rendered> {
  return { contentType: PROMETHEUS_CONTENT_TYPE, body: await registry.metrics() };
}

async function renderOpenMetrics(prometheus: Registry): Promise<Rendered> {
  // The registry is created for Prometheus text; its format is switched for this one scrape.
  const registry = prometheus as unknown as Registry<RegistryContentType>;
  const metrics = registry.getMetricsAsArray() as unknown as { name: string }[];
  const names = metrics.map((m) => m.name);
  const type = registry.contentType;
  registry.setContentType(OPENMETRICS_CONTENT_TYPE);
  try {
    return { contentType: OPENMETRICS_CONTENT_TYPE, body: await registry.metrics() };
  } finally {
    metrics.forEach((m, i) => {
      m.name = names[i] as string;
    });
    registry.setContentType(type);
  }
}
