import test from 'ava';
import { createUwsgiSampler, parseUwsgiStats } from '../../../src/sources/uwsgi/index.js';
import { fixture, stats, worker } from './helpers.js';

test('when uWSGI is first read, then size is the live workers that accept requests, busy their status, the counters uWSGI\'s, and the most it can run its worker table\'s length', (t) => {
  const r = createUwsgiSampler().read(parseUwsgiStats(fixture('loaded-4-of-6')), 1_796_163_475_300);
  t.deepEqual(r?.sample, { ts: 1_796_163_475_300, size: 4, busy: 2, queueDepth: 2, queueCapacity: 64, completed: 5, refused: 0, maxSize: 6 });
  t.deepEqual(r?.pids, [10026, 10027, 11554, 11555]);
  t.is(r?.processes, 6);
});

test('when a worker is cheaped, then size drops and completed does not', (t) => {
  const s = createUwsgiSampler();
  t.like(s.read(parseUwsgiStats(fixture('after-load')), 1_796_163_477_000)?.sample, { size: 4, completed: 7 });
  const r = s.read(parseUwsgiStats(fixture('one-cheaped')), 1_796_163_478_500);
  t.like(r?.sample, { size: 3, busy: 0, completed: 7 });
  t.deepEqual(r?.pids, [10027, 11554, 11555]);
});

test('when workers run threads, then a worker is busy by the share of its cores in a request', (t) => {
  // 2 workers of 2 threads: at the first read 3 of the 4 cores are in a request.
  t.like(createUwsgiSampler().read(parseUwsgiStats(fixture('threads-2-of-4')), 1_796_191_600_000)?.sample, { size: 2, busy: 1.5 });
  const s = createUwsgiSampler();
  const threaded = (slot: number, requests: number, runningTimeUs: number) => worker(slot, { cores: 2, requestStarts: [null, null], requests, runningTimeUs });
  s.read(stats([threaded(0, 0, 0), threaded(1, 0, 0)]), 1_000_000);
  // Over 2 s: worker 0's two threads ran 3 s of requests, worker 1's 1 s.
  t.like(s.read(stats([threaded(0, 6, 3_000_000), threaded(1, 2, 1_000_000)]), 1_002_000)?.sample, { size: 2, busy: 1, completed: 8 });
  // Never more than every core of a worker, whatever uWSGI credits in one period.
  t.like(s.read(stats([threaded(0, 9, 9_000_000), threaded(1, 2, 1_000_000)]), 1_003_000)?.sample, { busy: 1 });
});

test('when one thread of a worker serves a long request while another completes short ones, then the long one is counted once, by each core\'s own request count', (t) => {
  // One worker of 2 threads. Core 0: one request started at 990 s, in progress at every read.
  // Core 1: two requests of 0.45 s a second, idle at each read. Busy: (1 s + 0.9 s) / 2 cores.
  const s = createUwsgiSampler();
  const w = (i: number) => worker(0, { cores: 2, status: 'busy', requestStarts: [990, null], coreRequests: [0, 2 * i], requests: 2 * i, runningTimeUs: 900_000 * i, avgRtUs: 450_000 });
  s.read(stats([w(0)]), 1_000_000);
  const busy = [1, 2, 3, 4, 5].map((i) => s.read(stats([w(i)]), 1_000_000 + i * 1000)?.sample.busy);
  t.deepEqual(busy, [0.95, 0.95, 0.95, 0.95, 0.95]);
  // The worker's count alone cannot tell core 0's request from a later one once core 1 ends one:
  // the stats of uWSGI 2.0 give each core's, parsed from the recording.
  t.deepEqual(parseUwsgiStats(fixture('threads-2-of-4')).workers.map((x) => x.coreRequests), [[1, 0], [0, 0], [0, 0], [0, 0]]);
});

