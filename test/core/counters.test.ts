import test from 'ava';
import { rateOf } from '../../src/core/counters.js';

const r = (ts: number, value?: number) => ({ ts, value });

test('when a counter rises over readings, then its rate is the increase over the time they span', (t) => {
  const first = rateOf(null, [r(0, 10)], (x) => x.value);
  t.is(first.perSecond, null, 'one reading has no rate');
  t.deepEqual(rateOf(first.base, [r(1000, 20), r(3000, 40)], (x) => x.value), { base: { ts: 3000, value: 40 }, perSecond: 10, spanMs: 3000 });
});

test('when a counter decreases, then it is a restart: no rate this time, the new value the next base', (t) => {
  const out = rateOf({ ts: 0, value: 500 }, [r(1000, 3), r(2000, 5)], (x) => x.value);
  t.is(out.perSecond, null);
  t.deepEqual(out.base, { ts: 2000, value: 5 });
});

test('when readings lack the counter or do not move forward in time, then they are skipped', (t) => {
  t.deepEqual(rateOf({ ts: 0, value: 0 }, [r(1000), r(0, 9), r(2000, 4)], (x) => x.value).perSecond, 2);
});
