// The config reference of docs/operator-guide.md, generated from the TypeBox schema (the
// same JSON Schema ajv validates with), so the guide cannot drift from what the loader
// accepts: a table per section (key, type, default, allowed, description).
// test/config/reference.test.ts fails when the guide's copy differs; to regenerate it:
//
//     npx tsx src/config/reference.ts --write
//
// Importing this module has no side effects; only the guarded block at the end, run as a
// script, reads process.argv and touches files.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigFileSchema } from './schema.js';

export const REFERENCE_START = '<!-- config-reference:start -->';
export const REFERENCE_END = '<!-- config-reference:end -->';
export const REGENERATE_COMMAND = 'npx tsx src/config/reference.ts --write';
/** docs/operator-guide.md, two levels up from src/config (or dist/config). */
export const OPERATOR_GUIDE_PATH = fileURLToPath(new URL('../../docs/operator-guide.md', import.meta.url));

/** A JSON Schema node as TypeBox emits it; only the keywords the reference reads. */
interface Node {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  description?: string;
  default?: unknown;
  'x-allowed'?: string;
  properties?: Record<string, Node>;
  required?: string[];
  patternProperties?: Record<string, Node>;
  items?: Node | Node[];
  anyOf?: Node[];
  oneOf?: Node[];
}

interface Row {
  key: string;
  type: string;
  default: string;
  allowed: string;
  description: string;
}

interface Section {
  title: string;
  description: string;
  rows: Row[];
}

/**
 * Sections whose keys fall back to the same key of another section, not to the schema's
 * default: a pool's controller keys default to the value in `defaults`.
 */
const INHERITS: Readonly<Record<string, string>> = { 'pools.<name>': 'defaults' };

const ROOT = ConfigFileSchema as unknown as Node;

/** The markdown reference of every config key, generated from ConfigFileSchema. Ends with a newline. */
export function configReference(): string {
  const sections = walk(ROOT, '', 'Top level');
  const out = [
    '<!-- Generated from src/config/schema.ts by src/config/reference.ts; do not edit by hand. -->',
    `<!-- Regenerate: ${REGENERATE_COMMAND} -->`,
    '',
  ];
  for (const s of sections) {
    out.push(`### ${s.title}`, '', s.description, '', '| key | type | default | allowed | description |', '|---|---|---|---|---|');
    for (const r of s.rows) {
      out.push(`| ${[r.key, r.type, r.default, r.allowed, r.description].map(cell).join(' | ')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

/** One section for an object's own keys, then one for each nested map, record entry or union branch. */
function walk(schema: Node, path: string, title: string): Section[] {
  const props = schema.properties;
  if (props === undefined) return [];
  const required = new Set(schema.required ?? []);
  const inheritsFrom = INHERITS[path];
  const inheritable = inheritsFrom === undefined ? {} : (ROOT.properties?.[inheritsFrom]?.properties ?? {});
  const rows: Row[] = [];
  const nested: Section[] = [];
  for (const [key, child] of Object.entries(props)) {
    const keyPath = path === '' ? key : `${path}.${key}`;
    const sub = children(child, keyPath);
    rows.push({
      key: code(keyPath),
      type: typeOf(child),
      default: defaultOf(child, required.has(key), key in inheritable ? `${inheritsFrom}.${key}` : null, child.properties !== undefined),
      allowed: child['x-allowed'] ?? '',
      description: child.description ?? '',
    });
    nested.push(...sub);
  }
  const description = [schema.description, schema['x-allowed'] === undefined ? undefined : `Allowed: ${schema['x-allowed']}.`]
    .filter((s): s is string => s !== undefined)
    .join(' ');
  return [{ title, description, rows }, ...nested];
}

function children(schema: Node, path: string): Section[] {
  if (schema.properties !== undefined) return walk(schema, path, code(path));
  if (schema.patternProperties !== undefined) {
    return Object.values(schema.patternProperties).flatMap((entry) => walk(entry, `${path}.<name>`, code(`${path}.<name>`)));
  }
  if (schema.items !== undefined && !Array.isArray(schema.items)) return children(schema.items, `${path}[]`);
  if (schema.oneOf !== undefined) {
    return schema.oneOf.flatMap((branch) => {
      const tag = branch.properties?.['type']?.const;
      return walk(branch, path, tag === undefined ? code(path) : `${code(path)} with ${code(`type: ${String(tag)}`)}`);
    });
  }
  return [];
}

function typeOf(schema: Node): string {
  if (schema.anyOf !== undefined) return [...new Set(schema.anyOf.map(typeOf))].join(' | ');
  if (schema.oneOf !== undefined) return 'map';
  const type = Array.isArray(schema.type) ? schema.type.join(' | ') : schema.type;
  if (type === 'array') {
    if (Array.isArray(schema.items)) return `[${schema.items.map(typeOf).join(', ')}]`;
    const item = schema.items === undefined ? 'map' : typeOf(schema.items);
    return item === 'map' ? 'list' : `list of ${item}`;
  }
  if (type === 'object') return 'map';
  return type ?? 'any';
}

function defaultOf(schema: Node, required: boolean, inherited: string | null, hasSection: boolean): string {
  if (required) return 'required';
  if (inherited !== null) return `from ${code(inherited)}`;
  if (!('default' in schema)) return '';
  if (hasSection) return 'each key\'s default';
  return code(flow(schema.default));
}

/** A value as it is written in the YAML file, on one line. */
function flow(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(flow).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}: ${flow(v)}`).join(', ')}}`;
  }
  if (typeof value === 'string') return /^[A-Za-z0-9_./:-]+$/.test(value) && !/^(null|true|false|~)$/.test(value) ? value : JSON.stringify(value);
  return String(value);
}

function code(text: string): string {
  return `\`${text}\``;
}

