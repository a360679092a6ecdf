// Every PromQL expression the project ships (dashboard panels, dashboard variables and
// alert rules), read from the files themselves, plus the metric vocabulary of docs
// section 6 they may use. The structural tests use it here; a later test runs
// allQueries() against a real Prometheus that scrapes the sidecar.
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const dashboardPath = fileURLToPath(new URL('../../dashboards/adaptive-threads.json', import.meta.url));
export const alertsPath = fileURLToPath(new URL('../../dashboards/alerts.yml', import.meta.url));
export const alertsTestPath = fileURLToPath(new URL('../../dashboards/alerts.test.yml', import.meta.url));

/** docs/operator-guide.md, prefix included. A metric renamed there must be renamed here, and the test says where it is used. */
export const CONTRACT_METRICS = {
  gauges: [
    'adaptive_threads_pool_size', 'adaptive_threads_pool_target_size', 'adaptive_threads_pool_min_size',
    'adaptive_threads_pool_max_size', 'adaptive_threads_pool_utilization_ratio', 'adaptive_threads_pool_queue_stall_ratio',
    'adaptive_threads_pool_worker_idle_ratio', 'adaptive_threads_pool_throughput_per_second',
    'adaptive_threads_pool_band_low_ratio', 'adaptive_threads_pool_band_high_ratio', 'adaptive_threads_pool_stale',
    'adaptive_threads_pool_pinned', 'adaptive_threads_pool_classification', 'adaptive_threads_enabled', 'adaptive_threads_info',
  ],
  counters: [
    'adaptive_threads_decisions_total', 'adaptive_threads_samples_total', 'adaptive_threads_samples_rejected_total',
    'adaptive_threads_actuations_total', 'adaptive_threads_controller_errors_total',
  ],
  histograms: ['adaptive_threads_tick_duration_seconds'],
} as const;

/** Series names the sidecar exposes for docs/operator-guide.md (histograms as their _bucket, _sum and _count series). */
export function specSeriesNames(): Set<string> {
  const names = new Set<string>([...CONTRACT_METRICS.gauges, ...CONTRACT_METRICS.counters]);
  for (const h of CONTRACT_METRICS.histograms) for (const suffix of ['_bucket', '_sum', '_count']) names.add(h + suffix);
  return names;
}

/** Label names and the values docs/operator-guide.md (and the decision reasons of section 3) allow. */
export const CONTRACT_LABELS: Readonly<Record<string, readonly string[] | null>> = {
  pool: null,
  action: ['grow', 'shrink', 'hold', 'pin'],
  reason: ['above-band', 'below-band', 'in-band', 'cooldown', 'guard', 'stale', 'saturated', 'backlog', 'bound',
    'pinned', 'disabled', 'failed-grow', 'stabilized', 'no-data', 'law'],
  result: ['ok', 'error'],
  class: ['cpu-bound', 'io-bound', 'balanced', 'unknown'],
  version: null,
  law: null,
  le: null,
  // Added by Prometheus to every scraped series.
  job: null,
  instance: null,
};

export interface QueryValues {
  /** Value for $pool: a pool name or a regex (Grafana's "All" is ".*"). */
  pool: string;
  /** Value for $job (the scrape-health panels only). */
  job: string;
  /** Value for $instance; default ".*". */
  instance?: string;
}

export interface PromQuery {
  source: 'panel' | 'variable' | 'alert';
  /** Where it comes from, e.g. `panel 8 "Pool size vs target and bounds" A` or `alert AdaptiveThreadsPoolStale`. */
  name: string;
  expr: string;
}

export interface DashboardTarget { refId?: unknown; expr?: unknown; datasource?: unknown }
export interface DashboardPanel {
  id?: unknown; type?: unknown; title?: unknown; description?: unknown; datasource?: unknown;
  gridPos?: unknown; targets?: DashboardTarget[]; panels?: DashboardPanel[]; fieldConfig?: unknown;
}
export interface DashboardVariable {
  name?: unknown; type?: unknown; query?: unknown; definition?: unknown; datasource?: unknown;
  multi?: unknown; includeAll?: unknown; current?: unknown;
}
export interface Dashboard {
  __inputs?: Array<Record<string, unknown>>;
  schemaVersion?: unknown;
  panels?: DashboardPanel[];
  templating?: { list?: DashboardVariable[] };
  [key: string]: unknown;
}
export interface AlertRule {
  alert?: unknown; expr?: unknown; for?: unknown;
  labels?: Record<string, unknown>; annotations?: Record<string, unknown>;
}

export function loadDashboard(path = dashboardPath): Dashboard {
  return JSON.parse(readFileSync(path, 'utf8')) as Dashboard;
}

export function loadAlertRules(path = alertsPath): { groupNames: string[]; rules: AlertRule[] } {
  const doc = parseYaml(readFileSync(path, 'utf8')) as { groups?: Array<{ name?: string; rules?: AlertRule[] }> };
  const groups = doc.groups ?? [];
  return { groupNames: groups.map((g) => String(g.name)), rules: groups.flatMap((g) => g.rules ?? []) };
}

