import test from 'ava';
import type { Bounds, CpuReading, Mode, Sample } from '../../../src/core/index.js';
import { ALL_CHEAPED_RETRY_MS, createUwsgiSource, IDLE_LOST_MS, LOADING_WARN_MS, OUTAGE_REPEAT_MS, RESPAWN_STUCK_MS, settleMs, UNASKED_CHANGES_WARN, UNASKED_WINDOW_MS, WAKE_AFTER_SECOND_MS } from '../../../src/sources/uwsgi/index.js';
import type { CpuReader, Listener, ListenQueueReader } from '../../../src/sources/index.js';
import type { FifoPathKind } from '../../../src/sources/uwsgi/index.js';
import { captureLogger, fixture } from './helpers.js';

const PERIOD_MS = 1000;
const noReader = () => Object.assign(new Error('ENXIO: no such device or address, open'), { code: 'ENXIO' });

/** A uWSGI whose answers, FIFO and clock the test sets, and an engine that records samples. */
function rig(options: { answers: (string | Error)[]; target?: number; mode?: Mode; cheaper?: number; fifoErrors?: (Error | null)[]; cpu?: CpuReader; bounds?: Bounds; listenQueue?: ListenQueueReader; wanted?: () => { mode: Mode; target: number } | null; openedBy?: (path: string, pid: number) => boolean | null; pathKind?: () => FifoPathKind | null }) {
  let nowMs = 1_796_163_475_000;
  const ingested: Sample[] = [];
  const writes: string[] = [];
  const wakes: { run: () => void; delayMs: number; cancelled: boolean }[] = [];
  const reply = { target: options.target ?? 2, mode: options.mode ?? ('adaptive' as Mode) };
  const { lines, logger } = captureLogger();
  const answers = [...options.answers];
  // the test's own array: errors pushed later fail later writes
  const fifoErrors = options.fifoErrors ?? [];
  const actuations: string[] = [];
  const src = createUwsgiSource({
    pool: 'web',
    source: { type: 'uwsgi', stats: '127.0.0.1:9191', fifo: '/run/uwsgi.fifo', cheaper: options.cheaper ?? 1 },
    periodMs: PERIOD_MS,
    // the fixtures' uWSGI has 6 worker slots
    bounds: options.bounds ?? { min: 1, max: 6 },
    engine: {
      ingest: (pool, samples) => {
        ingested.push(...samples);
        return { pool, target: reply.target, action: 'hold', mode: reply.mode };
      },
    },
    now: () => nowMs,
    later: (run, delayMs) => {
      const wake = { run, delayMs, cancelled: false };
      wakes.push(wake);
      return () => void (wake.cancelled = true);
    },
    readStats: async () => {
      const a = answers.length > 1 ? answers.shift()! : answers[0]!;
      if (a instanceof Error) throw a;
      return a;
    },
    fifo: {
      write: (_path, text) => {
        const err = fifoErrors.shift();
        if (err) throw err;
        writes.push(text);
      },
      ...(options.openedBy ? { openedBy: options.openedBy } : {}),
      ...(options.pathKind ? { pathKind: options.pathKind } : {}),
    },
    cpu: options.cpu ?? null,
    listenQueue: options.listenQueue ?? null,
    logger,
    actuation: (pool, result) => void actuations.push(`${pool}:${result}`),
    ...(options.wanted ? { wanted: options.wanted } : {}),
  });
  return { src, ingested, writes, wakes, lines, actuations, reply, advance: (ms: number) => void (nowMs += ms) };
}

test('when uWSGI answers, then its sample is fed to the engine with the workers\' CPU summed over their pids', async (t) => {
  const asked: number[][] = [];
  const reading: CpuReading = { ts: 0, cpuSeconds: 12.5, runDelaySeconds: 0.25, threads: 4 };
  const r = rig({ answers: [fixture('loaded-4-of-6')], target: 4, cpu: { read: (pids) => (asked.push([...pids]), reading) } });
  t.is(await r.src.poll(), 'sampled');
  t.like(r.ingested[0], { size: 4, busy: 2, queueDepth: 2, queueCapacity: 64, completed: 5, cpuSeconds: 12.5, runDelaySeconds: 0.25 });
  t.deepEqual(asked, [[10026, 10027, 11554, 11555]]);
  t.deepEqual(r.writes, [], 'the target is the size: nothing to apply');
});

test('when uWSGI\'s workers serve on several threads, then the sample says how many: their cores, at most their processes\' threads', async (t) => {
  const threadsOf = async (answer: string, threads: number) => {
    const r = rig({ answers: [answer], target: 2, cpu: { read: () => ({ ts: 0, cpuSeconds: 1, runDelaySeconds: 0, threads }) } });
    await r.src.poll();
    return r.ingested[0]?.workerThreads;
  };
  t.is(await threadsOf(fixture('threads-2-of-4'), 4), 2, '2 live workers of 2 cores (threads = 2), 4 threads');
  t.is(await threadsOf(fixture('threads-2-of-4'), 2), undefined, '2 cores a worker on one thread each (async cores): one thread');
  t.is(await threadsOf(fixture('loaded-4-of-6'), 12), undefined, 'one core a worker: the app\'s own threads serve no request');
});

test('when commands are written, then uWSGI\'s master is woken with a newline just after the next second starts, once a second', async (t) => {
  const r = rig({ answers: [fixture('idle-2-of-6')], target: 2 });
  await r.src.poll();
  t.deepEqual(r.wakes, [], 'nothing written, nothing to wake');
  r.advance(250); // 250 ms into a second
  r.src.apply(5);
  r.src.apply(6);
  t.deepEqual(r.writes, ['+++', '+']);
  t.deepEqual(r.wakes.map((w) => w.delayMs), [750 + WAKE_AFTER_SECOND_MS], 'one wake for the commands of one second');
  r.wakes[0]!.run();
  t.deepEqual(r.writes, ['+++', '+', '\n'], 'a byte that is no uWSGI command');
  r.advance(1000);
  r.src.apply(4);
  t.deepEqual(r.writes, ['+++', '+', '\n', '--']);
  t.deepEqual(r.wakes.map((w) => w.delayMs), [750 + WAKE_AFTER_SECOND_MS, 750 + WAKE_AFTER_SECOND_MS]);
  r.src.stop();
  t.true(r.wakes[1]!.cancelled, 'a wake still due is cancelled on stop');
  r.wakes[1]!.run();
  t.is(r.writes.length, 4, 'and writes nothing if it runs anyway');
});

test('when the kernel tells the accept queue of uWSGI\'s TCP socket, then it is the queue depth; when it cannot, uWSGI\'s listen_queue is', async (t) => {
  const asked: { pid: number; listeners: readonly Listener[] }[] = [];
  let kernel: number | null = 37;
  const r = rig({ answers: [fixture('loaded-4-of-6')], target: 4, listenQueue: (pid, listeners) => (asked.push({ pid, listeners }), kernel) });
  await r.src.poll();
  t.like(r.ingested[0], { queueDepth: 37, queueCapacity: 64 });
  t.deepEqual(asked[0], { pid: 10024, listeners: [{ port: 18081, address: '127.0.0.1', v6: false }] }, 'the master\'s pid and the socket named in the stats');
  kernel = null;
  r.advance(PERIOD_MS);
  await r.src.poll();
  t.like(r.ingested[1], { queueDepth: 2 }, 'the stats\' listen_queue');
});

test('when uWSGI listens on unix sockets only, then its samples have no queue or refusals (its listen_queue reads 0 on stock kernels), said once, until a backlog is seen', async (t) => {
  const onUnix = (queue: number, errors: number) => {
    const doc = JSON.parse(fixture('loaded-4-of-6')) as Record<string, unknown>;
    return JSON.stringify({ ...doc, listen_queue: queue, listen_queue_errors: errors, sockets: [{ name: '/run/uwsgi/app.sock', proto: 'uwsgi', queue, max_queue: 0, shared: 0, can_offload: 0 }] });
  };
  const asked: number[] = [];
  const r = rig({ answers: [onUnix(0, 0), onUnix(0, 0), onUnix(3, 1)], target: 4, listenQueue: (pid, listeners) => (asked.push(listeners.length), null) });
  await r.src.poll();
  r.advance(PERIOD_MS);
  await r.src.poll();
  for (const sample of r.ingested) {
    t.is(sample.queueDepth, undefined, 'no depth, not 0');
    t.is(sample.queueCapacity, undefined);
    t.is(sample.refused, undefined);
    t.is(sample.completed, 5, 'the rest of the sample as ever');
  }
  const warned = r.lines.filter((l) => l.level === 'warn' && l.msg.includes('unix sockets only'));
  t.is(warned.length, 1, 'said once');
  t.regex(warned[0]!.msg, /\/run\/uwsgi\/app\.sock.*Linux does not tell uWSGI.*a TCP socket/);
  r.advance(PERIOD_MS);
  await r.src.poll();
  t.like(r.ingested[2], { queueDepth: 3, refused: 1 }, 'a kernel that tells uWSGI the backlog: its figures count from then on');
  t.false('queueCapacity' in r.ingested[2]!, 'a unix socket has no max_queue in the stats');
});

