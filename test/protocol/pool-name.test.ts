import test from 'ava';
import { isPoolName, POOL_NAME_PATTERN } from '../../src/protocol/index.js';

test('when a name is 1 to 64 lowercase letters, digits, _ or -, then it is a pool name; otherwise not', (t) => {
  t.is(POOL_NAME_PATTERN, '^[a-z0-9_-]{1,64}$');
  for (const ok of ['transfer', 'a', 'pool_1-b', 'x'.repeat(64)]) t.true(isPoolName(ok), ok);
  for (const bad of ['', 'Transfer', 'a.b', 'a/b', '../x', 'x'.repeat(65), 'é', 7, null]) t.false(isPoolName(bad), String(bad));
});
