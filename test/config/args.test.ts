import test from 'ava';
import { parseArgs, parseListen } from '../../src/config/args.js';
import { ConfigError } from '../../src/config/errors.js';

const run = { kind: 'run', configPath: null, listen: null, cpus: null, logLevel: 'info', record: null } as const;

for (const [argv, expected] of [
  [[], run],
  [['--config', 'a.yaml'], { ...run, configPath: 'a.yaml' }],
  [['--config=a.yaml'], { ...run, configPath: 'a.yaml' }],
  [['--listen', '0.0.0.0:9000'], { ...run, listen: { host: '0.0.0.0', port: 9000 } }],
  [['--listen', '[::1]:0'], { ...run, listen: { host: '::1', port: 0 } }],
  [['--cpus', '4'], { ...run, cpus: 4 }],
  [['--cpus', 'auto'], { ...run, cpus: 'auto' }],
  [['--log-level', 'trace'], { ...run, logLevel: 'trace' }],
  [['--record', 'r.ndjson'], { ...run, record: 'r.ndjson' }],
  [['--help'], { kind: 'help' }],
  [['-h'], { kind: 'help' }],
  [['--version'], { kind: 'version' }],
  [['-V', '--bogus'], { kind: 'version' }],
] as const) {
  test(`when argv is ${JSON.stringify(argv)}, then it parses`, (t) => {
    t.deepEqual(parseArgs(argv), expected);
  });
}

for (const [argv, key, fragment] of [
  [['--cpus', '0'], '--cpus', '"0" is not allowed'],
  [['--cpus', '2.5'], '--cpus', '"2.5" is not allowed'],
  [['--cpus'], '--cpus', 'needs a value'],
  [['--log-level', 'verbose'], '--log-level', '"verbose" is not allowed (trace | debug | info | warn | error | fatal)'],
  [['--listen', 'localhost'], '--listen', '"localhost" is not allowed'],
  [['--listen', '1.2.3.4:65536'], '--listen', '"1.2.3.4:65536" is not allowed'],
  [['--cofnig', 'a.yaml'], '--cofnig', 'unknown option "--cofnig"'],
  [['extra'], 'extra', 'unexpected argument "extra"'],
  [['--config', 'a', '--config', 'b'], '--config', 'given once'],
] as const) {
  test(`when argv is ${JSON.stringify(argv)}, then it is refused naming ${key}`, (t) => {
    const error = t.throws(() => parseArgs(argv), { instanceOf: ConfigError });
    t.is(error?.code, 'cli');
    t.is(error?.key, key);
    t.true(error?.message.includes(fragment), error?.message);
  });
}

for (const [text, expected] of [
  ['127.0.0.1:9464', { host: '127.0.0.1', port: 9464 }],
  ['localhost:65535', { host: 'localhost', port: 65535 }],
  ['[::]:80', { host: '::', port: 80 }],
  ['127.0.0.1', null],
  [':9464', null],
  ['127.0.0.1:65536', null],
  ['a b:1', null],
] as const) {
  test(`when listen is ${JSON.stringify(text)}, then it parses to ${JSON.stringify(expected)}`, (t) => {
    t.deepEqual(parseListen(text), expected);
  });
}
