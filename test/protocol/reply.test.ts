import test from 'ava';
import { parseSampleReply } from '../../src/protocol/index.js';

test('when a reply carries a whole target, then it is read with its pool, action and mode', (t) => {
  t.deepEqual(parseSampleReply({ pool: 'p', target: 8, action: 'grow', mode: 'adaptive' }), { pool: 'p', target: 8, action: 'grow', mode: 'adaptive' });
});

test('when a reply has no whole target >= 0, then reading it throws and names the body', (t) => {
  for (const body of [null, {}, { target: -1 }, { target: 1.5 }, { target: '8' }]) {
    t.throws(() => parseSampleReply(body), { message: /no valid target/ }, JSON.stringify(body));
  }
});
