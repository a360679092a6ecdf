// The dashboard and the alert rules against the real thing: the sidecar runs in-process,
// two daemon-like clients feed its pools, a real Prometheus (Debian's package, as in CI)
// scrapes it every second and loads dashboards/alerts.yml, and every PromQL expression the
// project ships goes through Prometheus's HTTP API. A renamed metric or label in a panel
// makes its query come back empty, and the test names the panel.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { createLogger } from '../../src/service/index.js';
import { startService } from '../../src/service/index.js';
import type { Service } from '../../src/service/index.js';
import { SidecarClient } from '../../src/client/index.js';
import type { Config, PoolConfig } from '../../src/config/index.js';
import type { ControllerParams, PoolKind } from '../../src/core/index.js';
import { alertQueries, alertsPath, dashboardQueries, loadAlertRules } from '../dashboards/queries.js';
import type { PromQuery } from '../dashboards/queries.js';
import { tempDir } from '../fixtures/temp.js';
import { SteadyPool, SwingingPool, flakyWebhook } from './daemon.js';
import type { FlakyWebhook } from './daemon.js';
import {
  NO_PROMETHEUS_MESSAGE, apiGet, hasPrometheus, instantQuery, pollUntil, seriesOf, startPrometheus,
} from './prometheus.js';
import type { AlertData, ApiReply, Prometheus, QueryData, RulesData } from './prometheus.js';

const JOB = 'adaptive-threads';
const PERIOD_MS = 200;
const PARAMS: ControllerParams = {
  law: 'pi',
  periodMs: PERIOD_MS,
  band: { low: 0.6, high: 0.85 },
  growCooldownMs: 500,
  shrinkCooldownMs: 2000,
  staleAfterPeriods: 3,
  idleEwmaSeconds: 5,
  failedGrowBackoffMs: 1000,
  maxStep: null,
};
/** Deadlines, not sleeps: generous for a loaded 2-core machine, and the whole test stays under a minute. */
const TARGET_UP_MS = 15_000;
const QUERIES_MS = 25_000;
const STALE_MS = 12_000;

function poolConfig(name: string, kind: PoolKind): PoolConfig {
  return { name, kind, pinned: null, mode: 'adaptive', params: PARAMS, process: null, source: null };
}

function sidecarConfig(webhookUrl: string | null): Config {
  return {
    file: 'real-prometheus.test.ts',
    listen: { host: '127.0.0.1', port: 0 },
    metricsListen: null,
    cpus: 4,
    cpusSource: 'config',
    token: null,
    enabled: true,
    logLevel: 'warn',
    record: null,
    pools: [poolConfig('transfer', 'transfer'), poolConfig('buffer', 'buffer')],
    // One retry: a refused first POST (the webhook refuses every other one) is counted as an error, its retry as ok.
    actuators: webhookUrl === null ? [] : [{ type: 'webhook', url: webhookUrl, timeoutMs: 1000, maxRetries: 1 }],
  };
}

function describe(reply: ApiReply<QueryData> | undefined): string {
  if (reply === undefined) return 'no answer from Prometheus';
  if (reply.status !== 'success') return `${reply.errorType ?? 'error'}: ${reply.error ?? ''}`;
  return `${reply.data?.resultType ?? '?'} with ${seriesOf(reply).length} series`;
}

/** Queries every pending expression each round until all return series or the deadline passes; the last answer of each. */
async function queryUntilData(prometheusUrl: string, queries: readonly PromQuery[], deadlineMs: number): Promise<Map<PromQuery, ApiReply<QueryData>>> {
  const last = new Map<PromQuery, ApiReply<QueryData>>();
  const pending = new Set(queries);
  await pollUntil(deadlineMs, async () => {
    for (const q of [...pending]) {
      const reply = await instantQuery(prometheusUrl, q.expr);
      last.set(q, reply);
      if (seriesOf(reply).length > 0) pending.delete(q);
    }
    return pending.size === 0 ? true : undefined;
  });
  return last;
}

if (!hasPrometheus) {
  console.log(NO_PROMETHEUS_MESSAGE);
  test('without prometheus on PATH, the real-Prometheus test says why it is skipped', (t) => {
    t.log(NO_PROMETHEUS_MESSAGE);
    t.pass();
  });
}

