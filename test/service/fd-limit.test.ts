import test from 'ava';
import { existsSync } from 'node:fs';
import { parseFdLimit, readFdLimit } from '../../src/service/fd-limit.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

test('when /proc/self/limits is read, then the soft limit on open files is the fd limit', (t) => {
  t.is(parseFdLimit(LIMITS), 1024);
  t.is(parseFdLimit(LIMITS.replace('1024  ', 'unlimited')), null);
  t.is(parseFdLimit('nothing here'), null);
  t.is(readFdLimit(() => LIMITS), 1024);
  t.is(readFdLimit(() => {
    throw new Error('ENOENT');
  }), null);
});

test('when this process\'s limits are read, then the limit is a positive number (Linux)', (t) => {
  if (!existsSync('/proc/self/limits')) {
    t.log('skipped: no /proc/self/limits on this system');
    t.pass();
    return;
  }
  const n = readFdLimit();
  t.true(n === null || (Number.isInteger(n) && n > 0));
});
