import test from 'ava';
import { ReplayError, parseRecording, replay } from '../../src/sim/replay.js';

const line = (pool: string, s: number, size: number, busy: number, completed: number): string =>
  JSON.stringify({ pool, receivedAt: 1_700_000_000_000 + s * 1000, size, busy, queueStall: 0, idle: 0.5, completed });

test('when a busy pool is replayed through band, then it recommends one grow per grow cooldown', (t) => {
  const text = Array.from({ length: 12 }, (_, i) => line('transfer', i, 16, 16, i * 100)).join('\n');
  const r = replay(parseRecording(text), { law: 'band', kind: 'transfer', n: 8 });
  t.is(r.pool, 'transfer');
  t.is(r.ticks, 12);
  t.deepEqual(r.decisions.map((d) => [d.action, d.recommended]), [['grow', 17], ['grow', 17], ['grow', 17]]);
  t.true(r.decisions.every((d) => d.mode === 'observe'));
});

test('when a recording has two pools, then one is chosen by name and an unknown one is refused', (t) => {
  const samples = parseRecording([line('a', 0, 8, 1, 0), line('b', 0, 8, 8, 0)].join('\n'));
  t.is(replay(samples, { law: 'pi', kind: 'transfer', n: 8, pool: 'b' }).pool, 'b');
  t.throws(() => replay(samples, { law: 'pi', kind: 'transfer', n: 8, pool: 'c' }), { instanceOf: ReplayError, message: /no samples for pool "c".*a, b/ });
});

test('when a line is bad, then the error names the line and what is wrong', (t) => {
  t.throws(() => parseRecording(`${line('a', 0, 8, 1, 0)}\n{nope`), { message: /line 2: not JSON/ });
  t.throws(() => parseRecording('{"pool":"a","receivedAt":1,"size":2,"busy":3}'), { message: /line 1: .*busy <= size/ });
  t.throws(() => parseRecording('{"pool":"a","size":2,"busy":1}'), { message: /line 1: "receivedAt"/ });
});
