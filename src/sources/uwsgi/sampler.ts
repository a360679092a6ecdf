// Successive uWSGI stats documents into samples. uWSGI credits a request's running time when the
// request ends, so the busy integral over a period is the running time credited since the last
// read, minus what was already counted of requests that were in progress then, plus the part of
// the requests in progress now that falls inside the period. uWSGI gives a request's start only
// to the second: a request already in progress at the last read ran through the whole period;
// one that started since lies within a known interval (after the last read, after its start
// second, before now) and is counted at half the slot's average request time (`avg_rt`, the mean
// time a request in progress has run), kept inside that interval. Counting it from its start
// second instead would add up to a second per in-progress request: with requests of tens of
// milliseconds that error is larger than the pool. Whatever a period over- or under-counts of a
// request, the next one takes back: over a request's life its running time is counted once, and
// an estimate past a period's bounds (a worker busier than the period is long) is carried into
// the next period rather than cut, or the take-back would under-read a saturated worker.
// A worker with several cores (`threads`) serves that many requests at once; the pool's unit is
// the worker (uWSGI adds and removes workers), so a worker counts busy by the share of its
// cores' time spent in requests; a cheaped worker's requests in progress are none. Counters are
// kept monotonic across cheaped and respawned workers and a restarted master. A worker that
// `harakiri` killed never has its last request credited: what was counted of it stays, and
// half the period (the kill's expected time after the last read) is added. A worker that is
// not accepting yet (with `lazy-apps`, loading the app) is no part of the sample's size: it is
// sent as `starting`, which counts towards a grow applied but not as a worker that serves.
import type { Sample } from '../../core/index.js';
import { isLive, isServing, sameProcess } from './stats.js';
import type { UwsgiStats, UwsgiWorker } from './stats.js';

/** A live worker as a reload is told by: its slot, its process, and the slot's spawns (see UwsgiWorker.respawns). */
export interface WorkerSpawn {
  slot: number;
  pid: number;
  /** its spawn's epoch second (UwsgiWorker.spawnedAt) */
  spawnedAt: number | null;
  respawns: number | null;
}

/** A sample without CPU (the caller adds it from the workers' pids) and the live workers' pids. */
export interface UwsgiReading {
  /** the pool's sample: its size is the workers that take requests (0: none does yet) */
  sample: Sample;
  /** the live workers, those still starting included: the count uWSGI's + and - move */
  live: number;
  pids: number[];
  /** the live workers' slots, pids and spawn counts */
  spawns: WorkerSpawn[];
  /** `processes`: the size of uWSGI's worker table, the most workers it can run */
  processes: number;
  masterPid: number;
  /** the most cores (`threads`, async cores) a live worker has: requests it serves at once */
  cores: number;
  /** live workers in no request at the read: those a `-` could retire at uWSGI's next check */
  idle: number;
}

interface SlotMemory {
  pid: number;
  spawnedAt: number | null;
  requests: number;
  runningTimeUs: number;
  /** the slot's harakiri count */
  harakiris: number;
  /** a process harakiri killed, which the stats show until the master respawns the slot */
  dead: { pid: number; spawnedAt: number | null } | null;
  /** per core: the requests it had completed (null: not given), which tell its request in progress from a later one */
  coreRequests: number[] | null;
  /** per core: the request start, the seconds of it already counted, and the read that first saw it (epoch s) */
  credited: ({ start: number; seconds: number; seenS: number } | null)[];
  /**
   * Core-seconds the last period's estimate had over (positive) or under (negative) what the
   * period could hold (none of the worker's cores busier than the period is long, or idler
   * than never), carried to the next period of the same process
   */
  carry: number;
}

export interface UwsgiSampler {
  /** One read at `tsMs` (epoch ms); null when uWSGI has no live worker (restarting): no sample then. */
  read(stats: UwsgiStats, tsMs: number): UwsgiReading | null;
}

