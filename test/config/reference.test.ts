// The generated config reference: it covers every key of the schema, renders as valid
// tables, and the copy embedded in docs/operator-guide.md is exactly the generator's output.
import test from 'ava';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  REFERENCE_END, REFERENCE_START, REGENERATE_COMMAND, configReference, embedReference, extractReference, runReference,
} from '../../src/config/reference.js';
import type { ReferenceIo } from '../../src/config/reference.js';
import { ConfigFileSchema } from '../../src/config/schema.js';
import { tempDir } from '../fixtures/temp.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GUIDE = join(ROOT, 'docs', 'operator-guide.md');
const SCRIPT = join(ROOT, 'src', 'config', 'reference.ts');

const reference = configReference();

type Json = Record<string, unknown>;

/** Every key path of the config file, as the reference writes them (`pools.<name>.kind`, `actuators[].url`). */
function keyPaths(schema: Json, path = ''): string[] {
  const out: string[] = [];
  for (const [key, child] of Object.entries((schema['properties'] as Record<string, Json> | undefined) ?? {})) {
    const p = path === '' ? key : `${path}.${key}`;
    out.push(p, ...keyPaths(child, p));
  }
  for (const child of Object.values((schema['patternProperties'] as Record<string, Json> | undefined) ?? {})) out.push(...keyPaths(child, `${path}.<name>`));
  const items = schema['items'] as Json | undefined;
  if (items !== undefined && !Array.isArray(items)) out.push(...keyPaths(items, `${path}[]`));
  for (const branch of (schema['oneOf'] as Json[] | undefined) ?? []) out.push(...keyPaths(branch, path));
  return out;
}

/** The table rows of the reference, split into cells on unescaped pipes. */
function rows(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => line.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim()));
}

function row(key: string): string[] {
  const found = rows(reference).find((cells) => cells[0] === `\`${key}\``);
  if (found === undefined) throw new Error(`no row for ${key}`);
  return found;
}

function fakeIo(files: Record<string, string>): ReferenceIo & { out: string; err: string; files: Record<string, string> } {
  const io = {
    files,
    out: '',
    err: '',
    readFile(path: string): string {
      const text = files[path];
      if (text === undefined) throw new Error('ENOENT: no such file');
      return text;
    },
    writeFile(path: string, text: string): void {
      files[path] = text;
    },
    stdout(text: string): void {
      io.out += text;
    },
    stderr(text: string): void {
      io.err += text;
    },
  };
  return io;
}

const doc = (block: string): string => `# Guide\n\nbefore\n\n${REFERENCE_START}\n${block}${REFERENCE_END}\n\nafter\n`;

test('when the operator guide embeds the config reference, then it is exactly the generated one', (t) => {
  const embedded = extractReference(readFileSync(GUIDE, 'utf8'));
  t.not(embedded, null, `docs/operator-guide.md has no ${REFERENCE_START} ... ${REFERENCE_END} block`);
  t.is(embedded, reference, `docs/operator-guide.md's config reference is out of date with src/config/schema.ts. Regenerate it with:\n\n    ${REGENERATE_COMMAND}\n`);
});

test('when the reference is generated, then every key of the schema has a row', (t) => {
  const keys = new Set(rows(reference).map((cells) => cells[0]));
  const paths = [...new Set(keyPaths(ConfigFileSchema as unknown as Json))];
  t.true(paths.length > 25);
  t.deepEqual(paths.filter((p) => !keys.has(`\`${p}\``)), []);
});

test('when a row is rendered, then it has five cells, a type, what is allowed and a description', (t) => {
  const all = rows(reference);
  t.true(all.length > 25);
  for (const cells of all) {
    t.is(cells.length, 5, cells.join(' | '));
    const [key, type, , allowed, description] = cells;
    t.not(type, '', `${key} type`);
    t.not(allowed, '', `${key} allowed`);
    t.not(description, '', `${key} description`);
  }
});

test('when a key has a default, then the reference shows the value as written in YAML', (t) => {
  const cases: [key: string, type: string, def: string][] = [
    ['listen', 'string', '`127.0.0.1:9464`'],
    ['cpus', 'string \\| integer', '`auto`'],
    ['token', 'string \\| null', '`null`'],
    ['defaults.law', 'string', '`pi`'],
    ['defaults.periodMs', 'integer', '`1000`'],
    ['defaults.band', '[number, number]', '`[0.6, 0.85]`'],
    ['defaults.growCooldownMs', 'integer', '`5000`'],
    ['defaults.shrinkCooldownMs', 'integer', '`30000`'],
    ['defaults.staleAfterPeriods', 'integer', '`3`'],
    ['defaults.idleEwmaSeconds', 'number', '`30`'],
    ['defaults.failedGrowBackoffMs', 'integer', '`10000`'],
    ['defaults.maxStep', 'integer \\| null', '`null`'],
    ['pools', 'map', '`{transfer: {kind: transfer, threads: adaptive}, buffer: {kind: buffer, threads: adaptive}}`'],
    ['actuators', 'list', '`[]`'],
    ['actuators[].timeoutMs', 'integer', '`2000`'],
    ['actuators[].maxRetries', 'integer', '`3`'],
  ];
  for (const [key, type, def] of cases) {
    const cells = row(key);
    t.is(cells[1], type, `${key} type`);
    t.is(cells[2], def, `${key} default`);
  }
});

