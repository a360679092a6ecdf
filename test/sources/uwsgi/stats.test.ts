import test from 'ava';
import { isLive, isServing, parseUwsgiStats, UwsgiStatsError } from '../../../src/sources/uwsgi/index.js';
import { fixture } from './helpers.js';

test('when uWSGI runs 2 of 6 workers, then the document reads as 6 slots, 2 live, with the socket queue and its max', (t) => {
  const s = parseUwsgiStats(fixture('idle-2-of-6'));
  t.is(s.workers.length, 6);
  t.deepEqual(s.workers.filter(isLive).map((w) => w.pid), [10026, 10027]);
  t.is(s.masterPid, 10024);
  t.is(s.listenQueue, 0);
  t.is(s.queueCapacity, 64);
  t.deepEqual(s.workers.map((w) => w.status), ['idle', 'idle', 'cheap', 'cheap', 'cheap', 'cheap']);
  t.like(s.workers[0], { harakiris: 0 }, 'harakiri_count');
});

test('when uWSGI listens on a unix socket, then the socket is named among the other sockets, with no TCP listener and no max queue', (t) => {
  const s = parseUwsgiStats(fixture('unix-socket-2-of-4'));
  t.deepEqual(s.otherSockets, ['/tmp/rec-unix/app.sock']);
  t.deepEqual(s.listeners, []);
  t.is(s.queueCapacity, null, 'its max_queue is 0');
  t.is(s.workers.filter(isLive).length, 2);
  t.deepEqual(parseUwsgiStats(fixture('idle-2-of-6')).otherSockets, [], 'a TCP socket is a listener');
});

test('when a worker is in a request, then its start (epoch seconds) is read per core', (t) => {
  const s = parseUwsgiStats(fixture('one-busy'));
  t.deepEqual(s.workers[0]?.requestStarts, [1796163422]);
  t.deepEqual(s.workers[1]?.requestStarts, [null]);
});

test('when uWSGI runs threads, then each worker has its cores and a start per core in a request', (t) => {
  const s = parseUwsgiStats(fixture('threads-2-of-4'));
  t.deepEqual(s.workers.map((w) => w.cores), [2, 2, 2, 2]);
  t.is(s.workers[0]?.requestStarts.filter((x) => x !== null).length, 2);
  t.is(s.workers[1]?.requestStarts.filter((x) => x !== null).length, 1);
});

test('when a worker is cheaped, then its slot keeps its counters but is not live', (t) => {
  const s = parseUwsgiStats(fixture('one-cheaped'));
  t.like(s.workers[0], { pid: 0, status: 'cheap', requests: 2, runningTimeUs: 2200920 });
  t.false(isLive(s.workers[0]!));
  t.is(s.workers.filter(isLive).length, 3);
});

test('when uWSGI runs lazy-apps, then a worker still loading the app is live but not accepting, and one that loaded is both', (t) => {
  // Recorded from uWSGI 2.0.21 with lazy-apps: worker 3 was spawned by a + 2 s before, its app takes 6 s to load.
  const s = parseUwsgiStats(fixture('lazy-apps-one-loading-3-of-4'));
  t.deepEqual(s.workers.map((w) => [w.status, w.accepting]), [['idle', true], ['idle', true], ['idle', false], ['cheap', false]]);
  t.deepEqual(s.workers.map((w) => [isLive(w), isServing(w)]), [[true, true], [true, true], [true, false], [false, false]]);
});

test('when the stats do not say whether a worker accepts, then it is taken as accepting', (t) => {
  const doc = JSON.parse(fixture('lazy-apps-one-loading-3-of-4')) as { workers: Record<string, unknown>[] };
  for (const w of doc.workers) delete w['accepting'];
  t.is(parseUwsgiStats(JSON.stringify(doc)).workers.filter(isServing).length, 3);
});

test('when the stats server answers behind HTTP headers (stats-http), then the body is read', (t) => {
  const s = parseUwsgiStats(`HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n${fixture('loaded-4-of-6')}`);
  t.is(s.listenQueue, 2);
});

for (const [name, text, message] of [
  ['not JSON', 'hello', /not JSON/],
  ['not an object', '[1,2]', /not a JSON object/],
  ['no workers', '{"pid": 1}', /no workers array/],
  ['a bad pid', '{"workers": [{"pid": -1, "status": "idle"}]}', /workers\[0\]\.pid must be a number >= 0, got -1/],
  ['no status', '{"workers": [{"pid": 1}]}', /workers\[0\]\.status must be a string/],
  ['a bad accepting', '{"workers": [{"pid": 1, "status": "idle", "accepting": "yes"}]}', /workers\[0\]\.accepting must be a number >= 0, got "yes"/],
] as const) {
  test(`when the answer has ${name}, then it is refused with what is wrong`, (t) => {
    t.throws(() => parseUwsgiStats(text), { instanceOf: UwsgiStatsError, message });
  });
}

test('when uWSGI gives each worker its spawn second, then a slot never spawned has none', (t) => {
  const workers = parseUwsgiStats(fixture('idle-2-of-6')).workers;
  t.deepEqual(workers.map((w) => w.spawnedAt), [1_796_163_416, 1_796_163_416, null, null, null, null]);
});