test('when the target is above the live workers, then one + a worker is written, never past processes', async (t) => {
  const r = rig({ answers: [fixture('idle-2-of-6')], target: 5 });
  await r.src.poll();
  t.deepEqual(r.writes, ['+++']);
  r.src.apply(40);
  t.deepEqual(r.writes, ['+++', '+'], 'from the 5 asked for to the 6 uWSGI has slots for');
});

test('when uWSGI\'s processes or cheaper bind inside the pool\'s bounds, then a warning says so once, with the value to give', async (t) => {
  const r = rig({ answers: [fixture('idle-2-of-6')], target: 2, cheaper: 3, bounds: { min: 2, max: 8 } });
  await r.src.poll();
  r.advance(PERIOD_MS);
  await r.src.poll();
  const warnings = r.lines.filter((l) => l.level === 'warn').map((l) => l.msg);
  t.is(warnings.length, 2);
  t.regex(warnings[0] ?? '', /6 worker slots \(processes\) but the pool's hard max is 8: the pool grows to 6 at most.*processes = 8/);
  t.regex(warnings[1] ?? '', /cheaper is 3 but the pool may shrink to 2.*cheaper = 2/);
});

test('when uWSGI\'s limits cover the pool\'s bounds, then nothing is said about them', async (t) => {
  const r = rig({ answers: [fixture('idle-2-of-6')], target: 2, cheaper: 2, bounds: { min: 2, max: 6 } });
  await r.src.poll();
  t.deepEqual(r.lines.filter((l) => l.level === 'warn'), []);
  t.false(r.lines.some((l) => /worker slots \(processes\)/.test(l.msg)));
});

test('when uWSGI has more worker slots than the pool\'s hard max, then the operator is told once, at info, that the others stay empty', async (t) => {
  const r = rig({ answers: [fixture('idle-2-of-6')], target: 2, cheaper: 2, bounds: { min: 2, max: 4 } });
  await r.src.poll();
  r.advance(PERIOD_MS);
  await r.src.poll();
  const said = r.lines.filter((l) => /worker slots \(processes\)/.test(l.msg));
  t.is(said.length, 1);
  t.is(said[0]?.level, 'info');
  t.regex(said[0]?.msg ?? '', /uWSGI has 6 worker slots \(processes\) and the pool's hard max is 4 \(from the CPUs the daemon may use, the config's cpus\): the sidecar runs at most 4 workers and uWSGI's other 2 slots stay empty/);
});

test('when the target is below cheaper, then workers are removed down to cheaper only', async (t) => {
  const r = rig({ answers: [fixture('loaded-4-of-6')], target: 1, cheaper: 2 });
  await r.src.poll();
  t.deepEqual(r.writes, ['--']);
});

test('when uWSGI has not applied the last commands yet, then they are not sent again (uWSGI keeps them) until the last-resort settle time', async (t) => {
  const r = rig({ answers: [fixture('idle-2-of-6')], target: 4 });
  await r.src.poll();
  r.advance(PERIOD_MS);
  await r.src.poll();
  t.deepEqual(r.writes, ['++'], 'still 2 live one period later: the ++ is on its way');
  r.advance(30_000);
  await r.src.poll();
  t.deepEqual(r.writes, ['++'], 'a - waits in uWSGI while every worker is busy: resending would remove more later');
  r.advance(settleMs(PERIOD_MS) - 30_000 - PERIOD_MS - 1);
  await r.src.poll();
  t.deepEqual(r.writes, ['++'], 'one ms before the settle time');
  r.advance(1);
  await r.src.poll();
  t.deepEqual(r.writes, ['++', '++'], 'at the settle time the count on record is trusted again');
  const warnings = r.lines.filter((l) => l.level === 'warn').map((l) => l.msg);
  t.is(warnings.length, 1, 'and the operator is told, once per settle time');
  t.regex(warnings[0] ?? '', /still runs 2 workers 60 s after it was asked for 4.*cheaper mode/);
});

test('when uWSGI reloaded its workers (none of those asked of is left), then the pending commands are sent again at once', async (t) => {
  const reloaded = fixture('idle-2-of-6').replace('10026', '20026').replace('10027', '20027');
  const r = rig({ answers: [fixture('idle-2-of-6'), reloaded], target: 4 });
  await r.src.poll();
  t.deepEqual(r.writes, ['++']);
  r.advance(PERIOD_MS);
  await r.src.poll();
  t.deepEqual(r.writes, ['++', '++'], 'a reload drops what uWSGI had pending');
});

test('when uWSGI restarts in its own PID namespace (a container: the same master and worker pids), then its workers\' spawn seconds tell it, and the commands it dropped are sent again at once', async (t) => {
  const before = fixture('idle-2-of-6');
  const doc = JSON.parse(before) as { workers: { pid: number; last_spawn: number; respawn_count: number }[] };
  for (const w of doc.workers) if (w.pid > 0) Object.assign(w, { last_spawn: w.last_spawn + 120, respawn_count: 1 });
  const down = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  const r = rig({ answers: [before, down, down, JSON.stringify(doc)], target: 4 });
  await r.src.poll();
  t.deepEqual(r.writes, ['++']);
  for (let i = 0; i < 3; i += 1) {
    r.advance(PERIOD_MS);
    await r.src.poll();
  }
  t.deepEqual(r.writes, ['++', '++'], 'the new uWSGI never had the ++');
  t.true(r.lines.some((l) => l.level === 'info' && /uWSGI reloaded its workers; it runs 2 workers/.test(l.msg)));
});

test('when uWSGI has applied the commands, then a new target moves from the count it reports', async (t) => {
  const r = rig({ answers: [fixture('idle-2-of-6'), fixture('after-load')], target: 4 });
  await r.src.poll();
  r.advance(PERIOD_MS);
  r.reply.target = 3;
  await r.src.poll();
  t.deepEqual(r.writes, ['++', '-']);
});

test('when the pool observes, then nothing is written to the FIFO', async (t) => {
  const r = rig({ answers: [fixture('idle-2-of-6')], target: 5, mode: 'observe' });
  await r.src.poll();
  r.src.apply(6);
  t.deepEqual(r.writes, []);
  t.is(r.ingested.length, 1, 'but the sample is fed');
});

test('when uWSGI is down, then no sample, one warning per outage, a retry every period and one line on recovery', async (t) => {
  const refused = new Error('connect ECONNREFUSED 127.0.0.1:9191');
  const r = rig({ answers: [fixture('idle-2-of-6'), refused, refused, refused, fixture('after-load'), refused, refused], target: 2 });
  const outcomes = [];
  for (let i = 0; i < 7; i++) {
    outcomes.push(await r.src.poll());
    r.advance(i === 4 ? OUTAGE_REPEAT_MS : PERIOD_MS);
  }
  t.deepEqual(outcomes, ['sampled', 'down', 'down', 'down', 'sampled', 'down', 'down']);
  t.is(r.ingested.length, 2);
  t.deepEqual(
    r.lines.filter((l) => l.level !== 'debug').map((l) => `${l.level}: ${l.msg.replace(/ \(.*?\)/, '')}`),
    [
      'info: pool web: reading uWSGI at 127.0.0.1:9191',
      'warn: pool web: uWSGI is not answering at 127.0.0.1:9191; the pool goes stale and the sidecar retries every period',
      'info: pool web: uWSGI answers again at 127.0.0.1:9191',
      "info: pool web: asked uWSGI, which runs 4 workers, for the pool's 2",
      'warn: pool web: uWSGI is not answering at 127.0.0.1:9191; the pool goes stale and the sidecar retries every period',
    ],
  );
});

test('when the source writes its first command, then what uWSGI ran and what it is asked are said at info; later commands at debug', async (t) => {
  // a sidecar meeting a uWSGI it did not size (a start with OC_ADAPTIVE_THREADS=0 asks for the static size)
  const r = rig({ answers: [fixture('idle-2-of-6'), fixture('idle-2-of-6')], target: 4 });
  await r.src.poll();
  t.deepEqual(r.writes, ['++']);
  const first = r.lines.filter((l) => l.msg.includes('asked uWSGI'));
  t.deepEqual(first.map((l) => `${l.level}: ${l.msg}`), ["info: pool web: asked uWSGI, which runs 2 workers, for the pool's 4 (++)"]);
  r.advance(PERIOD_MS);
  r.src.apply(5);
  t.deepEqual(r.writes.slice(1, 2), ['+']);
  const later = r.lines.filter((l) => l.msg.includes('asked uWSGI')).slice(1);
  t.deepEqual(later.map((l) => l.level), ['debug']);
});

test('when uWSGI\'s stats fail every other read, then the outages are warned about once a minute with the count of those only logged at debug; a timeout names a client holding the stats server', async (t) => {
  const timeout = Object.assign(new Error('no complete answer from 127.0.0.1:9191 within 1000 ms'), { code: 'ETIMEDOUT' });
  const answers: (string | Error)[] = [fixture('idle-2-of-6')];
  for (let i = 0; i < 70; i += 1) answers.push(timeout, fixture('idle-2-of-6'));
  const r = rig({ answers, target: 2 });
  for (let i = 0; i < answers.length; i += 1) {
    await r.src.poll();
    r.advance(PERIOD_MS);
  }
  const said = r.lines.filter((l) => l.level !== 'debug' && /answer/.test(l.msg)).map((l) => `${l.level}: ${l.msg}`);
  t.is(said.filter((m) => m.startsWith('warn')).length, 3, '70 outages in 140 s: the first, one a minute later, one two minutes later');
  t.is(said.filter((m) => m.startsWith('info: pool web: uWSGI answers again')).length, 3, 'the end of each outage warned about');
  t.regex(said[0] ?? '', /^warn: .*not answering .*within 1000 ms.*uWSGI's master is stopped or stalled \(it sleeps when it respawns workers too fast: harakiri.*\), or \(with stats-http\) another client connected to the stats server without asking holds it/);
  t.regex(said.find((m, i) => i > 1 && m.startsWith('warn')) ?? '', /\(29 short outages since the last warning, logged at debug\)/);
  // An outage that began unsaid and lasts is warned about once the minute is up.
  const refused = new Error('connect ECONNREFUSED 127.0.0.1:9191');
  const q = rig({ answers: [fixture('idle-2-of-6'), refused, refused, fixture('idle-2-of-6'), refused], target: 2 });
  const warns = () => q.lines.filter((l) => l.level === 'warn').length;
  for (let i = 0; i < 5; i += 1) {
    await q.src.poll();
    q.advance(PERIOD_MS);
  }
  t.is(warns(), 1, 'the first outage, at its second read; the second, 3 s after: debug');
  q.advance(OUTAGE_REPEAT_MS);
  await q.src.poll();
  t.is(warns(), 2, 'still down a minute after the first warning');
  // Another cause is warned about at once.
  const other = rig({ answers: [fixture('idle-2-of-6'), refused, refused, fixture('idle-2-of-6'), timeout], target: 2 });
  for (let i = 0; i < 5; i += 1) {
    await other.src.poll();
    other.advance(PERIOD_MS);
  }
  t.is(other.lines.filter((l) => l.level === 'warn').length, 2, 'refused, then a timeout');
});

test('when one read fails after good ones (a reload re-executes the master), then it is logged at debug; a second outage within a minute is warned about at once', async (t) => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9191'), { code: 'ECONNREFUSED' });
  const r = rig({ answers: [fixture('idle-2-of-6'), refused, fixture('idle-2-of-6'), fixture('idle-2-of-6'), refused, fixture('idle-2-of-6')], target: 2 });
  const outcomes = [];
  for (let i = 0; i < 6; i += 1) {
    outcomes.push(await r.src.poll());
    r.advance(PERIOD_MS);
  }
  t.deepEqual(outcomes, ['sampled', 'down', 'sampled', 'sampled', 'down', 'sampled']);
  const said = r.lines.filter((l) => l.level !== 'debug').map((l) => `${l.level}: ${l.msg.replace(/ \(.*?\)/g, '').split('; check')[0] ?? ''}`);
  t.deepEqual(said, ['info: pool web: reading uWSGI at 127.0.0.1:9191', 'warn: pool web: uWSGI is not answering at 127.0.0.1:9191; the pool goes stale and the sidecar retries every period', 'info: pool web: uWSGI answers again at 127.0.0.1:9191']);
  t.regex(r.lines.find((l) => l.level === 'warn')?.msg ?? '', /\(1 short outage since the last warning, logged at debug\)/);
  t.true(r.lines.some((l) => l.level === 'debug' && /not answering/.test(l.msg)), 'the first, at debug');
  // A stats socket the sidecar may not connect to says so.
  const denied = Object.assign(new Error('connect EACCES /run/uwsgi/stats.sock'), { code: 'EACCES' });
  const d = rig({ answers: [denied] });
  await d.src.poll();
  t.regex(d.lines.find((l) => l.level === 'warn')?.msg ?? '', /EACCES.*the sidecar's user may not connect to uWSGI's stats socket: run the sidecar as uWSGI's user/);
});

test('when a read finds worker slots with no worker, not cheaped (a reload under way), then no sample, no command and no unasked change; slots left so past RESPAWN_STUCK_MS are said and sampled', async (t) => {
  // A graceful reload: 3 of the 4 live workers ended, their slots not cheaped; then the new workers.
  const before = JSON.parse(fixture('loaded-4-of-6')) as { workers: { pid: number; status: string }[] };
  const dying = structuredClone(before);
  for (const w of dying.workers.slice(1, 4)) {
    w.pid = 0;
    w.status = 'idle';
  }
  const renewed = structuredClone(before);
  for (const w of renewed.workers) if (w.pid > 0) w.pid += 10_000; // new workers of the same master (it re-executed)
  const after = JSON.stringify(renewed);
  const r = rig({ answers: [fixture('loaded-4-of-6'), JSON.stringify(dying), after], target: 4 });
  t.is(await r.src.poll(), 'sampled');
  r.advance(PERIOD_MS);
  r.reply.target = 5;
  t.is(await r.src.poll(), 'down', 'in flux: no sample');
  r.src.apply(5);
  t.deepEqual(r.writes, [], 'no command while workers are being respawned');
  t.is(r.ingested.length, 1);
  r.advance(PERIOD_MS);
  t.is(await r.src.poll(), 'sampled');
  t.deepEqual(r.writes.filter((w) => w !== '\n'), ['+'], 'the next read writes what is due');
  const said = r.lines.filter((l) => l.level !== 'debug').map((l) => l.msg);
  t.false(said.some((m) => /without being asked|not answering|cannot write/.test(m)), said.join('\n'));
  t.true(said.some((m) => /uWSGI reloaded its workers; it runs 4 workers \(4 before\)/.test(m)), said.join('\n'));
  // Slots that stay without a worker: said once, then the workers that run are sampled.
  const stuck = rig({ answers: [JSON.stringify(dying)], target: 4 });
  t.is(await stuck.src.poll(), 'down');
  stuck.advance(RESPAWN_STUCK_MS);
  t.is(await stuck.src.poll(), 'sampled');
  t.like(stuck.ingested[0], { size: 1 });
  t.is(stuck.lines.filter((l) => l.level === 'warn' && /3 of uWSGI's worker slots have had no worker for 10 s and are not cheaped: a graceful reload still waits for a worker in a long request.*or its master does not respawn them/.test(l.msg)).length, 1);
});

test('when uWSGI is paused (p at its FIFO), then no sample and no command until it resumes, both said at info', async (t) => {
  const paused = JSON.parse(fixture('loaded-4-of-6')) as { workers: { pid: number; status: string }[] };
  for (const w of paused.workers) if (w.pid > 0) w.status = 'pause';
  const r = rig({ answers: [fixture('loaded-4-of-6'), JSON.stringify(paused), JSON.stringify(paused), fixture('loaded-4-of-6')], target: 4 });
  t.is(await r.src.poll(), 'sampled');
  r.reply.target = 5;
  for (let i = 0; i < 2; i += 1) {
    r.advance(PERIOD_MS);
    t.is(await r.src.poll(), 'down');
  }
  r.src.apply(5);
  t.deepEqual(r.writes, [], 'uWSGI applies no + or - while paused');
  t.is(r.ingested.length, 1);
  r.advance(PERIOD_MS);
  t.is(await r.src.poll(), 'sampled');
  t.deepEqual(r.writes.filter((w) => w !== '\n'), ['+']);
  const said = r.lines.filter((l) => l.level !== 'debug').map((l) => `${l.level}: ${l.msg}`);
  t.is(said.filter((m) => /uWSGI is paused \(p at its master FIFO\): its 4 workers take no request/.test(m)).length, 1, said.join('\n'));
  t.true(said.includes('info: pool web: uWSGI resumed: its workers take requests again'));
  t.false(said.some((m) => m.startsWith('warn')), said.join('\n'));
});

test('when uWSGI is down, then a change of target writes nothing', async (t) => {
  const r = rig({ answers: [new Error('ECONNREFUSED')], target: 4 });
  t.is(await r.src.poll(), 'down');
  r.src.apply(5);
  t.deepEqual(r.writes, []);
});

test('when the stats server answers garbage or no live worker, then the pool goes stale like an outage', async (t) => {
  const r = rig({ answers: ['<html>', '{"pid": 1, "workers": [{"pid": 0, "status": "cheap"}]}'] });
  t.is(await r.src.poll(), 'down');
  t.is(await r.src.poll(), 'down');
  t.is(r.ingested.length, 0);
  t.is(r.lines.filter((l) => l.level === 'warn').length, 1);
});

test('when the FIFO has no reader, then the first write that fails is logged at debug (a reload), the second warned about, the next period retried, and the recovery logged', async (t) => {
  const r = rig({ answers: [fixture('idle-2-of-6')], target: 3, fifoErrors: [noReader(), noReader(), null] });
  await r.src.poll();
  await r.src.poll();
  t.deepEqual(r.writes, []);
  await r.src.poll();
  t.deepEqual(r.writes, ['+']);
  t.deepEqual(
    r.lines.filter((l) => l.level === 'warn' || l.msg.includes('FIFO')).map((l) => l.level),
    ['debug', 'warn', 'info'],
  );
  // A graceful reload: the master re-executes, the FIFO has no reader once.
  const once = rig({ answers: [fixture('idle-2-of-6')], target: 3, fifoErrors: [noReader(), null] });
  await once.src.poll();
  await once.src.poll();
  t.deepEqual(once.writes, ['+']);
  t.deepEqual(once.lines.filter((l) => l.level !== 'debug' && l.msg.includes('FIFO')), [], 'nothing said above debug');
  t.deepEqual(once.actuations, ['web:error', 'web:ok']);
});

test('when the CPU reader fails, then the sample goes without CPU', async (t) => {
  const r = rig({ answers: [fixture('idle-2-of-6')], cpu: { read: () => { throw new Error('EACCES'); } } });
  t.is(await r.src.poll(), 'sampled');
  t.is(r.ingested[0]?.cpuSeconds, undefined);
});

test('when the source is stopped, then a poll does nothing', async (t) => {
  const r = rig({ answers: [fixture('idle-2-of-6')], target: 5 });
  r.src.stop();
  t.is(await r.src.poll(), 'stopped');
  t.deepEqual([r.ingested.length, r.writes.length], [0, 0]);
});

test('when uWSGI changes its worker count without being asked, then the second time the operator is told another cheaper algorithm runs', async (t) => {
  // uWSGI's own algorithm cheaps a worker of the 4 the sidecar wants, twice; the sidecar's own + and - are not counted.
  const r = rig({ answers: [fixture('after-load'), fixture('one-cheaped'), fixture('after-load'), fixture('idle-2-of-6'), fixture('one-cheaped'), fixture('after-load'), fixture('one-cheaped')], target: 4 });
  const warnings = () => r.lines.filter((l) => l.level === 'warn').map((l) => l.msg);
  await r.src.poll();
  r.advance(PERIOD_MS);
  await r.src.poll();
  t.deepEqual(r.writes.filter((w) => w !== '\n'), ['+'], 'the cheaped worker is asked back');
  r.reply.target = 2;
  r.advance(PERIOD_MS);
  await r.src.poll();
  t.deepEqual(warnings(), [], 'one change unasked: no warning (an operator may write to the FIFO by hand)');
  r.reply.target = 4;
  r.advance(PERIOD_MS);
  await r.src.poll();
  t.deepEqual(r.writes.filter((w) => w !== '\n'), ['+', '--', '++']);
  t.deepEqual(warnings(), [], 'the sidecar\'s own -- taking effect is no unasked change');
  for (let i = 0; i < 3; i += 1) {
    r.advance(PERIOD_MS);
    await r.src.poll();
  }
  t.is(warnings().length, 1, `warned once, at the ${UNASKED_CHANGES_WARN}nd unasked change`);
  t.regex(warnings()[0] ?? '', /without being asked \(2 times within 1 min, the last 4 -> 3\).*cheaper-algo = manual/);
  t.regex(warnings()[0] ?? '', /another sidecar drives the same uWSGI/);
});

test('when uWSGI\'s count moves unasked only now and then, then no warning; a burst of such moves after a quiet window is warned about again', async (t) => {
  // Each unasked change is a worker cheaped (4 -> 3) that the sidecar asks back (+) and gets.
  const r = rig({ answers: [fixture('after-load'), ...Array.from({ length: 6 }, () => [fixture('one-cheaped'), fixture('after-load')]).flat()], target: 4 });
  const warned = () => r.lines.filter((l) => l.level === 'warn').map((l) => l.msg);
  const cheapAndRestore = async (gapMs: number) => {
    r.advance(gapMs);
    await r.src.poll();
    r.advance(PERIOD_MS);
    await r.src.poll();
  };
  await r.src.poll();
  await cheapAndRestore(PERIOD_MS);
  await cheapAndRestore(UNASKED_WINDOW_MS);
  t.deepEqual(warned(), [], 'two unasked changes a window apart: an operator\'s hand, not an algorithm');
  await cheapAndRestore(60_000);
  t.is(warned().length, 1, 'the second within the window is warned about');
  await cheapAndRestore(60_000);
  t.is(warned().length, 1, 'once while they go on');
  await cheapAndRestore(UNASKED_WINDOW_MS);
  await cheapAndRestore(60_000);
  t.is(warned().length, 2, 'after a quiet window, a new burst is warned about again');
  t.regex(warned()[1] ?? '', /\(2 times within 2 min, the last 4 -> 3\)/);
  t.deepEqual(r.writes.filter((w) => w !== '\n'), Array.from({ length: 6 }, () => '+'), 'each cheaped worker asked back');
});

test('when uWSGI\'s count keeps moving unasked (a cheaper algorithm fights the sidecar), then the warning comes again once every window while it goes on', async (t) => {
  const r = rig({ answers: [fixture('after-load'), ...Array.from({ length: 40 }, () => [fixture('one-cheaped'), fixture('after-load')]).flat()], target: 4 });
  const warned = () => r.lines.filter((l) => l.level === 'warn').map((l) => l.msg);
  await r.src.poll();
  // a worker cheaped and asked back every 30 s for 20 min
  for (let i = 0; i < 40; i += 1) {
    r.advance(30_000 - PERIOD_MS);
    await r.src.poll();
    r.advance(PERIOD_MS);
    await r.src.poll();
  }
  t.is(warned().length, 2, warned().join('\n'));
  t.notRegex(warned()[0] ?? '', /still going on/);
  t.regex(warned()[1] ?? '', /\(20 times within 10 min, the last 4 -> 3\).*; still going on \(said again every 10 min while it does\)$/);
});

test('when commands keep coming while uWSGI applies none, then the settle time runs from the first, and its warning is given once', async (t) => {
  const r = rig({ answers: [fixture('idle-2-of-6')], target: 4 });
  const warnings = () => r.lines.filter((l) => l.level === 'warn').map((l) => l.msg);
  await r.src.poll();
  r.advance(30_000);
  r.reply.target = 5;
  await r.src.poll();
  t.deepEqual(r.writes.filter((w) => w !== '\n'), ['++', '+'], 'the new target is asked for');
  r.advance(settleMs(PERIOD_MS) - 30_000);
  await r.src.poll();
  t.is(warnings().length, 1, 'the warning comes a settle time after the first command, not after the last');
  t.regex(warnings()[0] ?? '', /still runs 2 workers 60 s after it was asked for 5/);
  r.advance(settleMs(PERIOD_MS));
  await r.src.poll();
  t.is(warnings().length, 1, 'asked again a settle time later, without a second warning');
  t.true(r.lines.some((l) => l.level === 'debug' && /still runs 2 workers/.test(l.msg)));
});

test('when commands are written to the FIFO, then each write counts as an actuation, ok or error; the wake-up byte does not', async (t) => {
  const r = rig({ answers: [fixture('idle-2-of-6')], target: 4, fifoErrors: [Object.assign(new Error('ENXIO: no reader'), { code: 'ENXIO' })] });
  await r.src.poll();
  t.deepEqual(r.actuations, ['web:error']);
  r.advance(PERIOD_MS);
  await r.src.poll();
  t.deepEqual(r.actuations, ['web:error', 'web:ok']);
  for (const w of r.wakes) w.run();
  t.deepEqual(r.actuations, ['web:error', 'web:ok']);
});

test('when a pin is beyond uWSGI\'s limits, then uWSGI is asked for what it can run and the operator is told, once per pin', async (t) => {
  const r = rig({ answers: [fixture('idle-2-of-6')], target: 12, mode: 'pinned', cheaper: 2, bounds: { min: 2, max: 6 } });
  const warnings = () => r.lines.filter((l) => l.level === 'warn').map((l) => l.msg);
  await r.src.poll();
  t.deepEqual(r.writes.filter((w) => w !== '\n'), ['++++'], '6, uWSGI\'s worker slots');
  r.advance(PERIOD_MS);
  await r.src.poll();
  t.deepEqual(warnings(), ['pool web: the pin 12 is above uWSGI\'s 6 worker slots (processes): uWSGI is asked for 6 workers']);
  r.reply.target = 1;
  r.advance(PERIOD_MS);
  await r.src.poll();
  t.is(warnings().length, 2);
  t.regex(warnings()[1] ?? '', /pin 1 is below the source's cheaper \(2\): uWSGI is asked for 2 workers/);
});

test('when uWSGI comes up after the sidecar, then its first answer is logged as the first read, not as a recovery', async (t) => {
  const r = rig({ answers: [new Error('connect ENOENT /run/uwsgi/stats.sock'), fixture('idle-2-of-6')], target: 2 });
  await r.src.poll();
  r.advance(PERIOD_MS);
  await r.src.poll();
  const infos = r.lines.filter((l) => l.level === 'info').map((l) => l.msg);
  t.is(infos.length, 1);
  t.regex(infos[0] ?? '', /^pool web: reading uWSGI at 127\.0\.0\.1:9191 \(2 of 6 workers: the size the pool starts from, unless it is pinned or sizing is off\)$/);
});

/** A recorded document with every live worker in a request (started a second before), all but the last, or every worker cheaped. */
function variant(name: string, as: 'all-busy' | 'one-idle' | 'all-cheaped'): string {
  const doc = JSON.parse(fixture(name)) as { workers: { pid: number; status: string; cores: { in_request: number; req_info?: object }[] }[] };
  const lastLive = doc.workers.filter((w) => w.pid > 0).at(-1);
  for (const w of doc.workers) {
    if (as === 'all-cheaped') {
      w.pid = 0;
      w.status = 'cheap';
      for (const c of w.cores) c.in_request = 0;
    } else if (as === 'one-idle' && w === lastLive) {
      w.status = 'idle';
      for (const c of w.cores) c.in_request = 0;
    } else if (w.pid > 0) {
      w.status = 'busy';
      for (const c of w.cores) Object.assign(c, { in_request: 1, req_info: { request_start: 1_796_163_474 } });
    }
  }
  return JSON.stringify(doc);
}

test('when every worker is in a request, then no - is sent (uWSGI would keep it and retire them all at once later); one goes per idle worker', async (t) => {
  const r = rig({ answers: [variant('after-load', 'all-busy'), variant('after-load', 'all-busy'), fixture('loaded-4-of-6')], target: 2 });
  await r.src.poll();
  t.deepEqual(r.writes, [], '4 busy workers, target 2: nothing written');
  r.advance(PERIOD_MS);
  await r.src.poll();
  t.deepEqual(r.writes, [], 'still all busy');
  r.advance(PERIOD_MS);
  await r.src.poll();
  t.deepEqual(r.writes.filter((w) => w !== '\n'), ['--'], 'two of the four idle: two -');
  r.reply.target = 1;
  r.advance(PERIOD_MS);
  await r.src.poll();
  t.deepEqual(r.writes.filter((w) => w !== '\n'), ['--'], 'a third - waits: only two workers were idle');
  const waits = r.lines.filter((l) => l.level === 'info' && /waits for idle workers/.test(l.msg)).map((l) => l.msg);
  t.deepEqual(waits, [
    'pool web: the shrink to 2 workers waits for idle workers: 4 of 4 are in a request at this read, and uWSGI retires only a worker that is not (a - sent now would wait in uWSGI, then retire workers all at once when the load goes); nothing is asked yet',
    'pool web: the shrink to 1 worker waits for idle workers: 2 of 4 are in a request at this read, and uWSGI retires only a worker that is not (a - sent now would wait in uWSGI, then retire workers all at once when the load goes); nothing more is asked (2 - pending)',
  ], 'said once per size waited for, not at every read');
  t.deepEqual(
    r.lines.filter((l) => l.level === 'info' && /that waited for idle workers/.test(l.msg)).map((l) => l.msg),
    ["pool web: 2 of 4 workers idle at this read: asked uWSGI for 2 (--) of the shrink to 2 that waited for idle workers"],
    'the shrink that waited is said when it goes',
  );
});

test('when a - has waited the settle time, then it is not sent again (a second would retire one more worker); a + is', async (t) => {
  const r = rig({ answers: [fixture('loaded-4-of-6'), variant('after-load', 'all-busy')], target: 3 });
  const warnings = () => r.lines.filter((l) => l.level === 'warn').map((l) => l.msg);
  await r.src.poll();
  t.deepEqual(r.writes.filter((w) => w !== '\n'), ['-']);
  for (let i = 0; i < 3; i += 1) {
    r.advance(settleMs(PERIOD_MS));
    await r.src.poll();
  }
  t.deepEqual(r.writes.filter((w) => w !== '\n'), ['-'], 'never again while uWSGI runs 4');
  t.is(warnings().length, 1);
  t.regex(warnings()[0] ?? '', /still runs 4 workers 60 s after it was asked for 3; not asking again/);
  // A + that uWSGI never applied is asked again after the settle time.
  const g = rig({ answers: [fixture('idle-2-of-6')], target: 3 });
  await g.src.poll();
  g.advance(settleMs(PERIOD_MS));
  await g.src.poll();
  t.deepEqual(g.writes.filter((w) => w !== '\n'), ['+', '+']);
});

test('when uWSGI answers with every worker cheaped, then the second such answer asks for the pool\'s target, again every two of uWSGI\'s checks while none comes, and says why once', async (t) => {
  const cheaped = variant('after-load', 'all-cheaped');
  // the workers that come back are new processes of the same master
  const respawned = JSON.parse(fixture('idle-2-of-6')) as { workers: { pid: number }[] };
  for (const w of respawned.workers) if (w.pid > 0) w.pid += 1000;
  const r = rig({ answers: [fixture('after-load'), cheaped, cheaped, cheaped, cheaped, JSON.stringify(respawned)], target: 4, cheaper: 2 });
  const warnings = () => r.lines.filter((l) => l.level === 'warn').map((l) => l.msg);
  const commands = () => r.writes.filter((w) => w !== '\n');
  t.is(await r.src.poll(), 'sampled');
  r.advance(PERIOD_MS);
  t.is(await r.src.poll(), 'down');
  t.deepEqual(r.writes, [], 'one answer could be a uWSGI starting');
  r.advance(PERIOD_MS);
  t.is(await r.src.poll(), 'down');
  t.deepEqual(commands(), ['++++'], 'the pool\'s target, 4');
  t.true(warnings().some((w) => /uWSGI runs no worker \(all 6 are cheaped\), so it serves no request.*asking for 4 workers/.test(w)));
  r.advance(ALL_CHEAPED_RETRY_MS - 1);
  await r.src.poll();
  t.deepEqual(commands(), ['++++'], 'not before uWSGI checked twice');
  r.advance(1);
  await r.src.poll();
  t.deepEqual(commands(), ['++++', '++++'], 'still no worker: the - left pending took the + back; asked again');
  t.is(warnings().filter((w) => /runs no worker/.test(w)).length, 1, 'said once');
  r.advance(PERIOD_MS);
  t.is(await r.src.poll(), 'sampled');
  t.deepEqual(commands(), ['++++', '++++', '++'], 'two came: nothing is pending after uWSGI\'s check, so the other two are asked for');
  t.deepEqual(r.actuations, ['web:ok', 'web:ok', 'web:ok']);
  const infos = r.lines.filter((l) => l.level === 'info').map((l) => l.msg);
  t.true(infos.some((m) => /runs workers again \(2 of 6 workers\)/.test(m)), infos.join('\n'));
  t.false(infos.some((m) => /reloaded|restarted/.test(m)), 'workers respawned by the same master are no reload');
});

test('when uWSGI stays with every worker cheaped (cheap mode: idle, cheap, C), then the + written stop once more than its slots were, and it is said why once', async (t) => {
  const cheaped = variant('after-load', 'all-cheaped');
  const r = rig({ answers: [cheaped], target: 2, cheaper: 2, wanted: () => ({ mode: 'adaptive', target: 2 }) });
  for (let i = 0; i < 600; i += 1) {
    await r.src.poll();
    r.advance(PERIOD_MS);
  }
  const plus = r.writes.filter((w) => w !== '\n').join('');
  t.is(plus, '++++++++', 'four writes of the target, 2, for 6 slots: then no more');
  const warnings = r.lines.filter((l) => l.level === 'warn').map((l) => l.msg);
  t.true(warnings.some((w) => /runs no worker.*or it is in cheap mode \(its idle or cheap option, or a C at its FIFO/.test(w)), warnings.join('\n'));
  t.is(warnings.filter((w) => /started no worker after 8 \+ were written: it is most likely in cheap mode.*up to its 6 slots.*Nothing more is written until it runs a worker/.test(w)).length, 1, warnings.join('\n'));
  // A stats server that fails a read now and then is the same uWSGI: the count goes on.
  const flaky = rig({ answers: Array.from({ length: 600 }, (_, i) => (i % 7 === 3 ? Object.assign(new Error('read timed out'), { code: 'ETIMEDOUT' }) : cheaped)), target: 2, cheaper: 2, wanted: () => ({ mode: 'adaptive', target: 2 }) });
  for (let i = 0; i < 600; i += 1) {
    await flaky.src.poll();
    flaky.advance(PERIOD_MS);
  }
  t.is(flaky.writes.filter((w) => w !== '\n').join(''), '++++++++', 'failed reads between: no more either');
});

test('when uWSGI\'s workers are still starting (lazy-apps: loading the app), then none is a worker that serves, but each is one uWSGI runs', async (t) => {
  // Recorded: 2 workers loading the app; then both loaded and a third, spawned by a +, loading.
  const loading = fixture('lazy-apps-loading-2-of-4');
  const r = rig({ answers: [loading, loading, loading, fixture('lazy-apps-one-loading-3-of-4')], target: 3 });
  const warnings = () => r.lines.filter((l) => l.level === 'warn').map((l) => l.msg);
  t.is(await r.src.poll(), 'down', 'no worker serves: no sample');
  t.deepEqual(r.ingested, []);
  r.advance(LOADING_WARN_MS - 1);
  t.is(await r.src.poll(), 'down');
  t.deepEqual(warnings(), [], 'an app that loads for seconds is no outage');
  t.true(r.lines.some((l) => l.level === 'debug' && /has 2 workers, none accepting requests yet .*: no sample this period/.test(l.msg)));
  r.advance(1);
  t.is(await r.src.poll(), 'down');
  t.true(warnings().some((w) => /uWSGI at 127\.0\.0\.1:9191 has 2 workers, none accepting requests yet \(starting; with lazy-apps, loading the app\) for 30 s; the pool goes stale/.test(w)), warnings().join('\n'));
  t.deepEqual(r.ingested, []);
  t.deepEqual(r.writes, [], 'nothing is written while no worker serves');
  r.advance(PERIOD_MS);
  t.is(await r.src.poll(), 'sampled');
  t.like(r.ingested[0], { size: 2, starting: 1, busy: 0.1 }, 'busy: the one request of 100 ms served between the reads');
  t.deepEqual(r.writes, [], 'the target, 3, is what uWSGI runs: the worker loading is not asked for again');
  r.src.apply(2);
  t.deepEqual(r.writes, ['-'], 'a shrink counts from the 3 it runs');
  const infos = r.lines.filter((l) => l.level === 'info').map((l) => l.msg);
  t.true(infos.some((m) => /reading uWSGI at 127\.0\.0\.1:9191 \(3 of 4 workers:/.test(m)), infos.join('\n'));
});

test('when uWSGI answers with every worker cheaped to a pool that observes, then nothing is written and the operator is told what to do', async (t) => {
  const cheaped = variant('after-load', 'all-cheaped');
  const r = rig({ answers: [fixture('after-load'), cheaped], target: 4, mode: 'observe' });
  await r.src.poll();
  r.advance(PERIOD_MS);
  await r.src.poll();
  r.advance(PERIOD_MS);
  await r.src.poll();
  t.deepEqual(r.writes, []);
  t.true(r.lines.some((l) => l.level === 'warn' && /the sidecar writes nothing \(the pool observes\): write \+ to \/run\/uwsgi\.fifo or restart uWSGI/.test(l.msg)));
});

test('when uWSGI\'s workers run threads, then the operator is told once that a retired worker may drop the requests in flight; not for a pool that observes', async (t) => {
  const r = rig({ answers: [fixture('threads-2-of-4')], target: 2 });
  const warned = () => r.lines.filter((l) => l.level === 'warn' && /serve 2 requests at once each \(threads or async cores\): uWSGI may end a request in flight/.test(l.msg));
  await r.src.poll();
  await r.src.poll();
  t.is(warned().length, 1);
  const single = rig({ answers: [fixture('loaded-4-of-6')], target: 4 });
  await single.src.poll();
  t.false(single.lines.some((l) => /requests at once each/.test(l.msg)), 'single-threaded workers: nothing to say');
  const observing = rig({ answers: [fixture('threads-2-of-4')], target: 2, mode: 'observe' });
  await observing.src.poll();
  t.false(observing.lines.some((l) => /requests at once each/.test(l.msg)), 'a pool that observes writes no -');
});

test('when a - waits past the settle time while an idle worker was there at every read, then it was not held by uWSGI and is asked again, said at warn even after a held - was', async (t) => {
  // 4 workers, 2 idle: target 1 sends two -. Then one worker is idle at every read while the
  // count stays 4: uWSGI retires as many idle workers as - are pending, so it would have retired it.
  const oneIdle = variant('loaded-4-of-6', 'one-idle');
  const r = rig({ answers: [fixture('loaded-4-of-6'), variant('after-load', 'all-busy'), oneIdle], target: 1 });
  const commands = () => r.writes.filter((w) => w !== '\n');
  const warnings = () => r.lines.filter((l) => l.level === 'warn').map((l) => l.msg);
  await r.src.poll();
  t.deepEqual(commands(), ['--'], 'one - for each of the two idle workers');
  r.advance(settleMs(PERIOD_MS));
  await r.src.poll();
  t.regex(warnings()[0] ?? '', /still runs 4 workers 60 s after it was asked for 2; not asking again/, 'all busy: the - may be held');
  for (let i = 0; i < 3; i += 1) {
    r.advance(PERIOD_MS);
    await r.src.poll();
  }
  t.deepEqual(commands(), ['--'], 'one idle worker at reads 2 s apart: not yet');
  r.advance(IDLE_LOST_MS - 2 * PERIOD_MS);
  await r.src.poll();
  t.deepEqual(commands(), ['--', '-'], 'fewer idle than pending for 3 s, the count standing: lost; asked again for the one idle worker');
  t.is(warnings().length, 2);
  t.regex(warnings()[1] ?? '', /still runs 4 workers \d+ s after it was asked for 2; asking again: an idle worker was there at every read for 3 s/);
});

test('when idle workers are seen only for a moment, or the count falls meanwhile, then a - past the settle time is still held', async (t) => {
  const oneIdle = variant('loaded-4-of-6', 'one-idle');
  const busy = variant('loaded-4-of-6', 'all-busy');
  const flicker = rig({ answers: [fixture('loaded-4-of-6'), oneIdle, oneIdle, busy, oneIdle, oneIdle, busy], target: 1 });
  await flicker.src.poll();
  flicker.advance(settleMs(PERIOD_MS));
  for (let i = 0; i < 6; i += 1) {
    await flicker.src.poll();
    flicker.advance(IDLE_LOST_MS / 2);
  }
  t.deepEqual(flicker.writes.filter((w) => w !== '\n'), ['--'], 'idle for 1.5 s, then busy, twice: no streak of 3 s');
  // One of the busy workers retired: 3 live, one idle.
  const three = JSON.parse(oneIdle) as { workers: { pid: number; status: string }[] };
  Object.assign(three.workers[0]!, { pid: 0, status: 'cheap' });
  const falling = rig({ answers: [fixture('loaded-4-of-6'), oneIdle, JSON.stringify(three)], target: 1 });
  await falling.src.poll();
  falling.advance(settleMs(PERIOD_MS));
  await falling.src.poll();
  for (let i = 0; i < 2; i += 1) {
    falling.advance(IDLE_LOST_MS / 2);
    await falling.src.poll();
  }
  t.deepEqual(falling.writes.filter((w) => w !== '\n'), ['--'], 'the count fell: uWSGI applies the -, the streak starts again');
});

test('when uWSGI has no live worker and the source has seen none since it started, then the engine\'s mode and target decide what is asked', async (t) => {
  const cheaped = variant('after-load', 'all-cheaped');
  const fresh = rig({ answers: [cheaped], wanted: () => ({ mode: 'adaptive', target: 3 }), cheaper: 2 });
  await fresh.src.poll();
  fresh.advance(PERIOD_MS);
  await fresh.src.poll();
  t.deepEqual(fresh.writes.filter((w) => w !== '\n'), ['+++'], 'a restarted sidecar brings the pool back');
  const observing = rig({ answers: [fixture('after-load'), cheaped], target: 4, wanted: () => ({ mode: 'observe', target: 4 }) });
  for (let i = 0; i < 3; i += 1) {
    await observing.src.poll();
    observing.advance(PERIOD_MS);
  }
  t.deepEqual(observing.writes, [], 'a pool switched to observe (a reload) writes nothing, whatever the last reply said');
  const unknown = rig({ answers: [cheaped] });
  await unknown.src.poll();
  unknown.advance(PERIOD_MS);
  await unknown.src.poll();
  t.deepEqual(unknown.writes, []);
  t.true(unknown.lines.some((l) => /the sidecar writes nothing \(the pool's mode is not known\)/.test(l.msg)));
});

test('when an answer without any worker comes between two with every worker cheaped, then those two are not taken as twice in a row', async (t) => {
  const cheaped = variant('after-load', 'all-cheaped');
  // A slot whose worker ended, not cheaped: uWSGI is between workers (no sample).
  const ending = JSON.parse(cheaped) as { workers: { status: string }[] };
  (ending.workers[0] as { status: string }).status = 'idle';
  for (const between of [new Error('ECONNREFUSED'), JSON.stringify(ending)]) {
    const r = rig({ answers: [fixture('after-load'), cheaped, between, cheaped, cheaped], target: 4 });
    for (let i = 0; i < 4; i += 1) {
      await r.src.poll();
      r.advance(PERIOD_MS);
    }
    const what = between instanceof Error ? 'refused' : 'between workers';
    t.deepEqual(r.writes, [], `cheaped, ${what}, cheaped: not yet`);
    await r.src.poll();
    t.deepEqual(r.writes.filter((w) => w !== '\n'), ['++++'], what);
  }
});

test('when uWSGI restarts or reloads its workers, then the sidecar says so with the counts, and what it asks of the new uWSGI at info', async (t) => {
  const restartedDoc = JSON.parse(fixture('idle-2-of-6')) as { pid: number; workers: { pid: number }[] };
  restartedDoc.pid = 20024;
  restartedDoc.workers.forEach((w, i) => (w.pid = w.pid > 0 ? 20026 + i : 0));
  const r = rig({ answers: [fixture('loaded-4-of-6'), new Error('connect ECONNREFUSED 127.0.0.1:9191'), JSON.stringify(restartedDoc)], target: 4 });
  const infos = () => r.lines.filter((l) => l.level === 'info').map((l) => l.msg);
  await r.src.poll();
  r.advance(PERIOD_MS);
  await r.src.poll();
  r.advance(PERIOD_MS);
  await r.src.poll();
  t.true(infos().includes('pool web: uWSGI restarted (master pid 10024, now 20024); it runs 2 workers (4 before)'), infos().join('\n'));
  t.true(infos().includes("pool web: asked uWSGI for the pool's 4 workers after its restart (++)"));
  r.advance(PERIOD_MS);
  await r.src.poll();
  t.is(infos().filter((m) => /restart/.test(m)).length, 2, 'said once');
  // Same master, none of the workers left: a reload (SIGHUP, `r` at the FIFO).
  const reloadedDoc = JSON.parse(fixture('loaded-4-of-6')) as { workers: { pid: number }[] };
  reloadedDoc.workers.forEach((w) => (w.pid = w.pid > 0 ? w.pid + 5000 : 0));
  const q = rig({ answers: [fixture('loaded-4-of-6'), JSON.stringify(reloadedDoc)], target: 4 });
  await q.src.poll();
  q.advance(PERIOD_MS);
  await q.src.poll();
  t.true(q.lines.some((l) => l.level === 'info' && l.msg === 'pool web: uWSGI reloaded its workers; it runs 4 workers (4 before)'));
});

test('when every worker is respawned by the same master (max-requests, max-worker-lifetime), then that is no reload: nothing said, and a pending - is not sent again', async (t) => {
  // the four workers were spawned together and reached max-worker-lifetime together
  const respawned = (countUp: boolean) => {
    const doc = JSON.parse(fixture('loaded-4-of-6')) as { workers: { pid: number; respawn_count: number }[] };
    for (const w of doc.workers) if (w.pid > 0) Object.assign(w, { pid: w.pid + 5000, respawn_count: countUp ? w.respawn_count + 1 : 1 });
    return JSON.stringify(doc);
  };
  const run = async (answer: string) => {
    const r = rig({ answers: [fixture('loaded-4-of-6'), answer], target: 3 });
    await r.src.poll();
    r.advance(PERIOD_MS);
    await r.src.poll();
    return { commands: r.writes.filter((w) => w !== '\n'), infos: r.lines.filter((l) => l.level === 'info').map((l) => l.msg) };
  };
  const recycled = await run(respawned(true));
  t.deepEqual(recycled.commands, ['-'], 'the - sent at the first read is still pending in uWSGI');
  t.false(recycled.infos.some((m) => /reloaded/.test(m)), recycled.infos.join('\n'));
  // a reload starts every slot's count again, and drops what uWSGI held: the - goes again
  const reloaded = await run(respawned(false));
  t.deepEqual(reloaded.commands, ['-', '-']);
  t.true(reloaded.infos.some((m) => /uWSGI reloaded its workers/.test(m)));
});

test('when the FIFO cannot be written, then the warning says what to do for the error met', async (t) => {
  const warnFor = async (code: string) => {
    const err = Object.assign(new Error(`${code}: open '/run/uwsgi.fifo'`), { code });
    const r = rig({ answers: [fixture('idle-2-of-6')], target: 4, fifoErrors: [err, err] });
    await r.src.poll();
    await r.src.poll();
    return r.lines.find((l) => l.level === 'warn' && /cannot write uWSGI's master FIFO/.test(l.msg))?.msg ?? '';
  };
  t.regex(await warnFor('ENOENT'), /no FIFO at that path: uWSGI creates it at start/);
  t.regex(await warnFor('ENXIO'), /answers its stats but has not read this FIFO since the last read/);
  t.regex(await warnFor('EACCES'), /run the sidecar as uWSGI's user/);
  t.regex(await warnFor('EAGAIN'), /\(EAGAIN: open '\/run\/uwsgi\.fifo'\); a shrink is written again at every read, a grow the pool gives up after a few periods \(failed-grow\) and asks again after its back-off$/);
});

test('when the FIFO is not open in the master that answers the stats, then nothing is written to it once that is seen twice, and the operator is told; when it is, commands go', async (t) => {
  // uWSGI A answers the stats; the FIFO named is B's: its - would retire B's workers.
  let owned: boolean | null = false;
  const asked: [string, number][] = [];
  const r = rig({ answers: [fixture('loaded-4-of-6')], target: 3, openedBy: (path, pid) => (asked.push([path, pid]), owned) });
  const commands = () => r.writes.filter((w) => w !== '\n');
  const warnings = () => r.lines.filter((l) => l.level === 'warn').map((l) => l.msg);
  await r.src.poll();
  t.deepEqual(asked, [['/run/uwsgi.fifo', 10024]], "the source's FIFO, the master's pid");
  t.deepEqual(commands(), [], 'in doubt after one look: nothing written yet');
  r.advance(PERIOD_MS);
  await r.src.poll();
  r.src.apply(2);
  t.deepEqual(commands(), [], 'twice: another uWSGI\'s FIFO');
  t.true(r.actuations.length >= 2 && r.actuations.every((a) => a === 'web:error'), `each period's withheld commands are a failed actuation: ${r.actuations.join(', ')}`);
  t.is(warnings().filter((w) => /does not have the FIFO \/run\/uwsgi\.fifo open: it is another uWSGI's master-fifo/.test(w)).length, 1);
  r.advance(PERIOD_MS);
  await r.src.poll();
  t.is(warnings().length, 1, 'said once');
  owned = true;
  r.advance(PERIOD_MS);
  await r.src.poll();
  t.deepEqual(commands(), ['-'], 'the FIFO is the master\'s now: the shrink to the target, 3, goes');
  t.true(r.lines.some((l) => l.level === 'info' && /has the FIFO \/run\/uwsgi\.fifo open: commands are written again/.test(l.msg)));
  const checks = asked.length;
  r.advance(PERIOD_MS);
  await r.src.poll();
  t.is(asked.length, checks, 'seen once for this master: not looked at again');
  // Cannot be told (no /proc access): written.
  const unknown = rig({ answers: [fixture('loaded-4-of-6')], target: 3, openedBy: () => null });
  await unknown.src.poll();
  t.deepEqual(unknown.writes.filter((w) => w !== '\n'), ['-']);
});

test('when the master that read the FIFO stops reading it (it switched to another of its master-fifo), then after the write\'s ENXIO the FIFO is looked at again and the operator told: nothing more is written', async (t) => {
  let owned = true;
  const fifoErrors: (Error | null)[] = [null];
  const r = rig({ answers: [fixture('loaded-4-of-6')], target: 4, openedBy: () => owned, fifoErrors });
  const commands = () => r.writes.filter((w) => w !== '\n');
  const warnings = () => r.lines.filter((l) => l.level === 'warn').map((l) => l.msg);
  await r.src.poll();
  r.reply.target = 5;
  r.src.apply(5);
  t.deepEqual(commands(), ['+'], 'the master reads it: written');
  r.reply.target = 6;
  // uWSGI is told '1': it reads its second master-fifo from now on.
  owned = false;
  fifoErrors.push(noReader(), noReader(), noReader());
  r.advance(PERIOD_MS);
  await r.src.poll();
  t.deepEqual(commands(), ['+'], 'no reader');
  t.true(r.lines.some((l) => l.level === 'debug' && /has not read this FIFO since the last read: with several master-fifo/.test(l.msg)), 'one ENXIO (a reload has one too): at debug');
  for (let i = 0; i < 2; i++) {
    r.advance(PERIOD_MS);
    await r.src.poll();
  }
  t.is(warnings().filter((w) => /does not have the FIFO \/run\/uwsgi\.fifo open: .*several master-fifo that it does not read now/.test(w)).length, 1, 'looked at again for the same master: seen twice not open');
  t.deepEqual(commands(), ['+'], 'nothing written meanwhile');
});

test('when the source\'s stats path is a FIFO that refuses the connect, then the warning says it is no socket and names the two options', async (t) => {
  const refused = Object.assign(new Error('connect ECONNREFUSED /run/uwsgi.fifo'), { code: 'ECONNREFUSED' });
  const warnFor = async (kind: FifoPathKind) => {
    const r = rig({ answers: [refused], pathKind: () => kind });
    await r.src.poll();
    return r.lines.filter((l) => l.level === 'warn').map((l) => l.msg).join('\n');
  };
  // the rig's stats is 127.0.0.1:9191, an address: looked at only for a path
  t.regex(await warnFor('fifo'), /check that uWSGI runs/);
  const r = createUwsgiSourceAt('/run/uwsgi/master.fifo', refused);
  await r.poll();
  t.regex(r.said(), /a FIFO is at \/run\/uwsgi\/master\.fifo, not a socket: the source's stats names uWSGI's stats socket \(its stats option\), and fifo its master-fifo/);
});

/** A source whose stats are at `stats` (a path), a FIFO there, every read failing with `error`. */
function createUwsgiSourceAt(stats: string, error: Error) {
  const { lines, logger } = captureLogger();
  const src = createUwsgiSource({
    pool: 'web',
    source: { type: 'uwsgi', stats, fifo: '/run/uwsgi/other.fifo', cheaper: 1 },
    periodMs: PERIOD_MS,
    bounds: { min: 1, max: 6 },
    engine: { ingest: (pool) => ({ pool, target: 2, action: 'hold', mode: 'adaptive' }) },
    now: () => 1_796_163_475_000,
    later: () => () => undefined,
    readStats: async () => {
      throw error;
    },
    fifo: { write: () => undefined, pathKind: (path) => (path === stats ? 'fifo' : 'missing') },
    cpu: null,
    listenQueue: null,
    logger,
  });
  return { poll: () => src.poll(), said: () => lines.filter((l) => l.level === 'warn').map((l) => l.msg).join('\n') };
}

test('when no FIFO is at the source\'s path, then a pool that observes is told at its second read, once, and told again when one is there', async (t) => {
  let kind: FifoPathKind | null = 'missing';
  const r = rig({ answers: [fixture('loaded-4-of-6')], target: 4, mode: 'observe', pathKind: () => kind });
  const said = () => r.lines.filter((l) => l.level !== 'debug' && /FIFO (is )?at/.test(l.msg)).map((l) => `${l.level}: ${l.msg}`);
  await r.src.poll();
  t.deepEqual(said(), [], 'once could be uWSGI making its FIFO afresh');
  for (let i = 0; i < 3; i++) {
    r.advance(PERIOD_MS);
    await r.src.poll();
  }
  t.deepEqual(said(), [
    "warn: pool web: no FIFO at /run/uwsgi.fifo (the source's fifo): uWSGI makes its master-fifo at start, so check that uWSGI's master-fifo and the source's fifo name one path; nothing is written to uWSGI until a FIFO is there (the pool observes now: it writes nothing anyway)",
  ]);
  kind = 'fifo';
  r.advance(PERIOD_MS);
  await r.src.poll();
  t.is(said().at(-1), 'info: pool web: a FIFO is at /run/uwsgi.fifo now: commands can be written');
  t.deepEqual(r.writes, []);
});

test('when another file is at the source\'s fifo path, then that is what the operator is told (not another uWSGI\'s FIFO), and nothing is written until a FIFO is there', async (t) => {
  let kind: FifoPathKind | null = 'other';
  const r = rig({ answers: [fixture('loaded-4-of-6')], target: 4, pathKind: () => kind, openedBy: () => (kind === 'fifo' ? true : false) });
  const commands = () => r.writes.filter((w) => w !== '\n');
  const warnings = () => r.lines.filter((l) => l.level === 'warn').map((l) => l.msg);
  await r.src.poll();
  r.advance(PERIOD_MS);
  await r.src.poll();
  t.deepEqual(warnings().length, 1);
  t.regex(warnings()[0] ?? '', /\/run\/uwsgi\.fifo \(the source's fifo\) is not a FIFO: check that it names uWSGI's master-fifo/);
  r.reply.target = 3;
  r.src.apply(3);
  r.advance(PERIOD_MS);
  await r.src.poll();
  t.deepEqual(commands(), [], 'no command while no FIFO is there');
  t.true(r.actuations.length >= 1 && r.actuations.every((a) => a === 'web:error'), `withheld commands are failed actuations: ${r.actuations.join(', ')}`);
  const withheld = r.actuations.length;
  kind = 'fifo';
  r.advance(PERIOD_MS);
  await r.src.poll();
  t.deepEqual(commands(), ['-'], 'a FIFO the master has open: the shrink goes');
  t.deepEqual(r.actuations.slice(withheld), ['web:ok']);
  t.is(warnings().length, 1, 'never taken for another uWSGI\'s FIFO');
});

test('when a - idle workers did not take comes from a uWSGI with every slot live, then the warning names cheaper mode; a stats address nobody listens at names the address', async (t) => {
  // No worker slot cheaped, ever: uWSGI without `cheaper` ignores the FIFO's + and -.
  const full = JSON.parse(fixture('loaded-4-of-6')) as { workers: { pid: number }[] };
  full.workers = full.workers.filter((w) => w.pid > 0);
  const r = rig({ answers: [JSON.stringify(full)], target: 3 });
  await r.src.poll();
  t.deepEqual(r.writes.filter((w) => w !== '\n'), ['-']);
  const early = () => r.lines.filter((l) => l.level === 'warn' && /runs all 4 of its worker slots and kept an idle worker/.test(l.msg));
  for (let i = 0; i < 4; i += 1) {
    r.advance(PERIOD_MS);
    await r.src.poll();
    // The idle worker is seen from the second read on: said once it stayed IDLE_LOST_MS.
    t.is(early().length, i < 3 ? 0 : 1, `read ${i + 2}`);
  }
  t.regex(early()[0]?.msg ?? '', /most likely it is not in cheaper mode, where the master FIFO's \+ and - do nothing \(set cheaper = 1 and cheaper-algo = manual/);
  r.advance(settleMs(PERIOD_MS));
  await r.src.poll();
  t.true(r.lines.some((l) => l.level === 'warn' && /asking again: most likely uWSGI is not in cheaper mode \(none of its 4 workers was seen cheaped: set cheaper and cheaper-algo = manual\), or the - was lost/.test(l.msg)));
  t.is(early().length, 1, 'said once');
  const absent = Object.assign(new Error('connect ENOENT /run/uwsgi/stats.sock'), { code: 'ENOENT' });
  const q = rig({ answers: [absent] });
  await q.src.poll();
  t.regex(q.lines.find((l) => l.level === 'warn')?.msg ?? '', /not answering .*check that uWSGI runs and that its stats option and the source's stats name one address$/);
});
