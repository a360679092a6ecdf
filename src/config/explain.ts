// Turns a validation failure into the one message an operator needs:
//   config/x.yaml:12: pools.transfer.threads: 5000 is not allowed (an integer in [1, 4096] pins the pool, 0 or "adaptive" means adaptive)
// file and line from the YAML source, the key path, the value as written, and what the key allows.
import type { ErrorObject } from 'ajv';
import { ALLOWED_KEYWORD } from '../protocol/ajv.js';
import { ConfigError, formatValue, locationPrefix } from './errors.js';
import type { ConfigErrorCode } from './errors.js';
import { ConfigFileSchema, schemaAt } from './schema.js';
import type { KeyPath, YamlSource } from './yaml-source.js';

/** `pools.transfer.threads`, `defaults.band[0]`, `actuators[1].url`; `(top level)` for the root. */
export function formatKeyPath(path: KeyPath): string {
  let text = '';
  for (const seg of path) text += typeof seg === 'number' ? `[${seg}]` : text === '' ? seg : `.${seg}`;
  return text === '' ? '(top level)' : text;
}

function valueAt(data: unknown, path: KeyPath): unknown {
  let value = data;
  for (const seg of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[seg];
  }
  return value;
}

/** ajv's `/pools/transfer/threads` as segments; an index is a number only where the data is an array. */
function pathOf(data: unknown, instancePath: string): (string | number)[] {
  const path: (string | number)[] = [];
  let value = data;
  for (const raw of instancePath.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const key = Array.isArray(value) ? Number(seg) : seg;
    path.push(key);
    value = valueAt(value, [key]);
  }
  return path;
}

/** The most specific `x-allowed` phrase along the schema path. */
function allowedAt(data: unknown, path: KeyPath): string | null {
  const chain = schemaAt(ConfigFileSchema, data, path);
  for (let i = chain.length - 1; i >= 0; i--) {
    const allowed = (chain[i] as Record<string, unknown>)[ALLOWED_KEYWORD];
    if (typeof allowed === 'string') return allowed;
  }
  return null;
}

function fail(src: YamlSource, code: ConfigErrorCode, path: KeyPath, value: unknown, text: string): ConfigError {
  const line = src.lineOf(path);
  const key = formatKeyPath(path);
  return new ConfigError(`${locationPrefix(src.file, line)}${key}: ${text}`, { code, file: src.file, key, line, value });
}

/** `<key>: <value> is not allowed (<allowed>)`, for a value the cross-field checks refuse. */
export function invalidValue(src: YamlSource, path: KeyPath, value: unknown, allowed: string): ConfigError {
  return fail(src, 'invalid-value', path, value, `${formatValue(value)} is not allowed (${allowed})`);
}

/** The schema of the object at `path` in the file's data. */
function objectSchemaAt(data: unknown, path: KeyPath): Record<string, unknown> | undefined {
  return schemaAt(ConfigFileSchema, data, path).at(-1) as Record<string, unknown> | undefined;
}

/** The keys an object schema allows (none for a record of names, like pools). */
function knownKeys(schema: Record<string, unknown> | undefined): string[] {
  if (schema?.['patternProperties'] !== undefined) return [];
  return Object.keys((schema?.['properties'] as object | undefined) ?? {});
}

/** The ConfigError for ajv's first error on the file's data. */
export function explainSchemaError(src: YamlSource, data: unknown, err: ErrorObject): ConfigError {
  const path = pathOf(data, err.instancePath);
  if (err.keyword === 'additionalProperties') {
    const name = String(err.params['additionalProperty']);
    const parent = objectSchemaAt(data, path);
    const child = [...path, name];
    const patterns = parent?.['patternProperties'];
    if (patterns !== undefined && patterns !== null) {
      // A record (pools): the key is a name, so the name is the bad value.
      const pattern = Object.keys(patterns).join(' or ');
      return fail(src, 'invalid-value', child, name, `the name ${formatValue(name)} is not allowed (a name matching ${pattern})`);
    }
    return fail(src, 'unknown-key', child, valueAt(data, child), `unknown key ${formatValue(name)} (allowed here: ${knownKeys(parent).join(', ')})`);
  }
  if (err.keyword === 'required') {
    const name = String(err.params['missingProperty']);
    // A key missing beside one the schema does not know is most likely that key misspelt
    // (`stat:` for `stats:`): the unknown key is named first.
    const known = knownKeys(objectSchemaAt(data, path));
    const here = valueAt(data, path);
    const stray = known.length === 0 || here === null || typeof here !== 'object' ? undefined : Object.keys(here).find((k) => !known.includes(k));
    if (stray !== undefined) {
      const child = [...path, stray];
      return fail(src, 'unknown-key', child, valueAt(data, child), `unknown key ${formatValue(stray)} (allowed here: ${known.join(', ')}), and the required key ${formatValue(name)} is missing`);
    }
    const allowed = allowedAt(data, [...path, name]);
    return fail(src, 'missing-key', path, undefined, `missing required key ${formatValue(name)}${allowed === null ? '' : ` (${allowed})`}`);
  }
  if (err.keyword === 'discriminator') {
    // The branch is chosen by `type`: name that key, not the whole actuator.
    const typePath = [...path, 'type'];
    const tag = valueAt(data, typePath);
    const allowed = 'webhook | file';
    if (tag === undefined) return fail(src, 'missing-key', path, undefined, `missing required key "type" (${allowed})`);
    return fail(src, 'invalid-value', typePath, tag, `${formatValue(tag)} is not allowed (${allowed})`);
  }
  const value = valueAt(data, path);
  return invalidValue(src, path, value, allowedAt(data, path) ?? err.message ?? 'see the config reference');
}
