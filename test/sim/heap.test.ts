import test from 'ava';
import { MinHeap } from '../../src/sim/heap.js';

test('when keys are pushed in any order, then they pop smallest first, ties first-in first-out', (t) => {
  const h = new MinHeap<string>();
  const keys = [5, 1, 4, 1, 3, 9, 2, 6, 5, 3];
  keys.forEach((k, i) => h.push(k, `${k}:${i}`));
  t.is(h.peekKey(), 1);
  const out: string[] = [];
  while (h.size > 0) out.push(h.pop() as string);
  t.deepEqual(out, ['1:1', '1:3', '2:6', '3:4', '3:9', '4:2', '5:0', '5:8', '6:7', '9:5']);
  t.is(h.pop(), undefined);
  t.is(h.peekKey(), Number.POSITIVE_INFINITY);
});