/** A table cell: one line, pipes escaped (GFM splits cells on them, even inside code spans). */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
}

/** The generated block of a document (between the markers, newline after the start marker), or null without markers. */
export function extractReference(doc: string): string | null {
  const range = markerRange(doc);
  return range === null ? null : doc.slice(range.from, range.to);
}

/** The document with the block between the markers replaced by `reference`. Throws when the markers are missing. */
export function embedReference(doc: string, reference: string): string {
  const range = markerRange(doc);
  if (range === null) throw new Error(`the document has no ${REFERENCE_START} ... ${REFERENCE_END} block`);
  return doc.slice(0, range.from) + reference + doc.slice(range.to);
}

function markerRange(doc: string): { from: number; to: number } | null {
  const start = doc.indexOf(REFERENCE_START);
  if (start < 0) return null;
  const lineEnd = doc.indexOf('\n', start);
  const end = doc.indexOf(REFERENCE_END, start);
  if (lineEnd < 0 || end < 0 || end <= lineEnd) return null;
  return { from: lineEnd + 1, to: end };
}

export interface ReferenceIo {
  readFile(path: string): string;
  writeFile(path: string, text: string): void;
  stdout(text: string): void;
  stderr(text: string): void;
}

const USAGE = `usage: tsx src/config/reference.ts [--write [FILE] | --check [FILE]]
  (no option)    print the config reference
  --write [FILE] rewrite the block between ${REFERENCE_START} and ${REFERENCE_END}
                 in FILE (default docs/operator-guide.md)
  --check [FILE] exit 1 when FILE's block differs from the generated reference
`;

/** The script: prints, writes or checks the reference. Returns the exit code. */
export function runReference(args: readonly string[], io: ReferenceIo, guidePath: string = OPERATOR_GUIDE_PATH): number {
  const [option, file, ...rest] = args;
  if (option === undefined) {
    io.stdout(configReference());
    return 0;
  }
  if ((option !== '--write' && option !== '--check') || rest.length > 0) {
    io.stderr(USAGE);
    return 2;
  }
  const path = file ?? guidePath;
  let doc: string;
  try {
    doc = io.readFile(path);
  } catch (e) {
    io.stderr(`${path}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  const current = extractReference(doc);
  if (current === null) {
    io.stderr(`${path}: no ${REFERENCE_START} ... ${REFERENCE_END} block\n`);
    return 1;
  }
  const reference = configReference();
  if (current === reference) {
    io.stdout(`${path}: the config reference is up to date\n`);
    return 0;
  }
  if (option === '--check') {
    io.stderr(`${path}: the config reference differs from src/config/schema.ts; run: ${REGENERATE_COMMAND}\n`);
    return 1;
  }
  io.writeFile(path, embedReference(doc, reference));
  io.stdout(`${path}: config reference rewritten\n`);
  return 0;
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  process.exitCode = runReference(process.argv.slice(2), {
    readFile: (path) => readFileSync(path, 'utf8'),
    writeFile: (path, text) => writeFileSync(path, text),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  });
}
