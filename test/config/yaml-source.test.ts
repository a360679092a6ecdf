import test from 'ava';
import { ConfigError } from '../../src/config/errors.js';
import { parseYaml } from '../../src/config/yaml-source.js';

const text = [
  'listen: 127.0.0.1:1', // 1
  'defaults:', // 2
  '  band:', // 3
  '    - 0.5', // 4
  '    - 0.7', // 5
  'pools:', // 6
  '  "9": {kind: buffer}', // 7
  '  transfer:', // 8
  '    kind: transfer', // 9
  '',
].join('\n');

for (const [path, line] of [
  [['listen'], 1],
  [['defaults'], 2],
  [['defaults', 'band'], 3],
  [['defaults', 'band', 1], 5],
  [['pools', 'transfer', 'kind'], 9],
  [['pools', '9'], 7],
  [['pools', 'transfer', 'threads'], 8], // missing: the closest existing ancestor
  [['nowhere'], 1],
] as const) {
  test(`when asked for the line of ${path.join('.')}, then it is ${line}`, (t) => {
    t.is(parseYaml('f.yaml', text).lineOf(path), line);
  });
}

test('when a map has integer-like keys, then keysOf keeps file order', (t) => {
  t.deepEqual(parseYaml('f.yaml', text).keysOf(['pools']), ['9', 'transfer']);
});

test('when the YAML is parsed, then the data is plain and typed by YAML 1.2 core', (t) => {
  t.deepEqual(parseYaml('f.yaml', 'a: 0.60\nb: null\nc: yes\nd: auto\n').data, { a: 0.6, b: null, c: 'yes', d: 'auto' });
});

for (const [name, bad, line] of [
  ['an unclosed flow sequence', 'a: [1,\nb: 2\n', 2],
  ['a duplicate key', 'a: 1\nb: 2\na: 3\n', 3],
] as const) {
  test(`when the file has ${name}, then the error names the file and line`, (t) => {
    const error = t.throws(() => parseYaml('f.yaml', bad), { instanceOf: ConfigError });
    t.is(error?.code, 'yaml-syntax');
    t.is(error?.line, line);
    t.true(error?.message.startsWith(`f.yaml:${line}: not valid YAML: `), error?.message);
  });
}

test('when a pool merges a shared map with <<, then its keys come in and the merge key is no pool name', (t) => {
  const src = parseYaml('m.yaml', 'defaults: &d {periodMs: 500}\npools:\n  t: {kind: transfer, <<: *d}\n');
  t.deepEqual(src.data, { defaults: { periodMs: 500 }, pools: { t: { kind: 'transfer', periodMs: 500 } } });
  t.deepEqual(src.keysOf(['pools', 't']), ['kind', 'periodMs']);
});

test('when an alias loops or has no anchor, then the file is refused as bad YAML', (t) => {
  t.throws(() => parseYaml('a.yaml', '&a [*a]'), { message: /a\.yaml: not valid YAML: an alias refers to a node that contains it/ });
  t.throws(() => parseYaml('a.yaml', 'a: 1\nb: *y'), { message: /a\.yaml: not valid YAML: .*alias/i });
});
