// The docs' links hold: every alert's runbook_url lands on a section of the operator
// guide, every relative link in docs/ points at a file (and anchor) that exists, and the
// example files the guides link to are valid (YAML parses, example configs load).
import test from 'ava';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config/index.js';
import type { ConfigFiles } from '../../src/config/index.js';
import { loadable } from './examples.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOCS = join(ROOT, 'docs');
const GUIDE = join(DOCS, 'operator-guide.md');
const EXAMPLES = join(DOCS, 'examples');

/** The anchors the alert rules link to (dashboards/alerts.yml), one per alert. */
const RUNBOOK_ANCHORS = [
  'alert-adaptivethreadspoolatmax',
  'alert-adaptivethreadspoolstale',
  'alert-adaptivethreadscontrollererrors',
  'alert-adaptivethreadsactuationfailures',
  'alert-adaptivethreadsdecisionsflapping',
  'alert-adaptivethreadssidecardown',
  'alert-adaptivethreadssidecarabsent',
];

interface Rule {
  alert?: string;
  annotations?: Record<string, string>;
}

function alertRules(): Rule[] {
  const file = parseYaml(readFileSync(join(ROOT, 'dashboards', 'alerts.yml'), 'utf8')) as { groups: { rules: Rule[] }[] };
  return file.groups.flatMap((g) => g.rules).filter((r) => r.alert !== undefined);
}

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return markdownFiles(path);
    return name.endsWith('.md') ? [path] : [];
  });
}

/** Markdown without fenced code blocks and inline code spans: links there are examples, not links. */
function prose(text: string): string {
  return text
    .replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '')
    .replace(/`[^`\n]*`/g, '');
}

/** GitHub's heading slugs: lower case, punctuation dropped, spaces to hyphens, -1, -2 for repeats. */
function headingSlugs(text: string): string[] {
  const seen = new Map<string, number>();
  const slugs: string[] = [];
  for (const line of text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').split('\n')) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (m === null) continue;
    const base = (m[1] as string)
      .replace(/`/g, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    slugs.push(n === 0 ? base : `${base}-${n}`);
  }
  return slugs;
}

function anchors(text: string): Set<string> {
  const explicit = [...text.matchAll(/<a\s+(?:id|name)="([^"]+)"\s*>\s*<\/a>/g)].map((m) => m[1] as string);
  return new Set([...explicit, ...headingSlugs(text)]);
}

interface Link {
  file: string;
  target: string;
}

function relativeLinks(file: string): Link[] {
  const text = prose(readFileSync(file, 'utf8'));
  const targets = [...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1] as string);
  return targets.filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target)).map((target) => ({ file, target }));
}

const docs = markdownFiles(DOCS);
const links = docs.flatMap(relativeLinks);
const rel = (path: string): string => relative(ROOT, path);

test('when an alert links its runbook, then the anchor is a section of docs/operator-guide.md', (t) => {
  const rules = alertRules();
  t.true(rules.length >= 7);
  const guideAnchors = anchors(readFileSync(GUIDE, 'utf8'));
  for (const rule of rules) {
    const url = rule.annotations?.['runbook_url'] ?? '';
    const m = /\/docs\/operator-guide\.md#([^#]+)$/.exec(url);
    t.not(m, null, `${String(rule.alert)}: runbook_url ${url} does not point into docs/operator-guide.md`);
    if (m !== null) t.true(guideAnchors.has(m[1] as string), `${String(rule.alert)}: docs/operator-guide.md has no anchor ${m[1]}`);
  }
});

test('when the guide anchors a runbook, then it is an explicit, unique <a id> for each alert', (t) => {
  const guide = readFileSync(GUIDE, 'utf8');
  const linked = alertRules().map((r) => /#([^#]+)$/.exec(r.annotations?.['runbook_url'] ?? '')?.[1]);
  t.deepEqual(linked, RUNBOOK_ANCHORS);
  for (const anchor of RUNBOOK_ANCHORS) {
    t.is(guide.split(`<a id="${anchor}"></a>`).length - 1, 1, `<a id="${anchor}"></a> once in docs/operator-guide.md`);
  }
});

test('when a doc links to a file relatively, then the file exists', (t) => {
  t.true(docs.includes(GUIDE) && docs.includes(join(DOCS, 'integration.md')));
  t.true(links.length > 10);
  const missing = links.filter(({ file, target }) => {
    const path = target.split('#')[0] as string;
    return path !== '' && !existsSync(resolve(dirname(file), decodeURIComponent(path)));
  });
  t.deepEqual(missing.map((l) => `${rel(l.file)} -> ${l.target}`), []);
});

test('when a doc links to an anchor of a markdown file, then the heading or <a id> exists', (t) => {
  const broken = links.filter(({ file, target }) => {
    const [path, fragment] = target.split('#') as [string, string | undefined];
    if (fragment === undefined || fragment === '') return false;
    const into = path === '' ? file : resolve(dirname(file), decodeURIComponent(path));
    if (!into.endsWith('.md') || !existsSync(into)) return false;
    return !anchors(readFileSync(into, 'utf8')).has(decodeURIComponent(fragment));
  });
  t.deepEqual(broken.map((l) => `${rel(l.file)} -> ${l.target}`), []);
});

test('when a file is in docs/examples, then the operator guide links to it', (t) => {
  const linked = new Set(links.filter((l) => l.file === GUIDE).map((l) => resolve(DOCS, (l.target.split('#')[0] as string))));
  const orphans = readdirSync(EXAMPLES).map((name) => join(EXAMPLES, name)).filter((path) => !linked.has(path));
  t.deepEqual(orphans.map(rel), []);
});

test('when an example is YAML, then every document in it parses', (t) => {
  const files = readdirSync(EXAMPLES).filter((name) => /\.ya?ml$/.test(name));
  t.true(files.length >= 5);
  for (const name of files) {
    for (const doc of parseAllDocuments(readFileSync(join(EXAMPLES, name), 'utf8'))) {
      t.deepEqual(doc.errors.map((e) => e.message), [], name);
    }
  }
});

test('when an example config is loaded (its placeholder token replaced), then the sidecar accepts it', (t) => {
  // The placeholder is refused on purpose (test/config/limits.test.ts): an operator must set a token.
  const withToken = (text: string): string => loadable(text.replace(/^token: "replace-with[^"]*"$/m, 'token: "0123456789abcdef"'));
  const files: ConfigFiles = { readFile: (path) => withToken(readFileSync(path, 'utf8')), cpuMax: () => null, availableParallelism: () => 8 };
  const configs = readdirSync(EXAMPLES).filter((name) => /^config-.*\.ya?ml$/.test(name));
  t.true(configs.length >= 2);
  for (const name of configs) {
    const result = loadConfig(['--config', join(EXAMPLES, name)], {}, files, () => undefined);
    t.is(result.kind, 'run', name);
  }
});
