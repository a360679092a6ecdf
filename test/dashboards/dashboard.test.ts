// Structure of dashboards/adaptive-threads.json: importable and provisionable as it is (the
// datasource a template variable),
// a `pool` variable, well-formed panels, and queries that only use docs/operator-guide.md metrics.
import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { DashboardPanel } from './queries.js';
import {
  NO_PROMTOOL_MESSAGE, CONTRACT_LABELS, CONTRACT_METRICS, allPanels, dashboardPath, dashboardQueries, groupingLabels,
  hasPromtool, labelMatchers, loadDashboard, metricNames, rawDashboardQueries, runPromtool, specSeriesNames,
} from './queries.js';
import { tempDir } from '../fixtures/temp.js';

const DS_UID = '${datasource}';
const PANEL_TYPES = new Set(['timeseries', 'stat', 'state-timeline', 'row', 'gauge', 'bargauge', 'table', 'text']);
const dashboard = loadDashboard();
const panels = allPanels(dashboard);
const visualPanels = panels.filter((p) => p.type !== 'row');
if (!hasPromtool) console.log(NO_PROMTOOL_MESSAGE);

/** Series names prom-client's default metrics expose, read from a private registry (not the global one). */
async function defaultMetricSeriesNames(): Promise<Set<string>> {
  const register = new Registry();
  collectDefaultMetrics({ register });
  const names = new Set<string>();
  for (const line of (await register.metrics()).split('\n')) {
    const type = /^# TYPE (\S+) (\w+)/.exec(line);
    if (type?.[1]) {
      names.add(type[1]);
      if (type[2] === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(type[1] + s);
      if (type[2] === 'summary') for (const s of ['_sum', '_count']) names.add(type[1] + s);
    }
  }
  register.clear();
  return names;
}

function unitOf(p: DashboardPanel): unknown {
  return (p.fieldConfig as { defaults?: { unit?: unknown } } | undefined)?.defaults?.unit;
}

function panelLabel(p: DashboardPanel): string {
  return `panel ${String(p.id)} "${String(p.title)}"`;
}

test('when the dashboard file is read, then it is valid JSON with a current schemaVersion and a title', (t) => {
  t.notThrows(() => JSON.parse(readFileSync(dashboardPath, 'utf8')));
  t.is(typeof dashboard.title, 'string');
  t.is(typeof dashboard.schemaVersion, 'number');
  // 42 is the latest classic schema (migration v42: grafana/grafana#110517, Sept. 2025); older ones get migrated on load.
  t.true((dashboard.schemaVersion as number) >= 42, `schemaVersion ${String(dashboard.schemaVersion)} is older than the current classic schema (42)`);
  t.is(dashboard.id, null, 'an exported dashboard carries no database id');
});

test('when it is provisioned from a file (or Helm), then nothing waits for an import input: the datasource is a template variable of Prometheus datasources', (t) => {
  t.is(dashboard.__inputs, undefined, '__inputs (${DS_...}) is filled in only by Import; provisioning leaves it unresolved');
  t.notRegex(readFileSync(dashboardPath, 'utf8'), /\$\{DS_/);
  const ds = dashboard.templating?.list?.find((v) => v.name === 'datasource');
  t.is(ds?.type, 'datasource');
  t.is(ds?.query, 'prometheus');
  t.is(dashboard.templating?.list?.[0]?.name, 'datasource', 'the datasource variable comes first: the others query it');
});

test('when any datasource is referenced, then it is ${datasource} (or the built-in annotations), never a fixed uid', (t) => {
  const found: string[] = [];
  const walk = (node: unknown, path: string): void => {
    if (Array.isArray(node)) { node.forEach((n, i) => walk(n, `${path}[${i}]`)); return; }
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'datasource' && !path.startsWith('annotations')) {
        const uid = typeof value === 'string' ? value : (value as { uid?: unknown } | null)?.uid;
        if (uid !== DS_UID) found.push(`${path}.datasource = ${JSON.stringify(value)}`);
      }
      walk(value, path === '' ? key : `${path}.${key}`);
    }
  };
  walk(dashboard, '');
  t.deepEqual(found, []);
});

