// What a start-up refuses because it could never work: durations a timer cannot honour,
// tokens no Authorization header can carry, webhook URLs with credentials in them.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { ConfigFileSchema, MAX_DURATION_MS } from '../../src/config/schema.js';
import { loadable } from '../docs/examples.js';

const FILE = 'config/x.yaml';

function load(text: string): ConfigError | 'ok' {
  try {
    loadConfig([], {}, { readFile: () => text, cpuMax: () => null, availableParallelism: () => 8 }, () => undefined, { defaultConfigPath: FILE });
    return 'ok';
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
}

/** Every key of the schema whose name says milliseconds, with its path. */
function durationKeys(schema: Record<string, unknown>, path = ''): [string, Record<string, unknown>][] {
  const out: [string, Record<string, unknown>][] = [];
  for (const [key, child] of Object.entries((schema['properties'] as Record<string, Record<string, unknown>> | undefined) ?? {})) {
    if (key.endsWith('Ms')) out.push([`${path}.${key}`, child]);
    out.push(...durationKeys(child, `${path}.${key}`));
  }
  for (const child of Object.values((schema['patternProperties'] as Record<string, Record<string, unknown>> | undefined) ?? {})) out.push(...durationKeys(child, `${path}.<name>`));
  const items = schema['items'] as Record<string, unknown> | undefined;
  if (items !== undefined && !Array.isArray(items)) out.push(...durationKeys(items, `${path}[]`));
  for (const branch of (schema['oneOf'] as Record<string, unknown>[] | undefined) ?? []) out.push(...durationKeys(branch, path));
  return out;
}

test('when a key is a duration in ms, then the schema caps it at 2^31 - 1 and allows 0 only where its description says what 0 means', (t) => {
  const keys = durationKeys(ConfigFileSchema as unknown as Record<string, unknown>);
  t.true(keys.length >= 14, keys.map(([k]) => k).join(' '));
  for (const [path, schema] of keys) {
    t.is(schema['maximum'], MAX_DURATION_MS, path);
    const min = schema['minimum'] as number;
    t.true(min >= 0, path);
    if (min === 0) t.regex(String(schema['description']), / 0 means /, `${path} allows 0 without saying what it means`);
  }
});

for (const key of ['periodMs', 'growCooldownMs', 'shrinkCooldownMs', 'failedGrowBackoffMs', 'hpaStabilizationMs', 'hpaPolicyPeriodMs', 'cheaperOverloadMs']) {
  test(`when defaults.${key} is over 2^31 - 1 ms, then start-up fails naming it; 2^31 - 1 itself is accepted`, (t) => {
    const err = load(`defaults:\n  ${key}: 9999999999\n`);
    t.true(err instanceof ConfigError && err.key === `defaults.${key}`, String(err));
    t.regex(err instanceof ConfigError ? err.message : '', /2147483647/);
    t.is(load(`defaults:\n  ${key}: ${MAX_DURATION_MS}\n`), 'ok');
  });
}

test('when a duration is 0, then only the cooldowns and the hpa stabilization accept it', (t) => {
  for (const key of ['growCooldownMs', 'shrinkCooldownMs', 'hpaStabilizationMs']) t.is(load(`defaults:\n  ${key}: 0\n`), 'ok', key);
  for (const key of ['failedGrowBackoffMs', 'hpaPolicyPeriodMs', 'cheaperOverloadMs']) t.true(load(`defaults:\n  ${key}: 0\n`) instanceof ConfigError, key);
});

test('when a pool overrides a duration with more than 2^31 - 1 ms, then start-up fails naming the pool key', (t) => {
  const err = load('pools:\n  transfer: {kind: transfer, periodMs: 2147483648}\n');
  t.is(err instanceof ConfigError ? err.key : err, 'pools.transfer.periodMs');
});

test('when idleEwmaSeconds is infinite or beyond 2^31 - 1 ms, then start-up fails', (t) => {
  t.true(load('defaults:\n  idleEwmaSeconds: .inf\n') instanceof ConfigError);
  t.true(load('defaults:\n  idleEwmaSeconds: 3000000\n') instanceof ConfigError);
  t.is(load('defaults:\n  idleEwmaSeconds: 2147483\n'), 'ok');
});

test('when a webhook timeoutMs is over 2^31 - 1 (which would abort every POST at once), then start-up fails naming it', (t) => {
  const err = load('actuators:\n  - {type: webhook, url: "http://127.0.0.1:8873/x", timeoutMs: 2147483648}\n');
  t.is(err instanceof ConfigError ? err.key : err, 'actuators[0].timeoutMs');
  t.is(load(`actuators:\n  - {type: webhook, url: "http://127.0.0.1:8873/x", timeoutMs: ${MAX_DURATION_MS}}\n`), 'ok');
  t.true(load('actuators:\n  - {type: webhook, url: "http://127.0.0.1:8873/x", timeoutMs: 0}\n') instanceof ConfigError);
});

for (const [token, why] of [
  ['replace-with-the-output-of: openssl rand -hex 32', 'the examples\' placeholder (spaces)'],
  ['two words', 'a space'],
  ['pässwort', 'non-ASCII'],
  ['tab\there', 'a tab'],
  ['', 'empty'],
] as const) {
  test(`when the token has ${why}, then start-up fails naming token and what is allowed`, (t) => {
    const err = load(`token: ${JSON.stringify(token)}\n`);
    t.true(err instanceof ConfigError, String(err));
    if (err instanceof ConfigError) {
      t.is(err.key, 'token');
      t.regex(err.message, /printable ASCII without spaces/);
    }
  });
}

test('when the token is printable ASCII without spaces, then it is accepted', (t) => {
  t.is(load('token: "3f9c0a1b2c3d4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789ab"\n'), 'ok');
  t.is(load('token: "A-b_c.d~e+f/g=!#$%&*"\n'), 'ok');
});

test('when a webhook URL carries credentials, then start-up fails naming the key, and the password appears nowhere', (t) => {
  const err = load('actuators:\n  - {type: webhook, url: "http://daemon:hunter2@127.0.0.1:8873/pools/{pool}/size"}\n');
  t.true(err instanceof ConfigError, String(err));
  if (err instanceof ConfigError) {
    t.is(err.key, 'actuators[0].url');
    t.regex(err.message, /without credentials/);
    t.notRegex(err.message, /hunter2/);
    t.notRegex(JSON.stringify(err.value), /hunter2/);
    t.regex(err.message, /http:\/\/\*\*\*@127\.0\.0\.1:8873\/pools\/\{pool\}\/size/);
  }
});

test('when the example production config is loaded as shipped, then its placeholder token is refused; with a real token it loads', (t) => {
  const text = loadable(readFileSync(new URL('../../docs/examples/config-production.yaml', import.meta.url), 'utf8'));
  const err = load(text);
  t.is(err instanceof ConfigError ? err.key : err, 'token');
  t.is(load(text.replace(/^token: .*$/m, 'token: "0123456789abcdef0123456789abcdef"')), 'ok');
});