test('when a pool key overrides defaults, then its default says where it comes from; pool-only keys keep their own', (t) => {
  t.is(row('pools.<name>.law')[2], 'from `defaults.law`');
  t.is(row('pools.<name>.band')[2], 'from `defaults.band`');
  t.is(row('pools.<name>.kind')[2], 'required');
  t.is(row('pools.<name>.threads')[2], '`adaptive`');
  t.is(row('pools.<name>.mode')[2], '`adaptive`');
  t.is(row('actuators[].url')[2], 'required');
});

test('when an allowed text holds a pipe, then it is escaped so the table keeps its columns', (t) => {
  t.is(row('defaults.law')[3], 'pi \\| band \\| aimd \\| hpa \\| hill \\| cheaper');
  t.is(row('pools.<name>.mode')[3], 'adaptive \\| observe');
});

test('when the reference is generated, then there is one section per map, record and actuator type', (t) => {
  const headings = reference.split('\n').filter((l) => l.startsWith('### '));
  t.deepEqual(headings, [
    '### Top level',
    '### `defaults`',
    '### `pools.<name>`',
    '### `pools.<name>.process`',
    '### `pools.<name>.source`',
    '### `actuators[]` with `type: webhook`',
    '### `actuators[]` with `type: file`',
  ]);
  t.true(reference.endsWith('|\n'));
});

test('when a block is embedded, then only the text between the markers changes and extraction returns it', (t) => {
  const before = doc('old text\n');
  const after = embedReference(before, 'new text\n');
  t.is(after, doc('new text\n'));
  t.is(extractReference(after), 'new text\n');
  t.is(embedReference(after, 'new text\n'), after);
});

test('when the markers are missing or out of order, then extraction finds nothing and embedding throws', (t) => {
  t.is(extractReference('# no markers\n'), null);
  t.is(extractReference(`${REFERENCE_END}\n${REFERENCE_START}\n`), null);
  t.throws(() => embedReference('# no markers\n', reference), { message: /config-reference:start/ });
});

test('when the script runs with --write on a stale guide, then it rewrites the block; --check then passes', (t) => {
  const io = fakeIo({ '/guide.md': doc('stale\n') });
  t.is(runReference(['--write', '/guide.md'], io), 0);
  t.is(io.files['/guide.md'], doc(reference));
  t.regex(io.out, /rewritten/);
  t.is(runReference(['--check', '/guide.md'], io), 0);
  t.regex(io.out, /up to date/);
});

test('when the script runs with --check on a stale guide, then it fails with the command to regenerate and writes nothing', (t) => {
  const io = fakeIo({ '/guide.md': doc('stale\n') });
  t.is(runReference(['--check', '/guide.md'], io), 1);
  t.true(io.err.includes(REGENERATE_COMMAND));
  t.is(io.files['/guide.md'], doc('stale\n'));
});

test('when the script runs with no option, then it prints the reference; a bad option or file is an error', (t) => {
  const io = fakeIo({ '/plain.md': '# no markers\n' });
  t.is(runReference([], io), 0);
  t.is(io.out, reference);
  t.is(runReference(['--frobnicate'], io), 2);
  t.regex(io.err, /usage/);
  t.is(runReference(['--write', '/missing.md'], io), 1);
  t.is(runReference(['--write', '/plain.md'], io), 1);
  t.is(io.files['/plain.md'], '# no markers\n');
});

test('when the module is imported, then its script entry does not run', (t) => {
  // Run as a script it would set process.exitCode; imported (as here) it must not.
  t.is(process.exitCode, undefined);
});

test('when reference.ts is run as a script with --write FILE, then it rewrites that file', async (t) => {
  const dir = tempDir(t, 'reference-');
  const file = join(dir, 'guide.md');
  writeFileSync(file, doc('stale\n'));
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', SCRIPT, '--write', file], { cwd: ROOT });
  t.regex(stdout, /rewritten/);
  t.is(readFileSync(file, 'utf8'), doc(reference));
});
