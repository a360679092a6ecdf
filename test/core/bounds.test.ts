import test from 'ava';
import { defaultMaxStep, limitedBounds, poolBounds, staticSize } from '../../src/core/bounds.js';

const cases: [number, { min: number; max: number }, number, { min: number; max: number }, number][] = [
  // n, transfer bounds, transfer static, buffer bounds, buffer static
  [16, { min: 8, max: 64 }, 32, { min: 8, max: 64 }, 32],
  [8, { min: 4, max: 32 }, 16, { min: 4, max: 32 }, 16],
  [4, { min: 2, max: 16 }, 8, { min: 4, max: 16 }, 8],
  [1, { min: 2, max: 4 }, 2, { min: 4, max: 4 }, 4],
  [2, { min: 2, max: 8 }, 4, { min: 4, max: 8 }, 4],
  [3, { min: 2, max: 12 }, 6, { min: 4, max: 12 }, 6],
  [32, { min: 16, max: 128 }, 64, { min: 16, max: 64 }, 64],
  [64, { min: 32, max: 256 }, 128, { min: 32, max: 64 }, 64],
];

for (const [n, transfer, transferStatic, buffer, bufferStatic] of cases) {
  test(`when the host has ${n} CPUs, then transfer is ${transfer.min}..${transfer.max} and buffer ${buffer.min}..${buffer.max}`, (t) => {
    t.deepEqual(poolBounds('transfer', n), transfer);
    t.is(staticSize('transfer', n), transferStatic);
    t.deepEqual(poolBounds('buffer', n), buffer);
    t.is(staticSize('buffer', n), bufferStatic);
  });
}

test('when cpus is not a whole number >= 1, then bounds refuse it', (t) => {
  t.throws(() => poolBounds('transfer', 0), { instanceOf: RangeError });
  t.throws(() => staticSize('buffer', 1.5), { instanceOf: RangeError });
});

test('when the pi step is unset, then it is max(1, ceil(size/4))', (t) => {
  t.is(defaultMaxStep(1), 1);
  t.is(defaultMaxStep(4), 1);
  t.is(defaultMaxStep(5), 2);
  t.is(defaultMaxStep(16), 4);
  t.is(defaultMaxStep(17), 5);
});

test('when the daemon runs at most some workers, then the max narrows to them, never below the min', (t) => {
  const hard = { min: 2, max: 8 };
  t.deepEqual(limitedBounds(hard, null), hard);
  t.deepEqual(limitedBounds(hard, 8), hard);
  t.deepEqual(limitedBounds(hard, 12), hard);
  t.deepEqual(limitedBounds(hard, 5), { min: 2, max: 5 });
  t.deepEqual(limitedBounds(hard, 1), { min: 2, max: 2 });
});
