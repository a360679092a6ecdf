import test from 'ava';
import { isPinSize, PIN_RANGE, PIN_RANGE_TEXT } from '../../src/protocol/index.js';

test('when a size is a whole number in [1, 4096], then it is a pin size; otherwise not', (t) => {
  t.deepEqual(PIN_RANGE, { min: 1, max: 4096 });
  t.is(PIN_RANGE_TEXT, '[1, 4096]');
  for (const ok of [1, 2, 4096]) t.true(isPinSize(ok), String(ok));
  for (const bad of [0, -1, 4097, 1.5, Number.NaN, Infinity, '8', null, undefined]) t.false(isPinSize(bad), String(bad));
});
