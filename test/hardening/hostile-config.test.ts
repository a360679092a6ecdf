// Property-based: generated config files thrown at loadConfig (files injected). Each one
// either loads into a frozen Config or is refused at start-up with a ConfigError that names
// the file (and, for a bad value, the key); nothing else is ever thrown.
import test from 'ava';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import type { ConfigFiles } from '../../src/config/load.js';
import type { LoadResult } from '../../src/config/types.js';
import { isPoolName } from '../../src/protocol/index.js';

const FILE = '/etc/adaptive-threads/hostile.yaml';
const RUNS = 500;

function files(text: string): ConfigFiles {
  return { readFile: () => text, cpuMax: () => null, availableParallelism: () => 4 };
}

type Outcome = { ok: true; result: LoadResult } | { ok: false; error: ConfigError };

/** Loads, and turns anything thrown other than a ConfigError into a failed property. */
function load(text: string): Outcome {
  try {
    return { ok: true, result: loadConfig(['--config', FILE], {}, files(text), () => undefined) };
  } catch (e) {
    if (e instanceof ConfigError) return { ok: false, error: e };
    throw new Error(`loadConfig threw ${String(e)} instead of a ConfigError for:\n${text.slice(0, 500)}`);
  }
}

function cleanRefusal(e: ConfigError): boolean {
  return e.file === FILE && e.message.startsWith(FILE) && !/\n\s+at /.test(e.message);
}

const VALID = {
  listen: '127.0.0.1:9464',
  cpus: 4,
  token: null,
  defaults: { law: 'pi', periodMs: 1000, band: [0.6, 0.85], growCooldownMs: 5000, shrinkCooldownMs: 30000, staleAfterPeriods: 3 },
  pools: { transfer: { kind: 'transfer', threads: 'adaptive' }, buffer: { kind: 'buffer', threads: 0, mode: 'observe' } },
  actuators: [{ type: 'webhook', url: 'http://127.0.0.1:8873/pools/{pool}/size', timeoutMs: 2000, maxRetries: 3 }],
};

const PATHS: (string | number)[][] = [
  ['listen'], ['cpus'], ['token'], ['defaults'], ['defaults', 'law'], ['defaults', 'periodMs'], ['defaults', 'band'], ['defaults', 'band', 0],
  ['defaults', 'growCooldownMs'], ['defaults', 'staleAfterPeriods'], ['pools'], ['pools', 'transfer'], ['pools', 'transfer', 'kind'],
  ['pools', 'transfer', 'threads'], ['pools', 'buffer', 'mode'], ['pools', 'buffer', 'band'], ['actuators'], ['actuators', 0],
  ['actuators', 0, 'url'], ['actuators', 0, 'type'], ['actuators', 0, 'timeoutMs'], ['unknownKey'], ['defaults', '__proto__'], ['pools', 'transfer', 'extra'],
];

const hostileValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(-1, 0, 1.5, 4097, 1e308, '', 'adaptive', 'x'.repeat(10 * 1024), '0.0.0.0:99999', '[::1]:9464', 'file:///etc/passwd', 'http://{pool}'),
);

function setAt(root: unknown, path: readonly (string | number)[], value: unknown): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node: Record<string | number, unknown> = copy;
  for (const seg of path.slice(0, -1)) {
    const next = node[seg];
    if (next === null || typeof next !== 'object') return copy;
    node = next as Record<string | number, unknown>;
  }
  Object.defineProperty(node, path[path.length - 1] as string | number, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

test('the valid base config loads', (t) => {
  const out = load(stringify(VALID));
  t.true(out.ok && out.result.kind === 'run');
});

test('a valid config with one key set to a hostile value loads or is refused naming the file and the key', (t) => {
  fc.assert(
    fc.property(fc.constantFrom(...PATHS), hostileValue, (path, value) => {
      const out = load(stringify(setAt(VALID, path, value)));
      if (out.ok) return out.result.kind === 'run' && Object.isFrozen(out.result.config);
      return cleanRefusal(out.error) && (out.error.code === 'yaml-syntax' || out.error.key !== null);
    }),
    { numRuns: RUNS },
  );
  t.pass();
});

test('any text at all as the config file loads or is a ConfigError naming the file', (t) => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.jsonValue({ maxDepth: 3 }).map((v) => stringify(v)),
        fc.constantFrom('{', '- - -', ': :', '!!js/function "x"', 'pools: !!binary aGVsbG8=', '%YAML 9.9\n---\n', `pools:\n${'  '.repeat(200)}x: 1`, 'listen: 1\nlisten: 2'),
      ),
      (text) => {
        const out = load(text);
        return out.ok ? out.result.kind === 'run' : cleanRefusal(out.error);
      },
    ),
    { numRuns: RUNS },
  );
  t.pass();
});

// YAML that the yaml library refuses only when it builds the data (aliases): each is a
// ConfigError naming the file, so the command exits 2 with a message, never 1 with a stack.
const YAML_GAPS: [string, string][] = [
  ['an alias bomb (billion laughs)', ['a: &a [x,x,x,x,x,x,x,x,x]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]', 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]', 'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]', 'e: [*d,*d,*d,*d,*d,*d,*d,*d,*d]'].join('\n')],
  ['an alias of itself', '&a [*a]'],
  ['an alias without its anchor', 'a: &x 1\nb: *y'],
];

for (const [name, text] of YAML_GAPS) {
  test(`${name} is a ConfigError naming the file`, (t) => {
    const out = load(text);
    t.true(!out.ok && cleanRefusal(out.error));
  });
}

const poolNames = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.stringMatching(/^[a-z0-9_-]{1,64}$/),
  fc.constantFrom('__proto__', 'constructor', 'prototype', '..', '../x', '..%2f', 'a'.repeat(65), 'x'.repeat(10 * 1024), 'Transfer', 'a.b', 'a/b', ''),
);

test('a pool name is loaded as is when it matches [a-z0-9_-]{1,64}, else refused naming pools', (t) => {
  fc.assert(
    fc.property(poolNames, (name) => {
      const pools = {};
      Object.defineProperty(pools, name, { value: { kind: 'transfer' }, enumerable: true });
      const out = load(stringify({ pools }));
      if (isPoolName(name)) return out.ok && out.result.kind === 'run' && out.result.config.pools.map((p) => p.name).join() === name;
      return !out.ok && cleanRefusal(out.error) && (out.error.key ?? '').startsWith('pools');
    }),
    { numRuns: RUNS },
  );
  t.is(({} as Record<string, unknown>)['kind'], undefined, 'no prototype was polluted');
});
