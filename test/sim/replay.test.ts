import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Subject } from 'rxjs';
import { recordSamples } from '../../src/service/record.js';
import { ReplayError, parseRecording, parseTrace, replay, replaySetup } from '../../src/sim/replay.js';
import { DEFAULT_PARAMS } from '../../src/sim/run.js';
import { traceHeader } from '../../src/sim/trace.js';
import { silentLogger } from '../../src/streams/index.js';
import type { Ingested } from '../../src/streams/index.js';
import { tempDir } from '../fixtures/temp.js';

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

test('when a recorded busy is fractional (a uWSGI pool\'s busy integral), then it replays as recorded', (t) => {
  const text = Array.from({ length: 6 }, (_, i) => line('web', i, 4, 3.97, i * 90)).join('\n');
  const samples = parseRecording(text);
  t.is(samples[0]?.busy, 3.97);
  t.is(replay(samples, { law: 'band', kind: 'transfer', n: 2 }).decisions[0]?.action, 'grow');
  t.throws(() => parseRecording('{"pool":"a","receivedAt":1,"size":2.5,"busy":1}'), { message: /line 1: "size" must be a whole number/ });
});

test('when a line is bad, then the error names the line and what is wrong', (t) => {
  t.throws(() => parseRecording(`${line('a', 0, 8, 1, 0)}\n{nope`), { message: /line 2: not JSON/ });
  t.throws(() => parseRecording('{"pool":"a","receivedAt":1,"size":2,"busy":3}'), { message: /line 1: .*busy <= size/ });
  t.throws(() => parseRecording('{"pool":"a","size":2,"busy":1}'), { message: /line 1: "receivedAt"/ });
});

const header = (over: Record<string, unknown> = {}): string =>
  JSON.stringify({ trace: 'adaptive-threads', version: 1, cpus: 4, pools: { transfer: { kind: 'buffer', params: { ...DEFAULT_PARAMS, law: 'band', periodMs: 500 } } }, ...over });

test('when the trace has a header, then replay takes n, the pool kind, the law and the parameters from it, never from this host', (t) => {
  const trace = parseTrace([header(), line('transfer', 0, 8, 8, 0)].join('\n'));
  const setup = replaySetup(trace, {});
  t.like(setup, { pool: 'transfer', n: 4, kind: 'buffer', law: 'band', periodMs: 500 });
  t.is(setup.base.periodMs, 500);
  t.like(replaySetup(trace, { n: 16, kind: 'transfer', law: 'pi', periodMs: 1000 }), { n: 16, kind: 'transfer', law: 'pi', periodMs: 1000 }, 'each override wins');
});

test('when the trace has no header, then replay refuses to guess n and the kind', (t) => {
  const trace = parseTrace(line('transfer', 0, 8, 8, 0));
  t.is(trace.header, null);
  t.throws(() => replaySetup(trace, { law: 'pi' }), { instanceOf: ReplayError, message: /no header.*give --cpus and --kind/ });
  t.like(replaySetup(trace, { law: 'pi', n: 8, kind: 'transfer' }), { n: 8, kind: 'transfer' });
});

test('when a header line is malformed, then the error names the line and what is wrong', (t) => {
  t.throws(() => parseTrace(header({ cpus: 0 })), { message: /line 1: "cpus" must be a whole number >= 1/ });
  t.throws(() => parseTrace(header({ version: 2 })), { message: /line 1: trace version 2 is not 1/ });
});

test('when the sidecar records, then the trace starts with a header replay reads back (a sidecar appending writes a new one; the last wins)', (t) => {
  const file = join(tempDir(t, 'at-trace-'), 'trace.ndjson');
  const pools = [{ name: 'transfer', kind: 'buffer' as const, params: { ...DEFAULT_PARAMS, law: 'hpa' as const } }];
  for (const cpus of [3, 5]) {
    const ingested = new Subject<Ingested>();
    const recorder = recordSamples(file, ingested, silentLogger, traceHeader(cpus, pools));
    ingested.next({ pool: 'transfer', receivedAt: 1_700_000_000_000, samples: [{ ts: 1_700_000_000_000, size: 8, busy: 4 }] });
    recorder.close();
  }
  const trace = parseTrace(readFileSync(file, 'utf8'));
  t.is(trace.samples.length, 2);
  t.like(replaySetup(trace, {}), { n: 5, kind: 'buffer', law: 'hpa' });
});
