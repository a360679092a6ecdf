import test from 'ava';
import { VirtualAction, VirtualTimeScheduler } from 'rxjs';
import { attachUwsgiSources, POLL_LEAD_MS, TICK_BEFORE_SECOND_MS, uwsgiTickLeadMs, WAKE_AFTER_SECOND_MS } from '../../../src/sources/uwsgi/index.js';
import { createEngine } from '../../../src/streams/index.js';
import { pool } from '../../streams/helpers.js';
import { captureLogger, clock } from './helpers.js';

/** A stats document: `live` of `slots` workers, each in one request since `startS` (epoch s), and a listen queue. */
function doc(live: number, slots: number, startS: number, queue: number): string {
  const workers = Array.from({ length: slots }, (_, i) => {
    const alive = i < live;
    return {
      id: i + 1,
      pid: alive ? 1000 + i : 0,
      accepting: alive ? 1 : 0,
      requests: 0,
      status: alive ? 'busy' : 'cheap',
      running_time: 0,
      avg_rt: 0,
      last_spawn: alive ? startS - 60 : 0,
      respawn_count: 1,
      cores: [{ id: 0, requests: 0, in_request: alive ? 1 : 0, req_info: { request_start: startS } }],
    };
  });
  return JSON.stringify({ pid: 999, listen_queue: queue, listen_queue_errors: 0, sockets: [{ name: '127.0.0.1:8080', proto: 'http', queue, max_queue: 100 }], workers });
}

test('when a uWSGI pool grows, then its tick comes just before a second of the wall clock and its commands are followed by the wake-up just after it, when uWSGI\'s master applies them', async (t) => {
  const scheduler = new VirtualTimeScheduler(VirtualAction, Infinity);
  // Start at an epoch time in the middle of a second.
  const startMs = 1_796_400_000_250;
  scheduler.schedule(() => undefined, startMs);
  scheduler.maxFrames = startMs;
  scheduler.flush();
  const source = { type: 'uwsgi' as const, stats: '127.0.0.1:9191', fifo: '/run/uwsgi/master.fifo', cheaper: 2 };
  const pools = [pool('web', 'transfer', {}, { source })];
  const engine = createEngine({ config: { pools, cpus: 2, enabled: true }, scheduler, tickLeadMs: uwsgiTickLeadMs });
  let live = 2;
  const readsAt: number[] = [];
  const writes: { at: number; text: string }[] = [];
  const sources = attachUwsgiSources({
    engine,
    config: { pools, cpus: 2 },
    logger: captureLogger().logger,
    scheduler,
    readStats: async () => (readsAt.push(scheduler.now()), doc(live, 8, Math.floor(startMs / 1000) - 1, 60)),
    fifo: {
      write: (_path, text) => {
        writes.push({ at: scheduler.now(), text });
        // uWSGI obeys at its next check (the wake-up below).
        if (text !== '\n') live += [...text].filter((c) => c === '+').length;
      },
    },
    cpu: null,
    listenQueue: null,
  });
  await clock(scheduler, 10)(startMs + 12_000);
  sources.stop();
  engine.stop();
  const ofSecond = (ms: number) => ms % 1000;
  t.true(readsAt.slice(1).every((at) => ofSecond(at) === 1000 - TICK_BEFORE_SECOND_MS - POLL_LEAD_MS), `every read after the first comes ${POLL_LEAD_MS} ms before the tick: ${readsAt.map(ofSecond).join(' ')}`);
  const commands = writes.filter((w) => w.text !== '\n');
  t.true(commands.length >= 2, `the saturated pool grew, more than once: ${JSON.stringify(commands)}`);
  for (const c of commands) {
    t.is(ofSecond(c.at), 1000 - TICK_BEFORE_SECOND_MS, 'the commands are written at the tick, just before a second');
    const wake = writes.find((w) => w.text === '\n' && w.at > c.at);
    t.is(wake?.at, c.at + TICK_BEFORE_SECOND_MS + WAKE_AFTER_SECOND_MS, 'and the master is woken just after the second starts');
  }
});