/** The share of a worker's cores in a request now (its status when the cores are not shown). */
function inRequest(w: UwsgiWorker): number {
  if (w.requestStarts.length === 0) return w.status === 'busy' ? 1 : 0;
  return w.requestStarts.filter((s) => s !== null).length / w.cores;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * Seconds a request in progress at `atS` had surely run by then: since the end of its start
 * second (uWSGI gives the start to the second), and since the first read that saw it.
 */
const surelyRanS = (c: { start: number; seenS: number }, atS: number) => Math.max(0, atS - c.start - 1, atS - c.seenS);

/** Increase of a counter that may restart from 0 (a respawned worker, a new master). */
const increase = (now: number, before: number) => (now >= before ? now - before : now);

export function createUwsgiSampler(): UwsgiSampler {
  let masterPid: number | null = null;
  let lastTs = 0;
  let slots: SlotMemory[] = [];
  let completed = 0;
  let refused = 0;
  let lastErrors = 0;

  /**
   * Whether uWSGI counted a request of this core as ended since the last read: the core's count
   * rose (the worker's when the stats give no core's, which with several cores takes another
   * core's completions for this one's).
   */
  function endCounted(w: UwsgiWorker, before: SlotMemory, core: number): boolean {
    if (w.coreRequests !== null && before.coreRequests !== null) return (w.coreRequests[core] ?? 0) > (before.coreRequests[core] ?? 0);
    return w.requests > before.requests;
  }

  /**
   * Whether this core's request in progress is the one it had at the last read (started in
   * `start`): the same process, the same start second, and no request of the core counted as
   * ended since.
   */
  function sameRequest(w: UwsgiWorker, before: SlotMemory, core: number, start: number): boolean {
    return sameProcess(before, w) && !endCounted(w, before, core) && w.requestStarts[core] === start;
  }

  /** Seconds of each in-progress request counted by now: see the head of this file. */
  function credits(w: UwsgiWorker, before: SlotMemory | undefined, tsS: number, dtS: number) {
    return w.requestStarts.map((start, core) => {
      if (start === null) return null;
      const prev = before?.credited[core] ?? null;
      if (before !== undefined && prev !== null && sameRequest(w, before, core, prev.start)) return { start, seenS: prev.seenS, seconds: Math.max(0, Math.min(tsS - start, prev.seconds + dtS)) };
      // Not in progress at the last read: it started after it (at the first read, any time).
      const upper = Math.max(0, Math.min(tsS - start, dtS > 0 ? dtS : Infinity));
      if (w.avgRtUs <= 0) return { start, seenS: tsS, seconds: upper };
      const lower = Math.min(upper, surelyRanS({ start, seenS: tsS }, tsS));
      return { start, seenS: tsS, seconds: Math.min(upper, Math.max(lower, w.avgRtUs / 2e6)) };
    });
  }

  /**
   * What the requests in progress at the last read add to this period beside the running time
   * credited since (`ranS`). uWSGI credits a request's running time when it ends, and a request
   * still in progress is counted again in full: what was counted of both is taken back. A
   * request that ended without a credit is not: uWSGI neither counts nor times one whose worker
   * failed to read it (a client that closed or timed out, common under a full backlog). Its
   * core's count did not rise; or it did, for later requests, and the running time credited is
   * short of what it had surely run at the last read (since the end of its start second, or since
   * the first read that saw it: a request credited ran at least that long; what was counted of it
   * is an estimate, and a short request counted as ended must not be counted twice). What was
   * counted of it stays, and it ran on from the last read to its end, half the period on average
   * (taken back, a request of seconds read its worker idle for two periods). The running time is
   * one figure a worker: with threads, one verdict covers all its requests that ended.
   */
  function fromLastRead(w: UwsgiWorker, before: SlotMemory, ranS: number, dtS: number, lastS: number): number {
    let inProgress = 0;
    let ended = 0;
    let endedSurely = 0;
    let endedCount = 0;
    let uncounted = 0;
    before.credited.forEach((c, core) => {
      if (c === null) return;
      if (!sameProcess(before, w) || sameRequest(w, before, core, c.start)) inProgress += c.seconds;
      else if (endCounted(w, before, core)) {
        ended += c.seconds;
        endedSurely += surelyRanS(c, lastS);
        endedCount += 1;
      } else uncounted += 1;
    });
    const credited = ranS + 1e-6 >= endedSurely;
    return -inProgress - (credited ? ended : 0) + ((uncounted + (credited ? 0 : endedCount)) * dtS) / 2;
  }

  return {
    read(stats, tsMs) {
      const restarted = masterPid !== stats.masterPid;
      if (restarted) slots = [];
      const dtS = restarted ? 0 : (tsMs - lastTs) / 1000;
      const tsS = tsMs / 1000;
      let busySeconds = 0;
      let completedNow = 0;
      const next: SlotMemory[] = [];
      for (const w of stats.workers) {
        const before = slots[w.slot];
        // A cheaped slot serves nothing: uWSGI may leave a core of a worker it ended in a
        // request (`in_request` and its start stay in the stats), which would count busy for
        // ever. Its running time credited since the last read still counts, once.
        // A worker harakiri killed (its slot's count rose) took its requests in progress with
        // it: uWSGI never credits their running time, so what was counted of them stays, and
        // they ran on from the last read until the kill, at the middle of the period on
        // average. The stats may show the dead process until the master respawns the slot: its
        // requests are over.
        const killed = before !== undefined && w.harakiris > before.harakiris;
        // (A process, not a pid: a uWSGI restarted in its own PID namespace reuses the pids.)
        const lastDead = killed ? { pid: before.pid, spawnedAt: before.spawnedAt } : (before?.dead ?? null);
        const showsDead = lastDead !== null && sameProcess(lastDead, w);
        const dead = killed || showsDead ? lastDead : null;
        const credited = isLive(w) && !showsDead ? credits(w, before, tsS, dtS) : w.requestStarts.map(() => null);
        const creditNow = credited.reduce((a, c) => a + (c?.seconds ?? 0), 0);
        const ranUs = increase(w.runningTimeUs, before?.runningTimeUs ?? 0);
        const fromBefore = killed ? (before.credited.filter((c) => c !== null).length * dtS) / 2 : before === undefined ? 0 : fromLastRead(w, before, ranUs / 1e6, dtS, lastTs / 1000);
        // A worker's cores each serve a request: its busy share is its cores' busy time over all its cores.
        // What the estimate puts past the period's bounds (a request in progress credited more than
        // it ran: saturated workers read 0.9 busy a period out of three at 300 ms requests, as the
        // next period took back what the cap had cut) goes to the next period, not away.
        const cap = dtS * w.cores;
        const carried = before !== undefined && sameProcess(before, w) && !killed ? before.carry : 0;
        const raw = ranUs / 1e6 + fromBefore + creditNow + carried;
        const counted = Math.min(cap, Math.max(0, raw));
        if (dtS > 0) busySeconds += counted / w.cores;
        const carry = dtS > 0 && isLive(w) ? Math.min(cap, Math.max(-cap, raw - counted)) : 0;
        completedNow += increase(w.requests, before?.requests ?? 0);
        next[w.slot] = { pid: w.pid, spawnedAt: w.spawnedAt, requests: w.requests, coreRequests: w.coreRequests, runningTimeUs: w.runningTimeUs, harakiris: w.harakiris, dead, credited, carry };
      }
      slots = next;
      masterPid = stats.masterPid;
      lastTs = tsMs;
      completed += completedNow;
      if (stats.listenQueueErrors !== null) {
        refused += increase(stats.listenQueueErrors, restarted ? 0 : lastErrors);
        lastErrors = stats.listenQueueErrors;
      }
      const live = stats.workers.filter(isLive);
      if (live.length === 0) return null;
      // The pool's size is the workers that take requests; one still starting (loading the app)
      // serves nothing yet: counted idle, it would show the pool half idle while its queue fills.
      const serving = live.filter(isServing);
      const size = serving.length;
      // Without a period (the first read, a new master) the cores in a request are all there is.
      const busy = dtS > 0 ? Math.min(size, round3(busySeconds / dtS)) : round3(serving.reduce((a, w) => a + inRequest(w), 0));
      const sample: Sample = { ts: tsMs, size, busy, completed, maxSize: stats.workers.length };
      if (live.length > size) sample.starting = live.length - size;
      // A queue not known is left out of the sample, not sent as empty (and so are its refusals).
      if (stats.listenQueue !== null) sample.queueDepth = stats.listenQueue;
      if (stats.listenQueue !== null && stats.queueCapacity !== null) sample.queueCapacity = stats.queueCapacity;
      if (stats.listenQueueErrors !== null) sample.refused = refused;
      const cores = Math.max(...live.map((w) => w.cores));
      const idle = live.filter((w) => inRequest(w) === 0).length;
      const spawns = live.map((w) => ({ slot: w.slot, pid: w.pid, spawnedAt: w.spawnedAt, respawns: w.respawns }));
      return { sample, live: live.length, pids: spawns.map((w) => w.pid), spawns, processes: stats.workers.length, masterPid: stats.masterPid, cores, idle };
    },
  };
}