(hasPrometheus ? test.serial : test.skip)(
  'when a real Prometheus scrapes a fed sidecar, then every dashboard query returns data, every alert rule evaluates, and a silent pool turns AdaptiveThreadsPoolStale pending',
  async (t) => {
    t.timeout(58_000);
    const startedMs = Date.now();
    const elapsed = (): string => `${((Date.now() - startedMs) / 1000).toFixed(1)} s`;
    const phases: string[] = [];
    const dir = tempDir(t, 'adaptive-threads-prometheus-'); // removed once the finally below has stopped Prometheus
    let webhook: FlakyWebhook | undefined;
    let service: Service | undefined;
    let prometheus: Prometheus | undefined;
    const clients = new Map<string, SidecarClient>();
    try {
      webhook = await flakyWebhook();
      const logger = createLogger('warn', { write: () => undefined });
      service = await startService({ config: sidecarConfig(webhook.url), logger, version: '0.0.0-prometheus-test' });
      for (const pool of ['transfer', 'buffer']) {
        const client = new SidecarClient({ baseUrl: service.url, pool, source: new SwingingPool(8, 3000), periodMs: PERIOD_MS });
        client.start();
        clients.set(pool, client);
      }
      // One refused sample, so samples_rejected_total moves.
      const refused = await fetch(`${service.url}/v1/pools/transfer/samples`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ size: 4, busy: 5 }),
      });
      await refused.arrayBuffer();
      t.is(refused.status, 400, 'a sample with busy > size is refused');

      const target = `${service.address.host}:${service.address.port}`;
      prometheus = await startPrometheus({ dir, job: JOB, target, ruleFiles: [alertsPath] });
      const prom = prometheus;

      // The target is up: Prometheus can reach and parse /metrics.
      const up = await pollUntil(Date.now() + TARGET_UP_MS, async () => {
        const reply = await apiGet<{ activeTargets: Array<{ labels: Record<string, string>; health: string; lastError: string }> }>(prom.url, '/api/v1/targets');
        return reply.data?.activeTargets.find((a) => a.labels['job'] === JOB && a.health === 'up');
      });
      if (up === undefined) {
        const targets = await apiGet<unknown>(prom.url, '/api/v1/targets').catch((e: unknown) => String(e));
        t.fail(`the sidecar at ${target} never became an up target of job ${JOB}: ${JSON.stringify(targets)}\n${prom.output()}`);
        return;
      }
      t.is(up.labels['instance'], target);
      phases.push(`target up ${elapsed()}`);

      // Every panel and variable of the dashboard, for $pool = transfer, plus the scrape check.
      const upQuery: PromQuery = { source: 'panel', name: 'scrape check', expr: `up{job="${JOB}"} == 1` };
      const panels = [upQuery, ...dashboardQueries({ pool: 'transfer', job: JOB })];
      const answers = await queryUntilData(prom.url, panels, Date.now() + QUERIES_MS);
      // One assertion per check, listing every offending query, so one run names all broken panels.
      const empty = panels
        .filter((q) => seriesOf(answers.get(q) ?? { status: 'error' }).length === 0)
        .map((q) => `${q.name} (${describe(answers.get(q))}): ${q.expr}`);
      phases.push(`${panels.length - empty.length}/${panels.length} queries with data ${elapsed()}`);
      t.deepEqual(empty, [], `queries that returned no data from the real sidecar within ${QUERIES_MS} ms`);
      const unfiltered = panels
        .filter((q) => /pool=~"transfer"/.test(q.expr))
        .filter((q) => seriesOf(answers.get(q) ?? { status: 'error' }).some((s) => s.metric['pool'] === 'buffer'))
        .map((q) => `${q.name}: ${q.expr}`);
      t.deepEqual(unfiltered, [], 'queries with $pool = transfer that return series of pool buffer');

      // Alert expressions return data only when firing: each must at least be valid PromQL...
      const alerts = alertQueries();
      const invalid: string[] = [];
      for (const q of alerts) {
        const reply = await instantQuery(prom.url, q.expr);
        if (reply.status !== 'success') invalid.push(`${q.name} (${describe(reply)}): ${q.expr}`);
      }
      t.deepEqual(invalid, [], 'alert expressions Prometheus refuses');
      // ...and be loaded and evaluated by Prometheus without an error.
      const expected = loadAlertRules().rules.map((r) => String(r.alert));
      const evaluated = await pollUntil(Date.now() + 10_000, async () => {
        const reply = await apiGet<RulesData>(prom.url, '/api/v1/rules', { type: 'alert' });
        const rules = reply.data?.groups.flatMap((g) => g.rules) ?? [];
        return rules.length === expected.length && rules.every((r) => r.health !== 'unknown') ? rules : undefined;
      });
      t.deepEqual(evaluated?.map((r) => r.name), expected, 'Prometheus loaded every rule of alerts.yml and evaluated it');
      const unhealthy = (evaluated ?? []).filter((r) => r.health !== 'ok').map((r) => `alert ${r.name}: ${r.health} ${r.lastError ?? ''}`);
      t.deepEqual(unhealthy, [], 'alert rules whose evaluation failed');

      // A daemon that stops reporting: after staleAfterPeriods periods its pool is stale.
      await clients.get('buffer')?.stop();
      const staleQuery = alerts.find((q) => q.name === 'alert AdaptiveThreadsPoolStale');
      t.truthy(staleQuery, 'alerts.yml has AdaptiveThreadsPoolStale');
      const staleExpr = staleQuery?.expr ?? 'absent(up)';
      const staleDeadline = Date.now() + STALE_MS;
      const stale = await pollUntil(staleDeadline, async () => {
        const series = seriesOf(await instantQuery(prom.url, staleExpr));
        return series.some((s) => s.metric['pool'] === 'buffer') ? series : undefined;
      });
      t.truthy(stale, `alert AdaptiveThreadsPoolStale: its expression returned no series for the silent pool buffer: ${staleExpr}`);
      const pending = await pollUntil(staleDeadline, async () => {
        const reply = await apiGet<AlertData>(prom.url, '/api/v1/alerts');
        return reply.data?.alerts.find((a) => a.labels['alertname'] === 'AdaptiveThreadsPoolStale' && a.labels['pool'] === 'buffer');
      });
      t.true(pending?.state === 'pending' || pending?.state === 'firing',
        `alert AdaptiveThreadsPoolStale for pool buffer is not pending or firing in /api/v1/alerts (got ${JSON.stringify(pending)})`);
      phases.push(`AdaptiveThreadsPoolStale ${pending?.state ?? 'absent'} ${elapsed()}`);
      t.log(phases.join(', '));
      logWebhook(t, webhook);
    } finally {
      for (const c of clients.values()) await c.stop();
      if (prometheus !== undefined) {
        await prometheus.stop();
      }
      await service?.stop();
      await webhook?.close();
    }
  },
);

