import test from 'ava';
import type { TSchema } from '@sinclair/typebox';
import { ConfigFileSchema, DEFAULT_CONTROLLER, schemaAt, validateConfigFile } from '../../src/config/schema.js';

interface Visit {
  path: string;
  schema: Record<string, unknown>;
  required: boolean;
}

/** Every property schema of the config file, with whether its parent requires it. */
function properties(schema: Record<string, unknown>, path = ''): Visit[] {
  const out: Visit[] = [];
  const required = new Set((schema['required'] as string[] | undefined) ?? []);
  for (const [key, child] of Object.entries((schema['properties'] as Record<string, Record<string, unknown>> | undefined) ?? {})) {
    out.push({ path: `${path}.${key}`, schema: child, required: required.has(key) }, ...properties(child, `${path}.${key}`));
  }
  for (const child of Object.values((schema['patternProperties'] as Record<string, Record<string, unknown>> | undefined) ?? {})) {
    out.push(...properties(child, `${path}.<name>`));
  }
  const items = schema['items'] as Record<string, unknown> | undefined;
  if (items !== undefined && !Array.isArray(items)) out.push(...properties(items, `${path}[]`));
  for (const branch of (schema['oneOf'] as Record<string, unknown>[] | undefined) ?? []) out.push(...properties(branch, path));
  return out;
}

/** Every object schema (records, branches and the root included). */
function objects(schema: Record<string, unknown>, path = '(root)'): { path: string; schema: Record<string, unknown> }[] {
  const out = schema['type'] === 'object' && schema['oneOf'] === undefined ? [{ path, schema }] : [];
  for (const [key, child] of Object.entries((schema['properties'] as Record<string, Record<string, unknown>> | undefined) ?? {})) out.push(...objects(child, `${path}.${key}`));
  for (const child of Object.values((schema['patternProperties'] as Record<string, Record<string, unknown>> | undefined) ?? {})) out.push(...objects(child, `${path}.<name>`));
  const items = schema['items'] as Record<string, unknown> | undefined;
  if (items !== undefined && !Array.isArray(items)) out.push(...objects(items, `${path}[]`));
  for (const branch of (schema['oneOf'] as Record<string, unknown>[] | undefined) ?? []) out.push(...objects(branch, `${path}|${String((branch['properties'] as Record<string, { const?: unknown }>)['type']?.const)}`));
  return out;
}

const all = properties(ConfigFileSchema as unknown as Record<string, unknown>);

test('when the reference is generated, then every key of the config file has a description', (t) => {
  t.true(all.length > 20);
  t.deepEqual(all.filter((v) => typeof v.schema['description'] !== 'string').map((v) => v.path), []);
});

test('when a key is optional, then its schema names its default and what is allowed', (t) => {
  const optional = all.filter((v) => !v.required);
  t.deepEqual(optional.filter((v) => !('default' in v.schema)).map((v) => v.path), []);
  t.deepEqual(all.filter((v) => typeof v.schema['x-allowed'] !== 'string').map((v) => v.path), []);
});

test('when an object is in the schema, then it refuses unknown keys', (t) => {
  const list = objects(ConfigFileSchema as unknown as Record<string, unknown>);
  t.true(list.length >= 6);
  t.deepEqual(list.filter((o) => o.schema['additionalProperties'] !== false).map((o) => o.path), []);
});

test('when defaults are declared, then the schema defaults are the documented values', (t) => {
  const defaults = (ConfigFileSchema.properties.defaults as unknown as { properties: Record<string, { default: unknown }> }).properties;
  t.deepEqual(Object.fromEntries(Object.entries(defaults).map(([k, v]) => [k, v.default])), DEFAULT_CONTROLLER);
  t.deepEqual(DEFAULT_CONTROLLER, {
    law: 'pi', periodMs: 1000, band: [0.6, 0.85], growCooldownMs: 5000, shrinkCooldownMs: 30000,
    staleAfterPeriods: 3, idleEwmaSeconds: 30, failedGrowBackoffMs: 10000, maxStep: null,
    hpaStabilizationMs: 300_000, hpaPolicyPeriodMs: 15_000, hillSeed: 0x5eed,
    cheaperOwnBand: true, cheaperStep: 1, cheaperOverloadMs: 3000,
  });
});

for (const [name, data, valid] of [
  ['an empty map', {}, true],
  ['docs/operator-guide.md keys', { listen: '127.0.0.1:9464', cpus: 'auto', token: null, defaults: { ...DEFAULT_CONTROLLER }, pools: { transfer: { kind: 'transfer', threads: 'adaptive' } }, actuators: [] }, true],
  ['cpus 4', { cpus: 4 }, true],
  ['cpus 0', { cpus: 0 }, false],
  ['cpus "4"', { cpus: '4' }, false],
  ['an empty token', { token: '' }, false],
  ['no pools', { pools: {} }, false],
  ['a pool name of 65 characters', { pools: { ['a'.repeat(65)]: { kind: 'buffer' } } }, false],
  ['a pool name of 64 characters', { pools: { ['a'.repeat(64)]: { kind: 'buffer' } } }, true],
  ['a pool name with a dot', { pools: { 'a.b': { kind: 'buffer' } } }, false],
  ['threads 4096', { pools: { a: { kind: 'buffer', threads: 4096 } } }, true],
  ['threads 4097', { pools: { a: { kind: 'buffer', threads: 4097 } } }, false],
  ['maxStep 2', { defaults: { maxStep: 2 } }, true],
  ['maxStep 0', { defaults: { maxStep: 0 } }, false],
  ['staleAfterPeriods 0', { defaults: { staleAfterPeriods: 0 } }, false],
  ['idleEwmaSeconds 0', { defaults: { idleEwmaSeconds: 0 } }, false],
  ['a band of three', { defaults: { band: [0.1, 0.2, 0.3] } }, false],
  ['a webhook without url', { actuators: [{ type: 'webhook' }] }, false],
  ['a file actuator with a url', { actuators: [{ type: 'file', dir: '/d', url: 'http://x' }] }, false],
  ['a webhook with timeoutMs 0', { actuators: [{ type: 'webhook', url: 'http://x', timeoutMs: 0 }] }, false],
  ['a webhook with retries', { actuators: [{ type: 'webhook', url: 'http://x', timeoutMs: 100, maxRetries: 0 }] }, true],
] as const) {
  test(`when the file holds ${name}, then the schema ${valid ? 'accepts' : 'refuses'} it`, (t) => {
    t.is(validateConfigFile(data), valid);
  });
}

test('when a key path goes through an actuator, then schemaAt picks the branch its type names', (t) => {
  const data = { actuators: [{ type: 'file', dir: '/d' }] };
  const chain = schemaAt(ConfigFileSchema, data, ['actuators', 0]);
  t.deepEqual(Object.keys((chain.at(-1) as TSchema)['properties'] as object), ['type', 'dir']);
});

test('when a key path goes through a record and a tuple, then schemaAt follows them', (t) => {
  const chain = schemaAt(ConfigFileSchema, {}, ['pools', 'x', 'band', 1]);
  t.is(chain.length, 5);
  t.is((chain.at(-1) as TSchema)['description'], 'high edge of the band');
});