test('when uWSGI cheaps a threaded worker and leaves one of its cores in a request, then that slot counts no busy time', (t) => {
  const s = createUwsgiSampler();
  const threaded = (slot: number, over: Parameters<typeof worker>[1]) => worker(slot, { cores: 2, requestStarts: [null, null], ...over });
  // Worker 1 is ended while a thread serves: its slot stays cheaped with that core in a request, started at 999 s.
  s.read(stats([threaded(0, {}), threaded(1, { status: 'busy', requestStarts: [999, null] })]), 1_000_000);
  const cheaped = threaded(1, { pid: 0, status: 'cheap', requestStarts: [999, null], requests: 1, runningTimeUs: 200_000 });
  t.like(s.read(stats([threaded(0, {}), cheaped]), 1_001_000)?.sample, { size: 1, busy: 0 }, 'what was counted of the request is not counted again');
  t.like(s.read(stats([threaded(0, {}), cheaped]), 1_002_000)?.sample, { size: 1, busy: 0 }, 'nor is the stale core busy later');
  t.like(s.read(stats([threaded(0, {}), cheaped]), 1_060_000)?.sample, { busy: 0 });
});

test('when a request spans reads, then busy is the exact share of each period it ran', (t) => {
  const s = createUwsgiSampler();
  // Started at 999.0 s, in progress at 1000 and 1001, ended at 1001.5 (2.5 s of running time).
  t.like(s.read(stats([worker(0, { status: 'busy', requestStarts: [999] }), worker(1)]), 1_000_000)?.sample, { busy: 1 });
  t.like(s.read(stats([worker(0, { status: 'busy', requestStarts: [999] }), worker(1)]), 1_001_000)?.sample, { busy: 1 });
  t.like(s.read(stats([worker(0, { requests: 1, runningTimeUs: 2_500_000 }), worker(1)]), 1_002_000)?.sample, { busy: 0.5 });
  t.like(s.read(stats([worker(0, { requests: 1, runningTimeUs: 2_500_000 }), worker(1)]), 1_003_000)?.sample, { busy: 0 });
});

test('when a request ends without uWSGI counting it (a client that closed or timed out before its request was read), then what was counted of it stays, and later requests read in full', (t) => {
  const s = createUwsgiSampler();
  // One worker, under a full backlog: a connection it accepted at 999.x whose request never
  // arrives (in_request, then given up at about 1002.1: no request counted, no running time),
  // then a request from 1002.2 in progress at 1003 and 1004.
  const one = (over: Parameters<typeof worker>[1]) => stats([worker(0, { avgRtUs: 50_000, ...over })]);
  s.read(one({ status: 'busy', requestStarts: [999] }), 1_000_000);
  t.like(s.read(one({ status: 'busy', requestStarts: [999] }), 1_001_000)?.sample, { busy: 1 });
  t.like(s.read(one({ status: 'busy', requestStarts: [999] }), 1_002_000)?.sample, { busy: 1 });
  // The period it ended in: half of it for the request that ended (its end is not known), and
  // the next one at its estimate (half avg_rt), nothing taken back.
  t.like(s.read(one({ status: 'busy', requestStarts: [1002] }), 1_003_000)?.sample, { busy: 0.525 });
  t.like(s.read(one({ status: 'busy', requestStarts: [1002] }), 1_004_000)?.sample, { busy: 1 }, 'the request after it is not charged for what uWSGI never credited');
  t.like(s.read(one({ status: 'busy', requestStarts: [1002] }), 1_005_000)?.sample, { busy: 1 });
});

test('when a long request ends uncounted and the worker serves short ones after it in the same period, then the short ones\' count does not make the long one look credited', (t) => {
  const s = createUwsgiSampler();
  // Recorded under a full backlog: a worker read 1.6, 2.6, 3.6 s into a request whose client
  // had gone; it ended uncounted and the worker served 18 requests of 0.84 s in all.
  const one = (over: Parameters<typeof worker>[1]) => stats([worker(0, { avgRtUs: 50_000, ...over })]);
  s.read(one({ status: 'busy', requestStarts: [999], requests: 100, runningTimeUs: 5_000_000 }), 1_000_600);
  t.like(s.read(one({ status: 'busy', requestStarts: [999], requests: 100, runningTimeUs: 5_000_000 }), 1_001_600)?.sample, { busy: 1 });
  t.like(s.read(one({ status: 'busy', requestStarts: [999], requests: 100, runningTimeUs: 5_000_000 }), 1_002_600)?.sample, { busy: 1 });
  const after = s.read(one({ status: 'busy', requestStarts: [1003], requests: 118, runningTimeUs: 5_840_000 }), 1_003_600)?.sample.busy ?? 0;
  t.true(after >= 0.9, `the period read ${after}: 0.84 s of short requests, the long one until it ended, one in progress`);
  t.like(s.read(one({ status: 'busy', requestStarts: [1004], requests: 138, runningTimeUs: 6_840_000 }), 1_004_600)?.sample, { busy: 1 }, 'nothing taken back from the next');
});

