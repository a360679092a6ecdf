import test from 'ava';
import { clamp, ewma, ewmaAlpha, mean, mulberry32Step } from '../../src/core/math.js';

test('when time passes, then the EWMA weight is 1 - e^(-dt/tau); tau 0 keeps only the newest value', (t) => {
  t.true(Math.abs(ewmaAlpha(30_000, 30_000) - (1 - Math.exp(-1))) < 1e-15);
  t.is(ewmaAlpha(1000, 0), 1);
  t.is(ewmaAlpha(0, 1000), 0);
  t.is(ewma(null, 5, 1000, 1000), 5, 'the first value starts the average');
  t.true(Math.abs(ewma(0, 1, 1000, 1000) - (1 - Math.exp(-1))) < 1e-15);
});

test('when asked, then mean and clamp are the usual ones', (t) => {
  t.is(mean([1, 2, 3, 6]), 3);
  t.is(clamp(5, 1, 4), 4);
  t.is(clamp(0, 1, 4), 1);
});

test('when seeded alike, then mulberry32 gives the same numbers in [0, 1), and the published first value for seed 0', (t) => {
  const a = mulberry32Step(42);
  t.deepEqual(mulberry32Step(42), a);
  t.true(a.unit >= 0 && a.unit < 1);
  t.not(mulberry32Step(a.state).unit, a.unit);
  t.true(Math.abs(mulberry32Step(0).unit - 0.26642920868471265) < 1e-15);
});