/** Panels in layout order, the panels of collapsed rows included. */
export function allPanels(dashboard: Dashboard): DashboardPanel[] {
  const walk = (panels: DashboardPanel[]): DashboardPanel[] => panels.flatMap((p) => [p, ...walk(p.panels ?? [])]);
  return walk(dashboard.panels ?? []);
}

const GRAFANA_INTERVALS: Readonly<Record<string, string>> = {
  __rate_interval: '1m',
  __interval: '15s',
  __range: '1h',
};

/** Fills Grafana's variables in; a variable it does not know is an error, not a silently broken query. */
export function interpolate(expr: string, values: QueryValues): string {
  const vars: Record<string, string> = {
    ...GRAFANA_INTERVALS, pool: values.pool, job: values.job, instance: values.instance ?? '.*',
  };
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g, (whole, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare ?? '';
    const value = vars[name];
    if (value === undefined) throw new Error(`unknown variable ${whole} in: ${expr}`);
    return value;
  });
}

/** The dashboard's expressions, uninterpolated: panel targets and the series selector of each label_values() variable. */
export function rawDashboardQueries(dashboard: Dashboard = loadDashboard()): PromQuery[] {
  const queries: PromQuery[] = [];
  for (const v of dashboard.templating?.list ?? []) {
    if (v.type !== 'query') continue;
    const definition = typeof v.query === 'string' ? v.query : (v.query as { query?: unknown } | undefined)?.query;
    const match = typeof definition === 'string' ? /^label_values\((.+),\s*(\w+)\)$/.exec(definition.trim()) : null;
    if (!match?.[1]) throw new Error(`variable ${String(v.name)}: only label_values(<selector>, <label>) is supported, got ${String(definition)}`);
    queries.push({ source: 'variable', name: `variable ${String(v.name)}`, expr: match[1].trim() });
  }
  for (const p of allPanels(dashboard)) {
    for (const t of p.targets ?? []) {
      if (typeof t.expr !== 'string') continue;
      queries.push({ source: 'panel', name: `panel ${String(p.id)} "${String(p.title)}" ${String(t.refId)}`, expr: t.expr });
    }
  }
  return queries;
}

export function dashboardQueries(values: QueryValues, dashboard: Dashboard = loadDashboard()): PromQuery[] {
  return rawDashboardQueries(dashboard).map((q) => ({ ...q, expr: interpolate(q.expr, values) }));
}

export function alertQueries(rules: AlertRule[] = loadAlertRules().rules): PromQuery[] {
  return rules.map((r) => ({ source: 'alert' as const, name: `alert ${String(r.alert)}`, expr: String(r.expr).trim() }));
}

/** Every PromQL expression of the dashboard (variables filled in) and of the alert rules. */
export function allQueries(values: QueryValues): PromQuery[] {
  return [...dashboardQueries(values), ...alertQueries()];
}

const KEYWORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right',
  'bool', 'offset', 'atan2', 'inf', 'nan', 'Inf', 'NaN']);
const GROUPING = /\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g;
const STRINGS = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g;

/** Metric names an expression selects (a small PromQL lexer: enough for the project's own queries). */
export function metricNames(expr: string): string[] {
  const bare = expr.replace(STRINGS, '""').replace(/\{[^}]*\}/g, '').replace(/\[[^\]]*\]/g, '').replace(GROUPING, '');
  const names = new Set<string>();
  for (const m of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const before = bare[m.index - 1] ?? ' ';
    const after = bare.slice(m.index + m[0].length).trimStart();
    if (/[0-9.$]/.test(before) || after.startsWith('(') || KEYWORDS.has(m[0])) continue;
    names.add(m[0]);
  }
  return [...names];
}

/** Label matchers of an expression: [label, operator, value]. */
export function labelMatchers(expr: string): Array<[string, string, string]> {
  const found: Array<[string, string, string]> = [];
  for (const block of expr.matchAll(/\{([^}]*)\}/g)) {
    for (const m of (block[1] ?? '').matchAll(/(\w+)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)) {
      found.push([m[1] ?? '', m[2] ?? '', m[3] ?? '']);
    }
  }
  return found;
}

/** Label names used in by/without/on/ignoring/group_* clauses. */
export function groupingLabels(expr: string): string[] {
  const labels: string[] = [];
  for (const m of expr.replace(STRINGS, '""').matchAll(GROUPING)) {
    labels.push(...(m[1] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''));
  }
  return labels;
}

/** promtool from Debian's prometheus package (CI installs it); PROMTOOL overrides the path. */
export const PROMTOOL = process.env.PROMTOOL ?? 'promtool';
export const hasPromtool = spawnSync(PROMTOOL, ['--version'], { stdio: 'ignore' }).status === 0;
export const NO_PROMTOOL_MESSAGE = `${PROMTOOL} not found: skipping the promtool checks; CI installs Debian's prometheus`;

/** Runs promtool in the repository root; resolves with its exit code and combined output, never rejects. */
export function runPromtool(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(PROMTOOL, args, { cwd: repoRoot }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}