test('when a short request seen in progress is counted as ended, then it is counted once, however much shorter than its estimate it was', (t) => {
  const s = createUwsgiSampler();
  // One worker whose requests ran 2 s on average: a request from 999.95 is seen at 1000.0 (its
  // start second 999, counted at half avg_rt, 1 s), and ends at 1000.1, counted (0.15 s; uWSGI's
  // avg_rt falls to 1.075 s); then a request of 1 s inside the next period.
  const one = (over: Parameters<typeof worker>[1]) => stats([worker(0, { requests: 10, runningTimeUs: 20_000_000, avgRtUs: 2_000_000, ...over })]);
  s.read(one({}), 999_000);
  const busy = [
    s.read(one({ status: 'busy', requestStarts: [999] }), 1_000_000)?.sample.busy ?? 0,
    s.read(one({ requests: 11, runningTimeUs: 20_150_000, avgRtUs: 1_075_000 }), 1_001_000)?.sample.busy ?? 0,
    s.read(one({ requests: 12, runningTimeUs: 21_150_000, avgRtUs: 1_037_500 }), 1_002_000)?.sample.busy ?? 0,
  ];
  t.is(busy[1], 0, 'the period it ended in gives back what its estimate had over');
  t.true(Math.abs(busy.reduce((a, b) => a + b, 0) - 1.15) < 0.01, `the three periods read ${busy.join(' ')}: 1.15 s of requests, counted once`);
});

test('when a request seen at two reads ends uncounted early in the period and short requests follow, then what it had surely run since it was first seen keeps it uncounted', (t) => {
  const s = createUwsgiSampler();
  // One worker: a request from 999.3, seen at 999.5 and 1000.5 (so it had surely run 1 s by the
  // last read, though its start second says only 0.5 s), ends uncounted at 1000.6; then 0.9 s of
  // short counted requests. Busy throughout.
  const one = (over: Parameters<typeof worker>[1]) => stats([worker(0, { avgRtUs: 50_000, status: 'busy', ...over })]);
  const busy = [
    s.read(one({ requestStarts: [999], requests: 100, runningTimeUs: 5e6 }), 999_500)?.sample.busy,
    s.read(one({ requestStarts: [999], requests: 100, runningTimeUs: 5e6 }), 1_000_500)?.sample.busy,
    s.read(one({ requestStarts: [1001], requests: 118, runningTimeUs: 5.9e6 }), 1_001_500)?.sample.busy,
    s.read(one({ requestStarts: [1002], requests: 138, runningTimeUs: 6.9e6 }), 1_002_500)?.sample.busy,
  ];
  t.deepEqual(busy, [1, 1, 1, 1]);
});

test('when a real uWSGI of 4 workers serves a full backlog whose clients give up (recorded: 100 requests/s of 30-60 ms, 1 in 5 timed out), then every period reads the pool nearly full', (t) => {
  // uWSGI 2.0.21 read once a second for 23 s; its own status said 4 of 4 busy at every read,
  // the listen queue 98-101 of 100. Workers sat seconds in requests whose clients had gone.
  const reads = JSON.parse(fixture('backlog-full-4-busy')) as { tsMs: number; stats: unknown }[];
  const s = createUwsgiSampler();
  const busy = reads.map((r) => s.read(parseUwsgiStats(JSON.stringify(r.stats)), r.tsMs)?.sample.busy ?? 0).slice(1);
  t.true(Math.min(...busy) >= 3.6, `busy ${busy.join(' ')}`);
});

test('when requests start and end inside one period, then their running time is the busy integral', (t) => {
  const s = createUwsgiSampler();
  s.read(stats([worker(0), worker(1)]), 1_000_000);
  const r = s.read(stats([worker(0, { requests: 3, runningTimeUs: 600_000 }), worker(1, { requests: 1, runningTimeUs: 900_000 })]), 1_002_000);
  t.like(r?.sample, { busy: 0.75, completed: 4 });
});

test('when a request started inside the period is still running, then it counts from the last read, not from its whole second', (t) => {
  const s = createUwsgiSampler();
  s.read(stats([worker(0)]), 1_000_500);
  // uWSGI says 1000 (its start to the second); it cannot have started before the last read.
  t.like(s.read(stats([worker(0, { status: 'busy', requestStarts: [1000] })]), 1_001_000)?.sample, { busy: 1 });
});