test('when a pool is chosen, then the pool variable lists pools with label_values and allows several or all', (t) => {
  const pool = dashboard.templating?.list?.find((v) => v.name === 'pool');
  t.truthy(pool, 'no pool variable');
  t.is(pool?.type, 'query');
  const definition = typeof pool?.query === 'string' ? pool.query : (pool?.query as { query?: unknown } | undefined)?.query;
  t.regex(String(definition), /^label_values\(adaptive_threads_pool_size\b.*,\s*pool\)$/);
  t.is(pool?.definition, definition, 'definition and query disagree');
  t.is((pool?.datasource as { uid?: unknown } | undefined)?.uid, DS_UID);
  t.true(pool?.multi);
  t.true(pool?.includeAll);
});

test('when a query uses a variable, then the dashboard defines it', (t) => {
  const defined = new Set((dashboard.templating?.list ?? []).map((v) => String(v.name)));
  const builtins = new Set(['__rate_interval', '__interval', '__range']);
  for (const q of rawDashboardQueries(dashboard)) {
    for (const m of q.expr.matchAll(/\$\{?(\w+)/g)) {
      const name = m[1] ?? '';
      t.true(defined.has(name) || builtins.has(name), `${q.name} uses undefined $${name}`);
    }
  }
});

test('when panels are listed, then every id is unique and every type is a known panel type', (t) => {
  const ids = panels.map((p) => p.id);
  t.true(ids.every((id) => Number.isInteger(id)), 'a panel id is not an integer');
  t.is(new Set(ids).size, ids.length, `duplicate panel ids: ${ids.join(',')}`);
  for (const p of panels) t.true(PANEL_TYPES.has(String(p.type)), `${panelLabel(p)} has type ${String(p.type)}`);
});

test('when a panel is drawn, then it has a title, a description, the ${datasource} datasource and at least one query', (t) => {
  t.true(visualPanels.length >= 10, 'suspiciously few panels');
  for (const p of visualPanels) {
    const name = panelLabel(p);
    t.true(typeof p.title === 'string' && p.title.trim() !== '', `${name} has no title`);
    t.true(typeof p.description === 'string' && p.description.trim() !== '', `${name} has no description`);
    t.is((p.datasource as { uid?: unknown } | undefined)?.uid, DS_UID, `${name} datasource`);
    const targets = p.targets ?? [];
    t.true(targets.length > 0, `${name} has no targets`);
    const refIds = targets.map((x) => x.refId);
    t.is(new Set(refIds).size, refIds.length, `${name} repeats a refId`);
    for (const x of targets) {
      t.true(typeof x.expr === 'string' && x.expr.trim() !== '', `${name} target ${String(x.refId)} has no expr`);
      t.is((x.datasource as { uid?: unknown } | undefined)?.uid, DS_UID, `${name} target ${String(x.refId)} datasource`);
    }
  }
});

test('when the grid is laid out, then every panel fits in 24 columns and no two panels overlap', (t) => {
  type Box = { x: number; y: number; w: number; h: number };
  const boxes: Array<[string, Box]> = [];
  for (const p of dashboard.panels ?? []) {
    const g = p.gridPos as Partial<Box> | undefined;
    const ok = g !== undefined && [g.x, g.y, g.w, g.h].every((n) => Number.isInteger(n));
    t.true(ok, `${panelLabel(p)} has no integer gridPos`);
    if (!ok) continue;
    const box = g as Box;
    t.true(box.x >= 0 && box.w > 0 && box.h > 0 && box.x + box.w <= 24, `${panelLabel(p)} gridPos ${JSON.stringify(box)}`);
    for (const [other, b] of boxes) {
      const overlap = box.x < b.x + b.w && b.x < box.x + box.w && box.y < b.y + b.h && b.y < box.y + box.h;
      t.false(overlap, `${panelLabel(p)} overlaps ${other}`);
    }
    boxes.push([panelLabel(p), box]);
  }
});

test('when a panel shows a metric, then its unit suits it (ratios percentunit, sizes short, throughput ops, seconds s, bytes bytes)', (t) => {
  const rules: Array<[RegExp, string]> = [
    [/_ratio$/, 'percentunit'],
    [/^adaptive_threads_pool_(size|target_size|min_size|max_size)$/, 'short'],
    [/_per_second$/, 'ops'],
    [/_bytes$/, 'bytes'],
    [/_seconds(_bucket|_sum|_count)?$|_lag_\w*seconds$/, 's'],
  ];
  for (const p of visualPanels) {
    t.true(typeof unitOf(p) === 'string' && unitOf(p) !== '', `${panelLabel(p)} has no unit`);
    const expected = new Set<string>();
    for (const target of p.targets ?? []) {
      for (const metric of metricNames(String(target.expr))) {
        for (const [re, unit] of rules) if (re.test(metric)) expected.add(unit);
      }
    }
    if (expected.size === 1) t.is(unitOf(p), [...expected][0], `${panelLabel(p)} unit`);
  }
});

test('when a query names a metric, then it is a docs/operator-guide.md metric, up, or a prom-client default metric', async (t) => {
  const known = new Set([...specSeriesNames(), 'up', ...(await defaultMetricSeriesNames())]);
  t.true(known.has('process_cpu_seconds_total') && known.has('nodejs_eventloop_lag_seconds'), 'prom-client default metrics not read');
  const queries = rawDashboardQueries(dashboard);
  for (const q of queries) {
    const names = metricNames(q.expr);
    t.true(names.length > 0, `${q.name} selects no metric: ${q.expr}`);
    for (const name of names) t.true(known.has(name), `${q.name} uses ${name}, which the sidecar does not export`);
  }
});

test('when a query names a label or a label value, then docs/operator-guide.md defines it', (t) => {
  for (const q of rawDashboardQueries(dashboard)) {
    for (const label of groupingLabels(q.expr)) t.true(label in CONTRACT_LABELS, `${q.name} groups by unknown label ${label}`);
    for (const [label, op, value] of labelMatchers(q.expr)) {
      t.true(label in CONTRACT_LABELS, `${q.name} matches on unknown label ${label}`);
      const allowed = CONTRACT_LABELS[label];
      if (allowed && (op === '=' || op === '!=')) t.true(allowed.includes(value), `${q.name}: ${label}${op}"${value}" is not a docs value`);
    }
  }
});

test('when the dashboard is read as a whole, then it shows every docs/operator-guide.md metric', (t) => {
  const used = new Set(rawDashboardQueries(dashboard).flatMap((q) => metricNames(q.expr)));
  const series: string[] = [...CONTRACT_METRICS.gauges, ...CONTRACT_METRICS.counters, ...CONTRACT_METRICS.histograms.map((h) => `${h}_bucket`)];
  const missing = series.filter((m) => !used.has(m));
  t.deepEqual(missing, []);
});

test('when Prometheus scrapes the sidecar under another job name, then only the up panels depend on $job', (t) => {
  for (const q of rawDashboardQueries(dashboard)) {
    const usesUp = metricNames(q.expr).includes('up');
    t.is(q.expr.includes('$job'), usesUp, `${q.name}: $job must appear exactly in the queries on up`);
    t.false(/job\s*=~?\s*"adaptive-threads"/.test(q.expr), `${q.name} hard-codes the job name`);
  }
  const job = dashboard.templating?.list?.find((v) => v.name === 'job');
  t.is((job?.current as { value?: unknown } | undefined)?.value, 'adaptive-threads', 'the job variable defaults to adaptive-threads');
});

test('when the queries are interpolated, then no Grafana variable is left and $pool carries the given value', (t) => {
  const queries = dashboardQueries({ pool: 'transfer', job: 'adaptive-threads', instance: 'sidecar:9464' });
  t.true(queries.length > 0);
  for (const q of queries) t.false(q.expr.includes('$'), `${q.name} still has a variable: ${q.expr}`);
  t.true(queries.some((q) => q.expr.includes('pool=~"transfer"')));
  t.true(queries.some((q) => q.expr.includes('[1m]')), '$__rate_interval becomes 1m');
});

(hasPromtool ? test : test.skip)('when promtool parses every dashboard query, then each one is valid PromQL', async (t) => {
  // promtool has no "parse this expression" command; recording rules get the same parser.
  const queries = dashboardQueries({ pool: '.*', job: 'adaptive-threads', instance: '.*' });
  const rules = queries.map((q, i) => ({ record: `dashboard:query_${i}`, expr: q.expr }));
  const file = join(tempDir(t, 'adaptive-threads-dashboard-'), 'queries.rules.json');
  // JSON is YAML, so promtool reads it as a rule file.
  writeFileSync(file, JSON.stringify({ groups: [{ name: 'dashboard', rules }] }));
  const { code, output } = await runPromtool(['check', 'rules', file]);
  t.is(code, 0, output);
  t.true(output.includes(`SUCCESS: ${rules.length} rules found`), output);
});
