// dashboards/alerts.yml: the rules every operator gets, their runbook links, their
// promtool unit tests, and promtool's own verdict (when promtool is installed; CI
// installs Debian's prometheus package, which ships it).
import test from 'ava';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import {
  NO_PROMTOOL_MESSAGE, CONTRACT_LABELS, alertQueries, alertsTestPath, hasPromtool, labelMatchers, loadAlertRules, metricNames,
  runPromtool, specSeriesNames,
} from './queries.js';

if (!hasPromtool) console.log(NO_PROMTOOL_MESSAGE);

const RUNBOOK = 'https://github.com/adaptive-threads/adaptive-threads/blob/main/docs/operator-guide.md';
const EXPECTED_ALERTS = [
  'AdaptiveThreadsPoolAtMax', 'AdaptiveThreadsPoolStale', 'AdaptiveThreadsControllerErrors',
  'AdaptiveThreadsActuationFailures', 'AdaptiveThreadsDecisionsFlapping', 'AdaptiveThreadsSidecarDown',
  'AdaptiveThreadsSidecarAbsent',
];
const { groupNames, rules } = loadAlertRules();

test('when the rules are loaded, then there is one group adaptive-threads with the expected alerts', (t) => {
  t.deepEqual(groupNames, ['adaptive-threads']);
  t.deepEqual(rules.map((r) => r.alert), EXPECTED_ALERTS);
});

test('when an alert fires, then it carries a severity, a summary, a description and a runbook link into the operator guide', (t) => {
  for (const r of rules) {
    const name = String(r.alert);
    t.true(['info', 'warning', 'critical'].includes(String(r.labels?.severity)), `${name} severity`);
    for (const key of ['summary', 'description']) {
      t.true(typeof r.annotations?.[key] === 'string' && (r.annotations[key] as string).trim() !== '', `${name} has no ${key}`);
    }
    t.is(r.annotations?.runbook_url, `${RUNBOOK}#alert-${name.toLowerCase()}`, `${name} runbook_url`);
  }
});

test('when a rule names a metric or a label, then docs/operator-guide.md (or up) defines it', (t) => {
  const known = new Set([...specSeriesNames(), 'up']);
  for (const q of alertQueries(rules)) {
    const names = metricNames(q.expr);
    t.true(names.length > 0, `${q.name} selects no metric`);
    for (const name of names) t.true(known.has(name), `${q.name} uses ${name}, which the sidecar does not export`);
    for (const [label, op, value] of labelMatchers(q.expr)) {
      t.true(label in CONTRACT_LABELS, `${q.name} matches on unknown label ${label}`);
      const allowed = CONTRACT_LABELS[label];
      if (allowed && op === '=') t.true(allowed.includes(value), `${q.name}: ${label}="${value}" is not a docs value`);
    }
  }
});

test('when Prometheus uses another job name, then only the scrape alerts depend on job="adaptive-threads"', (t) => {
  for (const q of alertQueries(rules)) {
    const scrape = metricNames(q.expr).includes('up');
    t.is(q.expr.includes('job="adaptive-threads"'), scrape, q.name);
  }
});

test('when the promtool tests are read, then every alert has a case where it fires and one where it does not', (t) => {
  type RuleTest = { alertname?: string; exp_alerts?: unknown[] };
  const doc = parseYaml(readFileSync(alertsTestPath, 'utf8')) as {
    rule_files?: string[]; tests?: Array<{ alert_rule_test?: RuleTest[] }>;
  };
  t.deepEqual(doc.rule_files, ['alerts.yml']);
  const cases = (doc.tests ?? []).flatMap((x) => x.alert_rule_test ?? []);
  for (const name of EXPECTED_ALERTS) {
    const mine = cases.filter((c) => c.alertname === name);
    t.true(mine.some((c) => (c.exp_alerts ?? []).length > 0), `${name} is never tested firing`);
    t.true(mine.some((c) => (c.exp_alerts ?? []).length === 0), `${name} is never tested silent`);
  }
});

(hasPromtool ? test : test.skip)('when promtool checks the rules, then they are valid and all of them are found', async (t) => {
  const { code, output } = await runPromtool(['check', 'rules', 'dashboards/alerts.yml']);
  t.log(output.trim());
  t.is(code, 0, output);
  t.true(output.includes(`SUCCESS: ${rules.length} rules found`), output);
});

(hasPromtool ? test : test.skip)('when promtool runs the unit tests, then every alert fires and stays silent as expected', async (t) => {
  const { code, output } = await runPromtool(['test', 'rules', 'dashboards/alerts.test.yml']);
  t.is(code, 0, output);
  t.regex(output, /SUCCESS/);
});
