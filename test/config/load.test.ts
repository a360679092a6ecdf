import test from 'ava';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../src/config/errors.js';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../../src/config/load.js';
import type { ConfigFiles } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import type { ControllerParams } from '../../src/core/types.js';

const FILE = 'config/x.yaml';

interface Setup {
  argv?: readonly string[];
  env?: Record<string, string | undefined>;
  cpuMax?: string | null;
  parallelism?: number;
  /** real paths by path (symbolic links resolved); absent: nothing there */
  real?: Record<string, string>;
}

function files(text: string, setup: Setup = {}): ConfigFiles {
  return {
    readFile: (path) => {
      if (path !== FILE) throw new Error(`ENOENT: no such file, open '${path}'`);
      return text;
    },
    cpuMax: () => setup.cpuMax ?? null,
    availableParallelism: () => setup.parallelism ?? 8,
    realpath: (path) => setup.real?.[path] ?? null,
  };
}

function load(text: string, setup: Setup = {}): { config: Config; warnings: string[] } {
  const warnings: string[] = [];
  const result = loadConfig(setup.argv ?? [], setup.env ?? {}, files(text, setup), (m) => warnings.push(m), { defaultConfigPath: FILE });
  if (result.kind !== 'run') throw new Error(`expected a run, got ${result.kind}`);
  return { config: result.config, warnings };
}