function logWebhook(t: ExecutionContext, webhook: FlakyWebhook): void {
  const hooks = [...webhook.counts()].map(([pool, c]) => `${pool} ${c.received} (${c.refused} refused)`).join(', ');
  t.log(`webhook requests: ${hooks}`);
}

(hasPrometheus ? test.serial : test.skip)(
  'when a real Prometheus scrapes a healthy sidecar (steady pools in the band, nothing refused, no actuator), then every dashboard query returns data and none is NaN',
  async (t) => {
    t.timeout(58_000);
    const dir = tempDir(t, 'adaptive-threads-prometheus-'); // removed once the finally below has stopped Prometheus
    let service: Service | undefined;
    let prometheus: Prometheus | undefined;
    const clients: SidecarClient[] = [];
    try {
      const logger = createLogger('warn', { write: () => undefined });
      service = await startService({ config: sidecarConfig(null), logger, version: '0.0.0-prometheus-test' });
      for (const pool of ['transfer', 'buffer']) {
        const client = new SidecarClient({ baseUrl: service.url, pool, source: new SteadyPool(8), periodMs: PERIOD_MS });
        client.start();
        clients.push(client);
      }
      const target = `${service.address.host}:${service.address.port}`;
      prometheus = await startPrometheus({ dir, job: JOB, target, ruleFiles: [alertsPath] });
      const upQuery: PromQuery = { source: 'panel', name: 'scrape check', expr: `up{job="${JOB}"} == 1` };
      const panels = [upQuery, ...dashboardQueries({ pool: '.*', job: JOB })];
      const answers = await queryUntilData(prometheus.url, panels, Date.now() + TARGET_UP_MS + QUERIES_MS);
      const empty = panels
        .filter((q) => seriesOf(answers.get(q) ?? { status: 'error' }).length === 0)
        .map((q) => `${q.name} (${describe(answers.get(q))}): ${q.expr}`);
      t.deepEqual(empty, [], 'queries that show "no data" on a healthy sidecar');
      const nan = panels
        .filter((q) => seriesOf(answers.get(q) ?? { status: 'error' }).some((s) => (s as { value?: [number, string] }).value?.[1] === 'NaN'))
        .map((q) => `${q.name}: ${q.expr}`);
      t.deepEqual(nan, [], 'queries that show NaN on a healthy sidecar (a ratio with nothing to divide should be 0)');
      const decisions = await instantQuery(prometheus.url, 'adaptive_threads_decisions_total{action="grow"}');
      t.true(seriesOf(decisions).length > 0, 'grow decisions have a series at 0 before the first grow, so increase() sees it');
    } finally {
      for (const c of clients) await c.stop();
      await prometheus?.stop();
      await service?.stop();
    }
  },
);
