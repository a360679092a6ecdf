import test from 'ava';
import { fieldOf, MAX_SAMPLES_PER_BATCH, validateSampleBody } from '../../src/protocol/index.js';

const good = { ts: 1763812800123, size: 16, busy: 12, queueDepth: 3, queueCapacity: 64, queueStall: 0.05, idle: 0.1, completed: 48211 };

test('when docs sample is posted, then it is accepted as is', (t) => {
  t.deepEqual(validateSampleBody(good, good.ts + 1), { ok: true, samples: [good] });
});

test('when a sample\'s ts is ahead of the time of receipt (within the window), then it is read as the time of receipt', (t) => {
  const window = { maxFutureMs: 60_000, maxPastMs: 3_600_000 };
  t.deepEqual(validateSampleBody({ ts: 1000 + 59_000, size: 2, busy: 0 }, 1000, window), { ok: true, samples: [{ ts: 1000, size: 2, busy: 0 }] });
  t.deepEqual(validateSampleBody([{ ts: 1001, size: 2, busy: 0 }, { ts: 999, size: 2, busy: 0 }], 1000, window), {
    ok: true,
    samples: [{ ts: 1000, size: 2, busy: 0 }, { ts: 999, size: 2, busy: 0 }],
  });
  t.false(validateSampleBody({ ts: 1000 + 60_001, size: 2, busy: 0 }, 1000, window).ok, 'over 60 s ahead is still refused');
});

test('when a sample has no ts, then it gets the time of receipt', (t) => {
  t.deepEqual(validateSampleBody({ size: 2, busy: 0 }, 42), { ok: true, samples: [{ ts: 42, size: 2, busy: 0 }] });
});

test('when a batch is posted, then every sample is accepted in order and the input is not modified', (t) => {
  const body = [{ size: 1, busy: 1 }, good, { size: 0, busy: 0, ts: 5 }];
  const copy = structuredClone(body);
  const now = good.ts + 7;
  const result = validateSampleBody(body, now);
  t.deepEqual(result, { ok: true, samples: [{ ts: now, size: 1, busy: 1 }, good, { ts: 5, size: 0, busy: 0 }] });
  t.deepEqual(body, copy);
});

test(`when a batch holds exactly ${MAX_SAMPLES_PER_BATCH} samples, then it is accepted`, (t) => {
  const result = validateSampleBody(Array.from({ length: MAX_SAMPLES_PER_BATCH }, () => ({ size: 1, busy: 0 })));
  t.true(result.ok && result.samples.length === MAX_SAMPLES_PER_BATCH);
});

for (const [name, body, field, error] of [
  ['busy > size', { size: 4, busy: 5 }, 'busy', 'busy must be <= size (busy 5, size 4)'],
  ['busy > size in element 3 of a batch', [good, good, good, { size: 4, busy: 5 }], '[3].busy', null],
  ['a bad element in a batch', [good, { size: 4, busy: -1 }, good], '[1].busy', null],
  [`${MAX_SAMPLES_PER_BATCH + 1} samples`, Array.from({ length: MAX_SAMPLES_PER_BATCH + 1 }, () => ({ size: 1, busy: 0 })), '', 'a batch holds 1 to 1000 samples, got 1001'],
  ['an empty batch', [], '', null],
  ['idle 1.5', { size: 4, busy: 1, idle: 1.5 }, 'idle', 'idle must be <= 1'],
  ['queueStall -0.1', { size: 4, busy: 1, queueStall: -0.1 }, 'queueStall', null],
  ['a fractional size', { size: 4.5, busy: 1 }, 'size', null],
  ['a string busy', { size: 4, busy: '1' }, 'busy', null],
  ['a negative completed', { size: 4, busy: 1, completed: -1 }, 'completed', null],
  ['a negative ts', { size: 4, busy: 1, ts: -1 }, 'ts', null],
  ['an unknown field', { size: 4, busy: 1, load: 3 }, 'load', 'unknown field "load"'],
  ['an unknown field in a batch', [good, { ...good, extra: true }], '[1].extra', null],
  ['no busy', { size: 4 }, 'busy', 'missing required field "busy"'],
  ['no size in a batch', [{ busy: 0 }], '[0].size', null],
  ['a string', 'hello', '', null],
  ['null', null, '', null],
  ['a number', 12, '', null],
  ['an array element that is not an object', [good, 3], '[1]', '[1] must be an object'],
] as const) {
  test(`when the body is ${name}, then it is refused with field ${JSON.stringify(field)}`, (t) => {
    const result = validateSampleBody(body);
    t.false(result.ok);
    if (result.ok) return;
    t.is(result.field, field);
    if (error !== null) t.is(result.error, error);
  });
}

test('when busy equals size, then it is accepted (the bound is inclusive)', (t) => {
  t.true(validateSampleBody({ size: 4, busy: 4 }).ok);
  t.true(validateSampleBody({ size: 0, busy: 0, idle: 1, queueStall: 0 }).ok);
});

for (const [path, child, field] of [
  ['', undefined, ''],
  ['/busy', undefined, 'busy'],
  ['/3/busy', undefined, '[3].busy'],
  ['/3', 'extra', '[3].extra'],
  ['', 'extra', 'extra'],
] as const) {
  test(`when ajv reports ${JSON.stringify(path)} ${child ?? ''}, then the field is ${JSON.stringify(field)}`, (t) => {
    t.is(fieldOf(path, child), field);
  });
}