test('when short requests are in progress at each read, then each counts at half uWSGI\'s average request time, not from its start second', (t) => {
  const s = createUwsgiSampler();
  // Always busy with 50 ms requests. At 1000.9 s the request in progress began in second 1000
  // (up to 0.9 s ago, by uWSGI's figures), at 1001.2 s one began in second 1001 (up to 0.2 s ago).
  const busyWorker = (requests: number, runningTimeUs: number, start: number) => worker(0, { status: 'busy', requests, runningTimeUs, requestStarts: [start], avgRtUs: 50_000 });
  s.read(stats([busyWorker(100, 5_000_000, 1000)]), 1_000_900);
  const r = s.read(stats([busyWorker(106, 5_300_000, 1001)]), 1_001_200);
  t.like(r?.sample, { busy: 1, completed: 106 });
  // A request that has run for over a second (seen at two reads) ran through the whole period.
  const long = (start: number, requests: number) => worker(0, { status: 'busy', requests, runningTimeUs: 5_300_000, requestStarts: [start], avgRtUs: 50_000 });
  s.read(stats([long(1001, 107)]), 1_002_200);
  t.like(s.read(stats([long(1001, 107)]), 1_003_200)?.sample, { busy: 1 });
});

test('when a worker is never idle, with requests of a few hundred ms, then every period after the first two reads it fully busy: what a period over-counts of a request in progress is not lost at the cap', (t) => {
  // Back-to-back requests of `ms` from 999.95 s; uWSGI shows the one in progress by its start second and credits each at its end.
  for (const ms of [300, 400, 600, 700]) {
    const s = createUwsgiSampler();
    const at = (tS: number) => {
      const done = Math.floor((tS - 999.95) / (ms / 1000) + 1e-9);
      const start = 999.95 + (done * ms) / 1000;
      return stats([worker(0, { status: 'busy', requests: done, runningTimeUs: done * ms * 1000, requestStarts: [Math.floor(start)], avgRtUs: ms * 1000 })]);
    };
    s.read(at(1000), 1_000_000);
    const busy: number[] = [];
    for (let k = 1; k <= 12; k += 1) busy.push(s.read(at(1000 + k), 1_000_000 + k * 1000)?.sample.busy ?? -1);
    // The first two periods rest on the first read's guess of the request then in progress.
    t.true(busy.slice(2).every((b) => b >= 0.98), `${ms} ms: ${busy.join(' ')}`);
  }
});

test('when harakiri kills a worker in a request, then what was counted of the request stays and it counts busy half the period; a worker recycled after its request is taken back as before', (t) => {
  // 1000.0 s: slot 0 in a request since 998 (counted 1 s: half avg_rt, at least its start second's end).
  const first = () => {
    const sampler = createUwsgiSampler();
    sampler.read(stats([worker(0, { pid: 101, status: 'busy', requests: 5, runningTimeUs: 1e6, requestStarts: [998], avgRtUs: 1e5 }), worker(1)]), 1_000_000);
    return sampler;
  };
  // 1002.0 s: slot 0 runs a new worker; recycled, the request had ended and was credited 1.3 s.
  const killed = first().read(stats([worker(0, { pid: 201, requests: 5, runningTimeUs: 1e6, harakiris: 1 }), worker(1)]), 1_002_000);
  t.is(killed?.sample.busy, 0.5, 'killed: the request ran on about 1 s of the 2 s period (it had counted 0 before), 0.5 workers');
  const recycled = first().read(stats([worker(0, { pid: 201, requests: 6, runningTimeUs: 2.3e6 }), worker(1)]), 1_002_000);
  t.is(recycled?.sample.busy, 0.15, 'recycled: 1.3 s credited, 1 s of it counted at the last read: 0.3 s over 2 s');
  // Read before the master respawned the slot: the dead process still shows its request, which is over.
  const sampler = first();
  const dead = sampler.read(stats([worker(0, { pid: 101, status: 'busy', requests: 5, runningTimeUs: 1e6, requestStarts: [998], avgRtUs: 1e5, harakiris: 1 }), worker(1)]), 1_001_000);
  t.is(dead?.sample.busy, 0.5, 'half the 1 s period, not the whole of it');
  const still = sampler.read(stats([worker(0, { pid: 101, status: 'busy', requests: 5, runningTimeUs: 1e6, requestStarts: [998], avgRtUs: 1e5, harakiris: 1 }), worker(1)]), 1_002_000);
  t.is(still?.sample.busy, 0, 'still shown dead: no busy time');
  const respawned = sampler.read(stats([worker(0, { pid: 201, requests: 5, runningTimeUs: 1e6, harakiris: 1 }), worker(1)]), 1_003_000);
  t.is(respawned?.sample.busy, 0, 'respawned: nothing taken back, nothing added');
  // Respawned with the dead process's pid (a uWSGI in its own PID namespace): another process, whose request counts.
  const reusing = createUwsgiSampler();
  const slot0 = (over: Parameters<typeof worker>[1]) => worker(0, { pid: 101, spawnedAt: 990, requests: 5, runningTimeUs: 1e6, avgRtUs: 1.6e6, ...over });
  reusing.read(stats([slot0({ status: 'busy', requestStarts: [998] })]), 1_000_000);
  t.is(reusing.read(stats([slot0({ status: 'busy', requestStarts: [998], harakiris: 1 })]), 1_001_000)?.sample.busy, 0.5);
  const reused = reusing.read(stats([slot0({ spawnedAt: 1001, status: 'busy', requestStarts: [1001], harakiris: 1 })]), 1_002_000);
  t.is(reused?.sample.busy, 0.8, 'the new process\'s request since 1001, at half avg_rt');
});

