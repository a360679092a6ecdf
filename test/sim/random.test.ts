import test from 'ava';
import { mean, quantile } from 'simple-statistics';
import { mulberry32 } from '../../src/sim/random.js';

test('when two generators share a seed, then they draw the same numbers; another seed draws others', (t) => {
  const a = mulberry32(42);
  const b = mulberry32(42);
  const c = mulberry32(43);
  const da = Array.from({ length: 5 }, () => a.next());
  t.deepEqual(da, Array.from({ length: 5 }, () => b.next()));
  t.notDeepEqual(da, Array.from({ length: 5 }, () => c.next()));
  for (const x of da) t.true(x >= 0 && x < 1);
});

test('when many exponential and Erlang draws are averaged, then the mean is the one asked for', (t) => {
  const r = mulberry32(7);
  const draws = 50_000;
  let exp = 0;
  let erl = 0;
  for (let i = 0; i < draws; i += 1) {
    exp += r.exponential(10);
    erl += r.erlang(10, 4);
  }
  t.true(Math.abs(exp / draws - 10) < 0.2, `${exp / draws}`);
  t.true(Math.abs(erl / draws - 10) < 0.1, `${erl / draws}`);
});

test('when many lognormal draws are taken, then their mean is the one asked for and their median and p99 follow sigma (a heavy tail)', (t) => {
  const r = mulberry32(11);
  const draws = Array.from({ length: 200_000 }, () => r.lognormal(46, 1.29));
  // median = mean x e^(-sigma^2 / 2) = 20.0; p99 = median x e^(2.326 sigma) = 401
  t.true(Math.abs(mean(draws) / 46 - 1) < 0.03, `${mean(draws)}`);
  t.true(Math.abs(quantile(draws, 0.5) / 20.0 - 1) < 0.02, `${quantile(draws, 0.5)}`);
  t.true(Math.abs(quantile(draws, 0.99) / 401 - 1) < 0.05, `${quantile(draws, 0.99)}`);
  t.true(draws.every((x) => x > 0));
  t.is(r.lognormal(0, 1.29), 0);
});

test('when a generator forks, then the fork is repeatable and independent of later draws', (t) => {
  const f1 = mulberry32(9).fork();
  const f2 = mulberry32(9).fork();
  t.is(f1.next(), f2.next());
});