function refusal(text: string, setup: Setup = {}): ConfigError {
  const error = (() => {
    try {
      load(text, setup);
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  if (!(error instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${String(error)}`);
  return error;
}

const pool = (name: string, threads: string) => `pools:\n  ${name}:\n    kind: transfer\n    threads: ${threads}\n`;

// docs/operator-guide.md, written out here so that a changed default in the file or the code fails a test.
const DEFAULT_PARAMS_EXPECTED: ControllerParams = {
  law: 'pi',
  periodMs: 1000,
  band: { low: 0.6, high: 0.85 },
  growCooldownMs: 5000,
  shrinkCooldownMs: 30000,
  staleAfterPeriods: 3,
  idleEwmaSeconds: 30,
  failedGrowBackoffMs: 10000,
  maxStep: null,
  hpaStabilizationMs: 300_000,
  hpaPolicyPeriodMs: 15_000,
  hillSeed: 0x5eed,
  cheaperOwnBand: true,
  cheaperStep: 1,
  cheaperOverloadMs: 3000,
};

test('when the shipped config/default.yaml is loaded, then it holds exactly the defaults of docs', (t) => {
  const text = readFileSync(DEFAULT_CONFIG_PATH, 'utf8');
  const result = loadConfig([], {}, { readFile: () => text, cpuMax: () => null, availableParallelism: () => 8 }, () => t.fail());
  t.is(result.kind, 'run');
  if (result.kind !== 'run') return;
  t.deepEqual(result.config, {
    file: DEFAULT_CONFIG_PATH,
    listen: { host: '127.0.0.1', port: 9464 },
    metricsListen: null,
    cpus: 8,
    cpusSource: 'os',
    token: null,
    enabled: true,
    logLevel: 'info',
    record: null,
    pools: [
      { name: 'transfer', kind: 'transfer', pinned: null, mode: 'adaptive', params: DEFAULT_PARAMS_EXPECTED, process: null, source: null },
      { name: 'buffer', kind: 'buffer', pinned: null, mode: 'adaptive', params: DEFAULT_PARAMS_EXPECTED, process: null, source: null },
    ],
    actuators: [],
  });
});

test('when the file is empty, then every key takes the same default as the shipped file', (t) => {
  const shipped = load(readFileSync(DEFAULT_CONFIG_PATH, 'utf8')).config;
  t.deepEqual(load('').config, shipped);
});

test('when a pool sets threads: 5000, then start-up fails naming the file, line, threads and 5000', (t) => {
  const error = refusal(pool('transfer', '5000'));
  t.is(error.code, 'invalid-value');
  t.is(error.file, FILE);
  t.is(error.line, 4);
  t.is(error.key, 'pools.transfer.threads');
  t.is(error.value, 5000);
  t.is(error.message, 'config/x.yaml:4: pools.transfer.threads: 5000 is not allowed (an integer in [1, 4096] pins the pool, 0 or "adaptive" means adaptive)');
});

for (const bad of ['-1', '1.5', 'lots', 'null', '4097']) {
  test(`when a pool sets threads: ${bad}, then start-up fails naming threads and the value`, (t) => {
    const error = refusal(pool('transfer', bad));
    t.is(error.key, 'pools.transfer.threads');
    t.true(error.message.includes(`threads: ${bad === 'lots' ? '"lots"' : bad} is not allowed`), error.message);
  });
}

for (const [threads, pinned] of [['adaptive', null], ['0', null], ['12', 12], ['1', 1], ['4096', 4096]] as const) {
  test(`when a pool sets threads: ${threads}, then it is ${pinned === null ? 'adaptive' : `pinned to ${pinned}`}`, (t) => {
    t.is(load(pool('transfer', threads)).config.pools[0]?.pinned, pinned);
  });
}

test('when a key is unknown, then start-up fails naming the key and its line', (t) => {
  const error = refusal('defaults:\n  periodMs: 500\n  growCooldown: 100\n');
  t.is(error.code, 'unknown-key');
  t.is(error.key, 'defaults.growCooldown');
  t.is(error.line, 3);
  t.true(error.message.startsWith('config/x.yaml:3: defaults.growCooldown: unknown key "growCooldown"'), error.message);
});

test('when a top-level key is unknown, then start-up fails naming it', (t) => {
  t.is(refusal('listen: 127.0.0.1:1\nlisten_port: 9\n').key, 'listen_port');
});

for (const [where, text, key] of [
  ['defaults', 'defaults:\n  band: [0.9, 0.6]\n', 'defaults.band'],
  ['a pool', 'pools:\n  p:\n    kind: buffer\n    band: [0.5, 0.5]\n', 'pools.p.band'],
] as const) {
  test(`when the band in ${where} is not low < high, then start-up fails naming it`, (t) => {
    const error = refusal(text);
    t.is(error.key, key);
    t.true(error.message.includes('low must be below high'), error.message);
  });
}

for (const [text, key] of [
  ['defaults:\n  band: [0, 0.5]\n', 'defaults.band[0]'],
  ['defaults:\n  band: [0.5, 1]\n', 'defaults.band[1]'],
  ['defaults:\n  periodMs: 9\n', 'defaults.periodMs'],
  ['defaults:\n  growCooldownMs: -1\n', 'defaults.growCooldownMs'],
  ['defaults:\n  shrinkCooldownMs: -1\n', 'defaults.shrinkCooldownMs'],
  ['defaults:\n  law: pid\n', 'defaults.law'],
  ['pools:\n  Transfer: {kind: transfer}\n', 'pools.Transfer'],
  ['pools:\n  t: {kind: cpu}\n', 'pools.t.kind'],
  ['pools:\n  t: {kind: transfer, mode: dry-run}\n', 'pools.t.mode'],
  ['actuators:\n  - {type: webhook, url: "ftp://x"}\n', 'actuators[0].url'],
  ['listen: 127.0.0.1:70000\n', 'listen'],
] as const) {
  test(`when ${JSON.stringify(text)} is loaded, then start-up fails naming ${key}`, (t) => {
    t.is(refusal(text).key, key);
  });
}

test('when periodMs is exactly 10 and the cooldowns 0, then they are accepted', (t) => {
  const params = load('defaults:\n  periodMs: 10\n  growCooldownMs: 0\n  shrinkCooldownMs: 0\n').config.pools[0]?.params;
  t.like(params, { periodMs: 10, growCooldownMs: 0, shrinkCooldownMs: 0 });
});

test('when a pool overrides a default, then only that pool gets it and the rest of defaults still applies', (t) => {
  const { config } = load('defaults:\n  periodMs: 500\npools:\n  a: {kind: transfer, law: band, band: [0.5, 0.7]}\n  b: {kind: buffer, mode: observe}\n');
  t.deepEqual(config.pools[0], { name: 'a', kind: 'transfer', pinned: null, mode: 'adaptive', params: { ...DEFAULT_PARAMS_EXPECTED, periodMs: 500, law: 'band', band: { low: 0.5, high: 0.7 } }, process: null, source: null });
  t.deepEqual(config.pools[1], { name: 'b', kind: 'buffer', pinned: null, mode: 'observe', params: { ...DEFAULT_PARAMS_EXPECTED, periodMs: 500 }, process: null, source: null });
});

test('when pools are declared, then they keep file order, even integer-like names', (t) => {
  const { config } = load('pools:\n  zeta: {kind: transfer}\n  "7": {kind: buffer}\n  alpha: {kind: buffer}\n');
  t.deepEqual(config.pools.map((p) => p.name), ['zeta', '7', 'alpha']);
});

test('when actuators are configured, then webhook defaults are filled in', (t) => {
  const { config } = load('actuators:\n  - {type: webhook, url: "http://127.0.0.1:8873/pools/{pool}/size"}\n  - {type: file, dir: /run/d}\n');
  t.deepEqual(config.actuators, [
    { type: 'webhook', url: 'http://127.0.0.1:8873/pools/{pool}/size', timeoutMs: 2000, maxRetries: 3 },
    { type: 'file', dir: '/run/d' },
  ]);
});

for (const [value, enabled] of [[undefined, true], ['1', true], ['0', false], ['off', false], ['False', false], ['yes', true]] as const) {
  test(`when OC_ADAPTIVE_THREADS is ${value ?? 'unset'}, then enabled is ${enabled}`, (t) => {
    const { config, warnings } = load('', { env: { OC_ADAPTIVE_THREADS: value } });
    t.is(config.enabled, enabled);
    t.is(warnings.length, 0);
  });
}

test('when OC_ADAPTIVE_THREADS is neither on nor off, then loading fails naming the variable and the value', (t) => {
  const err = t.throws(() => load('', { env: { OC_ADAPTIVE_THREADS: 'disable' } }), { instanceOf: ConfigError });
  t.is(err?.code, 'env');
  t.regex(err?.message ?? '', /^OC_ADAPTIVE_THREADS="disable" is not allowed/);
});

for (const [name, setup, text, cpus, source] of [
  ['the CLI beats the file', { argv: ['--cpus', '3'], cpuMax: '200000 100000' }, 'cpus: 5\n', 3, 'cli'],
  ['the file beats the cgroup', { cpuMax: '200000 100000' }, 'cpus: 5\n', 5, 'config'],
  ['the cgroup beats the os', { cpuMax: '200000 100000', parallelism: 16 }, 'cpus: auto\n', 2, 'cgroup'],
  ['the os is the last resort', { cpuMax: 'max 100000', parallelism: 16 }, '', 16, 'os'],
  ['--cpus auto ignores the file', { argv: ['--cpus', 'auto'], parallelism: 6 }, 'cpus: 5\n', 6, 'os'],
] as const) {
  test(`when cpus come from several places, then ${name}`, (t) => {
    const { config } = load(text, setup);
    t.is(config.cpus, cpus);
    t.is(config.cpusSource, source);
  });
}

test('when --listen is given, then it overrides the file', (t) => {
  t.deepEqual(load('listen: 127.0.0.1:1234\n', { argv: ['--listen', '0.0.0.0:9000'] }).config.listen, { host: '0.0.0.0', port: 9000 });
});

test('when --listen is given but the file\'s listen is bad, then start-up still fails naming listen', (t) => {
  t.is(refusal('listen: 127.0.0.1:99999\n', { argv: ['--listen', '0.0.0.0:9000'] }).key, 'listen');
});

test('when --config names a file, then that file is read and named in the config', (t) => {
  const result = loadConfig(['--config', 'other.yaml'], {}, { ...files(''), readFile: (p) => (p === 'other.yaml' ? 'cpus: 2\n' : '') }, () => {});
  t.is(result.kind === 'run' ? result.config.file : null, 'other.yaml');
  t.is(result.kind === 'run' ? result.config.cpus : null, 2);
});

test('when the config file cannot be read, then start-up fails naming the file', (t) => {
  const error = t.throws(() => loadConfig(['--config', 'missing.yaml'], {}, files(''), () => {}), { instanceOf: ConfigError });
  t.is(error?.code, 'file-unreadable');
  t.true(error?.message.startsWith('missing.yaml: cannot read the config file'));
});

test('when --help or --version is given, then the answer is returned and no file is read', (t) => {
  const noFiles: ConfigFiles = { readFile: () => t.fail() as never, cpuMax: () => null, availableParallelism: () => 1 };
  t.deepEqual(loadConfig(['--cpus', 'x', '--help'], {}, noFiles), { kind: 'help' });
  t.deepEqual(loadConfig(['--version'], {}, noFiles), { kind: 'version' });
});

test('when the config is loaded, then it is deeply frozen', (t) => {
  const { config } = load('actuators:\n  - {type: file, dir: /d}\n');
  t.true(Object.isFrozen(config));
  t.true(Object.isFrozen(config.listen));
  t.true(Object.isFrozen(config.pools));
  t.true(Object.isFrozen(config.pools[0]?.params.band));
  t.true(Object.isFrozen(config.actuators[0]));
});

test('when --log-level and --record are given, then they reach the config', (t) => {
  t.like(load('', { argv: ['--log-level', 'debug', '--record', 'samples.ndjson'] }).config, { logLevel: 'debug', record: 'samples.ndjson' });
});

test('when metricsListen is HOST:PORT, then it is the read-only listener; when it is not, start-up fails naming it', (t) => {
  const load = (text: string) => loadConfig([], {}, { readFile: () => text, cpuMax: () => null, availableParallelism: () => 8 }, () => undefined);
  const ok = load('metricsListen: 0.0.0.0:9465\n');
  t.deepEqual(ok.kind === 'run' ? ok.config.metricsListen : undefined, { host: '0.0.0.0', port: 9465 });
  const none = load('metricsListen: null\n');
  t.is(none.kind === 'run' ? none.config.metricsListen : undefined, null);
  t.throws(() => load('metricsListen: 0.0.0.0:99999\n'), { instanceOf: ConfigError, message: /metricsListen/ });
  t.throws(() => load('metricsListen: nope\n'), { instanceOf: ConfigError, message: /metricsListen/ });
});

test('when a pool has a uwsgi source, then it is read with cheaper 1 unless given', (t) => {
  const text = 'pools:\n  web:\n    kind: transfer\n    source: {type: uwsgi, stats: "127.0.0.1:9191", fifo: /run/uwsgi.fifo}\n  api:\n    kind: transfer\n    source: {type: uwsgi, stats: /run/uwsgi/stats.sock, fifo: /run/api.fifo, cheaper: 2}\n';
  const { config } = load(text);
  t.deepEqual(config.pools[0]?.source, { type: 'uwsgi', stats: '127.0.0.1:9191', fifo: '/run/uwsgi.fifo', cheaper: 1 });
  t.deepEqual(config.pools[1]?.source, { type: 'uwsgi', stats: '/run/uwsgi/stats.sock', fifo: '/run/api.fifo', cheaper: 2 });
});

test('when a uwsgi source\'s stats address is neither HOST:PORT nor a path, then the file is refused naming the key', (t) => {
  const error = refusal('pools:\n  web:\n    kind: transfer\n    source: {type: uwsgi, stats: "localhost", fifo: /run/uwsgi.fifo}\n');
  t.true(error.message.includes('pools.web.source.stats: "localhost" is not allowed (HOST:PORT'), error.message);
});

test('when a uwsgi source\'s stats address is a URL, then the file is refused: uWSGI\'s stats server is HOST:PORT or a socket path', (t) => {
  const error = refusal('pools:\n  web:\n    kind: transfer\n    source: {type: uwsgi, stats: "http://127.0.0.1:9191", fifo: /run/uwsgi.fifo}\n');
  t.true(error.message.includes('pools.web.source.stats: "http://127.0.0.1:9191" is not allowed (HOST:PORT'), error.message);
  t.true(error.message.includes('not a URL'), error.message);
});

test('when a uwsgi source\'s cheaper is above the pool\'s hard max on these CPUs, then the file is refused naming the key and the max', (t) => {
  const text = (cheaper: number) => `pools:\n  web:\n    kind: transfer\n    source: {type: uwsgi, stats: "127.0.0.1:9191", fifo: /run/uwsgi.fifo, cheaper: ${cheaper}}\n`;
  // a transfer pool on 2 CPUs may run 2..8 workers
  const error = refusal(text(9), { parallelism: 2 });
  t.is(error.key, 'pools.web.source.cheaper');
  t.true(error.message.includes('pools.web.source.cheaper: 9 is not allowed (at most 8, the pool\'s hard max (a transfer pool on 2 CPUs)'), error.message);
  t.is(load(text(8), { parallelism: 2 }).config.pools[0]?.source?.cheaper, 8);
  // the CPUs given on the command line decide the max
  t.is(load(text(9), { parallelism: 2, argv: ['--cpus', '4'] }).config.pools[0]?.source?.cheaper, 9);
});

test('when two pools name the same uWSGI (its stats address or its FIFO), then the file is refused naming the second', (t) => {
  const pool = (name: string, stats: string, fifo: string) => `  ${name}:\n    kind: transfer\n    source: {type: uwsgi, stats: "${stats}", fifo: ${fifo}}\n`;
  const sameFifo = refusal(`pools:\n${pool('web', '127.0.0.1:9191', '/run/uwsgi.fifo')}${pool('api', '127.0.0.1:9192', '/run/uwsgi.fifo')}`);
  t.true(sameFifo.message.includes('pools.api.source.fifo: "/run/uwsgi.fifo" is not allowed (a FIFO no other pool reads (pool web has this one'), sameFifo.message);
  const sameStats = refusal(`pools:\n${pool('web', '127.0.0.1:9191', '/run/web.fifo')}${pool('api', '127.0.0.1:9191', '/run/api.fifo')}`);
  t.true(sameStats.message.includes('pools.api.source.stats'), sameStats.message);
  // one file spelled two ways
  const spelled = refusal(`pools:\n${pool('web', '/run/uwsgi/web.sock', '/run/uwsgi/web.fifo')}${pool('api', '/run/uwsgi/./web.sock', '/run//uwsgi/web.fifo')}`);
  t.true(spelled.message.includes('pools.api.source.stats: "/run/uwsgi/./web.sock" is not allowed (a stats address no other pool reads (pool web'), spelled.message);
  const spelledFifo = refusal(`pools:\n${pool('web', '/run/uwsgi/web.sock', '/run/uwsgi/web.fifo')}${pool('api', '/run/uwsgi/api.sock', '/run/x/../uwsgi//web.fifo')}`);
  t.true(spelledFifo.message.includes('pools.api.source.fifo'), spelledFifo.message);
  // one pool's stats and FIFO on one file: one of them is wrong
  const swapped = refusal(`pools:\n${pool('web', '/run/uwsgi/master.fifo', '/run/uwsgi/./master.fifo')}`);
  t.is(swapped.key, 'pools.web.source.fifo');
  t.true(swapped.message.includes("a path other than the source's stats: stats is uWSGI's stats socket (its stats option), fifo its master-fifo"), swapped.message);
});

test('when two pools name one uWSGI through a symbolic link or a relative path, then the file is refused; two files in one directory are not', (t) => {
  const pool = (name: string, stats: string, fifo: string) => `  ${name}:\n    kind: transfer\n    source: {type: uwsgi, stats: "${stats}", fifo: ${fifo}}\n`;
  // /srv/web is a link to /run/uwsgi; the FIFO exists, the socket not yet (uWSGI not started)
  const real = { '/run/uwsgi': '/run/uwsgi', '/srv/web': '/run/uwsgi', '/run/uwsgi/web.fifo': '/run/uwsgi/web.fifo', '/srv/web/web.fifo': '/run/uwsgi/web.fifo' };
  const linkedStats = refusal(`pools:\n${pool('web', '/run/uwsgi/web.sock', '/run/uwsgi/web.fifo')}${pool('api', '/srv/web/web.sock', '/run/uwsgi/api.fifo')}`, { real });
  t.is(linkedStats.key, 'pools.api.source.stats', 'a socket not there yet, through a linked directory');
  const linkedFifo = refusal(`pools:\n${pool('web', '/run/uwsgi/web.sock', '/run/uwsgi/web.fifo')}${pool('api', '/run/uwsgi/api.sock', '/srv/web/web.fifo')}`, { real });
  t.is(linkedFifo.key, 'pools.api.source.fifo', 'an existing FIFO through a link');
  const relative = refusal(`pools:\n${pool('web', `${process.cwd()}/run/web.sock`, '/a.fifo')}${pool('api', './run/web.sock', '/b.fifo')}`);
  t.is(relative.key, 'pools.api.source.stats', "a relative path is the working directory's");
  const made = load(`pools:\n${pool('web', 'run/web.sock', 'run/web.fifo')}${pool('api', '127.0.0.1:9191', '/run/api.fifo')}`).config.pools;
  t.like(made[0]?.source, { stats: `${process.cwd()}/run/web.sock`, fifo: `${process.cwd()}/run/web.fifo` }, 'and is made absolute: the log names the file');
  t.like(made[1]?.source, { stats: '127.0.0.1:9191', fifo: '/run/api.fifo' });
  t.is(load(`pools:\n${pool('web', '/srv/web/web.sock', '/srv/web/web.fifo')}${pool('api', '/srv/web/api.sock', '/srv/web/api.fifo')}`, { real }).config.pools.length, 2);
});