test('when uWSGI\'s master restarts, then the counters stay monotonic and busy comes from the status', (t) => {
  const s = createUwsgiSampler();
  s.read(stats([worker(0, { requests: 40, runningTimeUs: 9e6 })]), 1_000_000);
  const r = s.read(stats([worker(0, { pid: 500, requests: 2, status: 'busy', requestStarts: [1000] })], { masterPid: 7 }), 1_001_000);
  t.like(r?.sample, { completed: 42, busy: 1 });
});

test('when the listen queue overflows are counted, then refused is their cumulative count', (t) => {
  const s = createUwsgiSampler();
  s.read(stats([worker(0)], { listenQueueErrors: 3 }), 1_000_000);
  t.like(s.read(stats([worker(0)], { listenQueueErrors: 5 }), 1_001_000)?.sample, { refused: 5 });
});

test('when a worker is still starting (lazy-apps: loading the app), then it is no part of the size but counts as starting and live', (t) => {
  const r = createUwsgiSampler().read(parseUwsgiStats(fixture('lazy-apps-one-loading-3-of-4')), 1_796_316_000_000);
  t.like(r?.sample, { size: 2, busy: 0, starting: 1, maxSize: 4 });
  t.is(r?.live, 3);
  t.is(r?.idle, 3, 'uWSGI may retire it: it is in no request');
  t.is(r?.pids.length, 3, 'its CPU is read with the others');
  // Two serving workers busy all along beside one loading: the pool is full, not a third idle.
  const s = createUwsgiSampler();
  const busy = (slot: number, runningTimeUs: number) => worker(slot, { status: 'busy', requestStarts: [999], requests: 0, runningTimeUs });
  s.read(stats([busy(0, 0), busy(1, 0), worker(2, { accepting: false })]), 1_000_000);
  t.like(s.read(stats([busy(0, 0), busy(1, 0), worker(2, { accepting: false })]), 1_001_000)?.sample, { size: 2, busy: 2, starting: 1 });
  t.like(s.read(stats([busy(0, 0), busy(1, 0), worker(2)]), 1_002_000)?.sample, { size: 3, busy: 2 }, 'once it accepts, it serves');
  t.false('starting' in (s.read(stats([busy(0, 0), busy(1, 0), worker(2)]), 1_003_000)?.sample ?? {}));
});

test('when every live worker is still starting, then the sample has no worker that serves', (t) => {
  const r = createUwsgiSampler().read(parseUwsgiStats(fixture('lazy-apps-loading-2-of-4')), 1_796_316_000_000);
  t.like(r?.sample, { size: 0, busy: 0, starting: 2 });
  t.is(r?.live, 2);
});

test('when no worker is live (uWSGI starting or restarting), then there is no sample', (t) => {
  t.is(createUwsgiSampler().read(stats([worker(0, { pid: 0, status: 'cheap' })]), 1_000_000), null);
});
