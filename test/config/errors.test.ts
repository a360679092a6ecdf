import test from 'ava';
import { ConfigError, formatValue, locationPrefix } from '../../src/config/errors.js';

for (const [value, text] of [
  [5000, '5000'],
  ['lots', '"lots"'],
  [null, 'null'],
  [undefined, 'nothing'],
  [[0.9, 0.6], '[0.9,0.6]'],
  ['x'.repeat(100), `"${'x'.repeat(76)}...`],
] as const) {
  test(`when ${String(value).slice(0, 10)} is shown in a message, then it reads ${text.slice(0, 12)}`, (t) => {
    t.is(formatValue(value), text);
  });
}

test('when a location has a line, then it is file:line', (t) => {
  t.is(locationPrefix('a.yaml', 3), 'a.yaml:3: ');
  t.is(locationPrefix('a.yaml', null), 'a.yaml: ');
  t.is(locationPrefix(null, 3), '');
});

test('when a ConfigError is built, then it carries its details and is an Error', (t) => {
  const error = new ConfigError('m', { code: 'unknown-key', file: 'f', key: 'k', line: 1, value: 2 });
  t.true(error instanceof Error);
  t.like(error, { name: 'ConfigError', message: 'm', code: 'unknown-key', file: 'f', key: 'k', line: 1, value: 2 });
});
