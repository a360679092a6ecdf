import test from 'ava';
import { explainSchemaError, formatKeyPath, invalidValue } from '../../src/config/explain.js';
import { validateConfigFile } from '../../src/config/schema.js';
import { parseYaml } from '../../src/config/yaml-source.js';

for (const [path, text] of [
  [[], '(top level)'],
  [['pools', 'transfer', 'threads'], 'pools.transfer.threads'],
  [['defaults', 'band', 0], 'defaults.band[0]'],
  [['actuators', 1, 'url'], 'actuators[1].url'],
] as const) {
  test(`when a key path is ${JSON.stringify(path)}, then it reads ${text}`, (t) => {
    t.is(formatKeyPath(path), text);
  });
}

function explain(text: string): string {
  const src = parseYaml('c.yaml', text);
  if (validateConfigFile(src.data)) throw new Error('expected the schema to refuse it');
  const first = validateConfigFile.errors?.[0];
  if (first === undefined) throw new Error('no error');
  return explainSchemaError(src, src.data, first).message;
}

for (const [text, message] of [
  ['pools:\n  t:\n    kind: transfer\n    threads: 5000\n', 'c.yaml:4: pools.t.threads: 5000 is not allowed (an integer in [1, 4096] pins the pool, 0 or "adaptive" means adaptive)'],
  ['pools:\n  t:\n    kind: transfer\n    thread: 5\n', 'c.yaml:4: pools.t.thread: unknown key "thread" (allowed here: kind, threads, mode, process, source, law, periodMs, band, growCooldownMs, shrinkCooldownMs, staleAfterPeriods, idleEwmaSeconds, failedGrowBackoffMs, maxStep, hpaStabilizationMs, hpaPolicyPeriodMs, hillSeed, cheaperOwnBand, cheaperStep, cheaperOverloadMs)'],
  ['pools:\n  Big: {kind: buffer}\n', 'c.yaml:2: pools.Big: the name "Big" is not allowed (a name matching ^[a-z0-9_-]{1,64}$)'],
  ['pools:\n  t: {threads: 2}\n', 'c.yaml:2: pools.t: missing required key "kind" (transfer | buffer)'],
  ['pools:\n  t: {kind: transfer, source: {type: uwsgi, stat: /s, fifo: /f}}\n', 'c.yaml:2: pools.t.source.stat: unknown key "stat" (allowed here: type, stats, fifo, cheaper), and the required key "stats" is missing'],
  ['pools:\n  t:\n    knd: transfer\n', 'c.yaml:3: pools.t.knd: unknown key "knd" (allowed here: kind, threads, mode, process, source, law, periodMs, band, growCooldownMs, shrinkCooldownMs, staleAfterPeriods, idleEwmaSeconds, failedGrowBackoffMs, maxStep, hpaStabilizationMs, hpaPolicyPeriodMs, hillSeed, cheaperOwnBand, cheaperStep, cheaperOverloadMs), and the required key "kind" is missing'],
  ['defaults:\n  band: [0.6, 1.5]\n', 'c.yaml:2: defaults.band[1]: 1.5 is not allowed (a fraction strictly between 0 and 1)'],
  ['actuators:\n  - type: ftp\n', 'c.yaml:2: actuators[0].type: "ftp" is not allowed (webhook | file)'],
  ['actuators:\n  - dir: /d\n', 'c.yaml:2: actuators[0]: missing required key "type" (webhook | file)'],
  ['actuators:\n  - type: file\n    dir: /d\n    url: http://x\n', 'c.yaml:4: actuators[0].url: unknown key "url" (allowed here: type, dir)'],
  ['- 1\n', 'c.yaml:1: (top level): [1] is not allowed (a map of listen, metricsListen, cpus, token, defaults, pools, actuators)'],
] as const) {
  test(`when the schema refuses ${JSON.stringify(text)}, then the message says where, what and what is allowed`, (t) => {
    t.is(explain(text), message);
  });
}

test('when a cross-field check refuses a value, then the message has the same shape', (t) => {
  const src = parseYaml('c.yaml', 'x: 1\ndefaults:\n  band: [0.9, 0.6]\n');
  const error = invalidValue(src, ['defaults', 'band'], [0.9, 0.6], 'low < high');
  t.is(error.message, 'c.yaml:3: defaults.band: [0.9,0.6] is not allowed (low < high)');
  t.like(error, { code: 'invalid-value', file: 'c.yaml', key: 'defaults.band', line: 3 });
});
