import test from 'ava';
import { spawnSync } from 'node:child_process';
import { Registry } from 'prom-client';
import { createMetrics, renderMetrics, wantsOpenMetrics } from '../../src/metrics/index.js';
import type { PoolView } from '../../src/core/index.js';
import { postJson, startHarness } from '../http/harness.js';
import { CONTRACT_METRICS } from '../dashboards/queries.js';

const hasPromtool = spawnSync('promtool', ['--version']).status === 0;
if (!hasPromtool) console.log("promtool not found: skipping; CI installs Debian's prometheus");

function promtool(text: string): { status: number | null; out: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

async function scrape(url: string, accept?: string): Promise<{ contentType: string | null; text: string }> {
  const res = await fetch(`${url}/metrics`, accept === undefined ? {} : { headers: { accept } });
  return { contentType: res.headers.get('content-type'), text: await res.text() };
}

async function busyHarness() {
  const h = await startHarness({ params: { periodMs: 30, growCooldownMs: 60, shrinkCooldownMs: 1500 } });
  for (let i = 0; i < 4; i++) {
    await postJson(`${h.url}/v1/pools/transfer/samples`, { size: 16, busy: 16, queueStall: 0.1, idle: 0.9, completed: 100 * (i + 1) });
    await postJson(`${h.url}/v1/pools/buffer/samples`, { size: 16, busy: 4, idle: 0.8 });
    await new Promise((r) => setTimeout(r, 35));
  }
  await postJson(`${h.url}/v1/pools/transfer/samples`, { size: 1, busy: 2 });
  return h;
}

(hasPromtool ? test : test.skip)('/metrics passes promtool check metrics with nothing to report', async (t) => {
  const h = await busyHarness();
  try {
    const { text } = await scrape(h.url);
    const result = promtool(text);
    t.is(result.out, '');
    t.is(result.status, 0);
    // After an OpenMetrics scrape the Prometheus text is still clean (counter names intact).
    await scrape(h.url, 'application/openmetrics-text');
    t.is(promtool((await scrape(h.url)).text).out, '');
  } finally {
    await h.close();
  }
});

test('every metric of docs/operator-guide.md is exposed, with the process metrics', async (t) => {
  const h = await busyHarness();
  try {
    const { text, contentType } = await scrape(h.url);
    t.is(contentType, 'text/plain; version=0.0.4; charset=utf-8');
    const declared = new Set([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`));
    for (const g of CONTRACT_METRICS.gauges) t.true(declared.has(`${g} gauge`), g);
    for (const c of CONTRACT_METRICS.counters) t.true(declared.has(`${c} counter`), c);
    for (const x of CONTRACT_METRICS.histograms) t.true(declared.has(`${x} histogram`), x);
    t.true(declared.has('process_cpu_seconds_total counter'));
    t.regex(text, /^adaptive_threads_decisions_total\{pool="transfer",action="grow",reason="above-band"\} [1-9]/m);
    t.regex(text, /^adaptive_threads_samples_total\{pool="transfer"\} 4$/m);
    t.regex(text, /^adaptive_threads_samples_rejected_total\{reason="invalid-sample"\} 1$/m);
    t.regex(text, /^adaptive_threads_enabled 1$/m);
    t.regex(text, /^adaptive_threads_info\{version="0\.0\.0-test",law="pi"\} 1$/m);
    t.regex(text, /^adaptive_threads_tick_duration_seconds_count [1-9]/m);
    t.regex(text, /^adaptive_threads_controller_errors_total\{pool="buffer"\} 0$/m);
  } finally {
    await h.close();
  }
});

test('pool gauges are read from the state at scrape time', async (t) => {
  const h = await busyHarness();
  try {
    const { text } = await scrape(h.url);
    const state = h.engine.state('transfer');
    t.regex(text, new RegExp(`^adaptive_threads_pool_target_size\\{pool="transfer"\\} ${state.target}$`, 'm'));
    t.regex(text, /^adaptive_threads_pool_min_size\{pool="transfer"\} 4$/m);
    t.regex(text, /^adaptive_threads_pool_max_size\{pool="transfer"\} 32$/m);
    t.regex(text, /^adaptive_threads_pool_band_high_ratio\{pool="buffer"\} 0.85$/m);
    const classes = [...text.matchAll(/^adaptive_threads_pool_classification\{pool="buffer",class="([a-z-]+)"\} (\d)$/gm)];
    t.is(classes.length, 4);
    t.is(classes.filter((m) => m[2] === '1').length, 1, 'one class at 1');
    h.engine.pin('transfer', 5);
    t.regex((await scrape(h.url)).text, /^adaptive_threads_pool_pinned\{pool="transfer"\} 1$/m);
  } finally {
    await h.close();
  }
});

test('a scraper that asks for OpenMetrics gets it, and the next Prometheus scrape is unchanged', async (t) => {
  const h = await busyHarness();
  try {
    const before = await scrape(h.url);
    const om = await scrape(h.url, 'application/openmetrics-text; version=1.0.0,text/plain;version=0.0.4;q=0.5');
    t.is(om.contentType, 'application/openmetrics-text; version=1.0.0; charset=utf-8');
    t.true(om.text.endsWith('# EOF\n'));
    t.regex(om.text, /^# TYPE adaptive_threads_samples counter$/m);
    t.regex(om.text, /^adaptive_threads_samples_total\{pool="transfer"\} 4$/m);
    const after = await scrape(h.url);
    t.is(after.contentType, before.contentType);
    t.regex(after.text, /^# TYPE adaptive_threads_samples_total counter$/m);
    t.regex(after.text, /^adaptive_threads_samples_total\{pool="transfer"\} 4$/m);
  } finally {
    await h.close();
  }
});

test('when a daemon reports its hand-off queue, then /metrics shows its depth and capacity; a pool that reports none has no queue series', async (t) => {
  const h = await startHarness({ params: { periodMs: 30 } });
  try {
    const before = await scrape(h.url);
    t.regex(before.text, /^# TYPE adaptive_threads_pool_queue_depth gauge$/m);
    t.notRegex(before.text, /^adaptive_threads_pool_queue_depth\{/m, 'no depth before a sample reports one');
    await postJson(`${h.url}/v1/pools/transfer/samples`, { size: 8, busy: 8, queueDepth: 93, queueCapacity: 100 });
    await postJson(`${h.url}/v1/pools/buffer/samples`, { size: 8, busy: 2 });
    let text = '';
    for (let i = 0; i < 100 && !text.includes('adaptive_threads_pool_queue_depth{'); i++) {
      await new Promise((r) => setTimeout(r, 20));
      text = (await scrape(h.url)).text;
    }
    t.regex(text, /^adaptive_threads_pool_queue_depth\{pool="transfer"\} 93$/m);
    t.regex(text, /^adaptive_threads_pool_queue_capacity\{pool="transfer"\} 100$/m);
    t.notRegex(text, /^adaptive_threads_pool_queue_depth\{pool="buffer"\}/m);
  } finally {
    await h.close();
  }
});

test('wantsOpenMetrics reads the Accept header', (t) => {
  t.true(wantsOpenMetrics('application/openmetrics-text'));
  t.true(wantsOpenMetrics('application/openmetrics-text;version=1.0.0;q=0.9, text/plain;q=0.1'));
  t.false(wantsOpenMetrics('application/openmetrics-text;q=0'));
  t.false(wantsOpenMetrics('text/plain'));
  t.false(wantsOpenMetrics('*/*'));
  t.false(wantsOpenMetrics(undefined));
});

test('unknown signals are absent series, not zeros', async (t) => {
  const registry = new Registry();
  const view = { name: 'p', kind: 'transfer', mode: 'adaptive', recommended: 4, law: 'pi', size: 4, target: 4, bounds: { min: 2, max: 8 }, band: { low: 0.6, high: 0.85 }, utilization: null, queueStall: null, workerIdle: null, throughput: null, demand: null, cpu: { source: 'none', cpus: null, runDelay: null }, classification: 'unknown', ceiling: null, stale: false, lastDecisions: [], growReadyInMs: 0, shrinkReadyInMs: 0 } satisfies PoolView;
  createMetrics({ registry, version: 'v', enabled: false, cpus: 8, pools: [{ name: 'p', law: 'pi' }], states: () => [view], queues: () => [], defaultMetrics: false });
  const { body } = await renderMetrics(registry, false);
  t.notRegex(body, /^adaptive_threads_pool_utilization_ratio\{/m);
  t.regex(body, /^adaptive_threads_pool_size\{pool="p"\} 4$/m);
  t.regex(body, /^adaptive_threads_enabled 0$/m);
});

test('when the sidecar starts, then every counter a panel or alert reads exists at 0 for each pool, before any event', async (t) => {
  const registry = new Registry();
  createMetrics({ registry, version: 'v', enabled: true, cpus: 8, pools: [{ name: 'transfer', law: 'pi' }, { name: 'buffer', law: 'pi' }], states: () => [], queues: () => [], defaultMetrics: false });
  const { body } = await renderMetrics(registry, false);
  for (const pool of ['transfer', 'buffer']) {
    for (const series of [
      `decisions_total{pool="${pool}",action="grow",reason="above-band"}`,
      `decisions_total{pool="${pool}",action="grow",reason="backlog"}`,
      `decisions_total{pool="${pool}",action="shrink",reason="below-band"}`,
      `decisions_total{pool="${pool}",action="shrink",reason="stabilized"}`,
      `decisions_total{pool="${pool}",action="hold",reason="in-band"}`,
      `samples_total{pool="${pool}"}`,
      `actuations_total{pool="${pool}",result="ok"}`,
      `actuations_total{pool="${pool}",result="error"}`,
      `controller_errors_total{pool="${pool}"}`,
    ]) {
      t.true(body.includes(`\nadaptive_threads_${series} 0\n`), series);
    }
  }
  for (const reason of ['invalid-sample', 'not-json', 'too-large', 'rate-limited']) {
    t.true(body.includes(`\nadaptive_threads_samples_rejected_total{reason="${reason}"} 0\n`), reason);
  }
  if (hasPromtool) t.is(promtool(body).out, '', 'promtool check metrics is clean on a fresh start too');
});

test('when a pool runs a peer law, then its grows and shrinks for the law\'s own reason exist from start-up too; a pi pool has no such series', async (t) => {
  const registry = new Registry();
  createMetrics({ registry, version: 'v', enabled: true, cpus: 8, pools: [{ name: 'h', law: 'hpa' }, { name: 'p', law: 'pi' }], states: () => [], queues: () => [], defaultMetrics: false });
  const { body } = await renderMetrics(registry, false);
  t.true(body.includes('\nadaptive_threads_decisions_total{pool="h",action="grow",reason="law"} 0\n'));
  t.true(body.includes('\nadaptive_threads_decisions_total{pool="h",action="shrink",reason="law"} 0\n'));
  t.false(body.includes('{pool="p",action="grow",reason="law"}'));
});
