import test from 'ava';
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

test('when a generator forks, then the fork is repeatable and independent of later draws', (t) => {
  const f1 = mulberry32(9).fork();
  const f2 = mulberry32(9).fork();
  t.is(f1.next(), f2.next());
});
