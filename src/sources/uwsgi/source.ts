// One pool driven through uWSGI: each period the stats server is read into a sample (plus the
// workers' CPU and, for TCP sockets, the kernel's accept queue), fed to the engine like a posted
// sample, and the pool's target is applied through the master FIFO, within [cheaper,
// processes]. A uWSGI that is missing, restarting or dead sends no sample (the pool goes
// stale), is logged once per outage and once on recovery, and is tried again next period;
// nothing here throws or rejects. Whether the FIFO may be written (a FIFO at the path, read by
// the master that answers, driven by no other pool) is the FIFO guard's (fifo-guard.ts).
import { limitedBounds } from '../../core/index.js';
import type { Bounds, Mode } from '../../core/index.js';
import type { AttemptHook } from '../../actuators/index.js';
import type { SourceConfig } from '../../config/index.js';
import type { Engine, Logger } from '../../streams/index.js';
import type { ListenQueueReader } from '../listen-queue.js';
import type { CpuReader } from '../proc-cpu.js';
import { errorCode, fifoCommands, look } from './fifo.js';
import type { FifoWriter } from './fifo.js';
import { createFifoGuard } from './fifo-guard.js';
import { createUwsgiSampler } from './sampler.js';
import type { UwsgiReading, WorkerSpawn } from './sampler.js';
import { hasEnded, isCheaped, isLive, parseUwsgiStats, sameProcess } from './stats.js';
import type { UwsgiStats } from './stats.js';
import type { StatsReader } from './stats-reader.js';

export interface UwsgiSourceDeps {
  pool: string;
  source: SourceConfig;
  periodMs: number;
  /** the pool's hard bounds: uWSGI's limits should not bind inside them (a warning says when they do) */
  bounds: Bounds;
  engine: Pick<Engine, 'ingest'>;
  /** epoch ms */
  now: () => number;
  /** runs `fn` after `delayMs` (the wake-up after commands: see WAKE_AFTER_SECOND_MS); returns what cancels it */
  later: (fn: () => void, delayMs: number) => () => void;
  readStats: StatsReader;
  fifo: FifoWriter;
  /** the workers' CPU (one reader per pool: its counters are monotonic per reader); null: none */
  cpu: CpuReader | null;
  /**
   * the accept queue of uWSGI's TCP sockets now, read from the kernel through the master's pid,
   * or null when it cannot be (then uWSGI's own `listen_queue`, up to a master cycle old, stands); null: never read
   */
  listenQueue: ListenQueueReader | null;
  logger: Logger;
  /** each FIFO write of commands, as an actuation (actuations_total{pool, result}), and each period's commands withheld (an error); the wake-up byte is none */
  actuation?: AttemptHook;
  /** what the pool's previous source (renewed by a reload) knew of the commands uWSGI has not applied yet */
  handover?: UwsgiHandover;
  /**
   * the pool's mode and target now (the engine's), for a uWSGI that runs no worker, of which no
   * sample tells them; without it, those of the last sample's reply
   */
  wanted?: () => { mode: Mode; target: number } | null;
  /**
   * One uWSGI is one pool: called at each read with the file the source's FIFO is then (links
   * followed; null: none, or the read failed), it returns the other pool of the sidecar that
   * has that FIFO too and read it first, if any. Paths the config could not tell apart at load
   * (a link made or changed later, a link to a directory not there yet) are one file then.
   */
  sharedWith?: (fifo: string | null) => string | null;
}

/**
 * The commands uWSGI has not applied yet: the count asked for; since when uWSGI has not moved
 * (the first of the commands sent while the count stood at `from`); the master and workers then.
 */
export interface PendingCommands {
  live: number;
  atMs: number;
  from: number;
  masterPid: number;
  workers: readonly WorkerSpawn[];
}

/** Which settle-time warnings were given since uWSGI last applied a command: that a `-` is held, that commands are asked again. */
export interface SettleSaid {
  held: boolean;
  again: boolean;
}

/** What a source renewed by a reload passes on, so the new one does not send what uWSGI still holds. */
export interface UwsgiHandover {
  expected: PendingCommands | null;
  settleSaid: SettleSaid;
}

export type PollOutcome = 'sampled' | 'down' | 'stopped';

export interface UwsgiSource {
  /** One period: read, sample, ingest, apply the target in force. Never rejects. */
  poll(): Promise<PollOutcome>;
  /** Applies a target now (a change between polls); a no-op while uWSGI is down or the pool observes. */
  apply(target: number): void;
  /** What a source that replaces this one (a reload) must know: the commands still pending. */
  handover(): UwsgiHandover;
  stop(): void;
}

/**
 * A `+` or `-` takes effect at uWSGI's next cheaper check, and uWSGI keeps what it could not
 * apply yet (a `-` waits while every worker is busy: core/master_utils.c returns it to
 * `cheaper_fifo_delta`). So the sidecar counts from the size it asked for, and never sends a
 * command twice, until the count is seen, uWSGI restarts (a new master, or none of the workers
 * it asked of left: a reload drops the pending commands), or, as a last resort against a `+`
 * uWSGI dropped, this long has passed. A `-` is not sent again after this long alone: uWSGI
 * keeps it until a worker is idle at its check, and it retires as many idle workers as `-` are
 * pending, with no floor (not even its own `cheaper`: every worker, when enough are pending);
 * only one that idle workers did not take is asked again (IDLE_LOST_MS).
 */
export const settleMs = (periodMs: number) => Math.max(60_000, 30 * periodMs);

/**
 * uWSGI's master checks its cheaper mode at most once a wall-clock second (`time()`), at the
 * first turn of its loop in that second, and turns its loop on an event or a second after the
 * last one. Commands that arrive after this second's check so wait for the next event: up to a
 * second, a whole one when the FIFO write was the last event. So after commands the source
 * writes one byte that is no command (a newline: uWSGI ignores it) this long after the next
 * second starts, and the master applies them then.
 */
export const WAKE_AFTER_SECOND_MS = 10;

/**
 * Worker counts that moved without the sidecar asking (a worker cheaped or spawned, not toward
 * a pending command) this many times within UNASKED_WINDOW_MS: another cheaper algorithm runs
 * beside the sidecar (uWSGI without `cheaper-algo = manual` runs `spare`). One is not enough:
 * an operator may write to the FIFO by hand.
 */
export const UNASKED_CHANGES_WARN = 2;
/**
 * The window unasked changes are counted in: an algorithm beside the sidecar moves the count
 * within seconds of each of its moves being undone, while an operator's hand-written `+` now and
 * another next week are no pattern. After a warning, a window without any unasked change
 * re-arms it.
 */
export const UNASKED_WINDOW_MS = 10 * 60_000;

/** With every worker cheaped, `+` are written again at the first read this long after the last, while no worker is live: two of uWSGI's once-a-second checks. */
export const ALL_CHEAPED_RETRY_MS = 2000;

/**
 * A `-` waiting past the settle time while every read for this long found an idle worker and
 * the count did not fall is not held by uWSGI: its once-a-second check retires as many idle
 * workers as `-` are pending (fewer when fewer are idle), so three checks would have retired
 * one. It was lost, or taken back by a `+` from elsewhere (a hand at the FIFO), and is asked
 * again. Time, not reads: a short period reads many times within one of uWSGI's checks.
 */
export const IDLE_LOST_MS = 3000;

/**
 * An outage that starts within this long of the last one warned about, for the same cause, is
 * logged at debug and counted in the next warning, and so is its end: a stats server that fails every other read
 * (held by another client, or a uWSGI restarting in a loop) is said once a minute, not twice a
 * period. An outage that goes on past it is warned about then.
 */
export const OUTAGE_REPEAT_MS = 60_000;

/**
 * A stats read gets a period, at least two seconds and at most five: uWSGI's master answers
 * nothing while it respawns a batch of workers (max-worker-lifetime), 0.8 s in a probe, and a
 * one-second limit cut those reads.
 */
export const statsTimeoutMs = (periodMs: number) => Math.min(5000, Math.max(2000, periodMs));

/**
 * A read that finds worker slots with no worker that are not cheaped (a worker that ended and
 * is not respawned yet: a reload kills them all and waits for the last, a recycled worker is
 * respawned within the master's turn) gives no sample and no command while the count is in
 * flux, up to this long; past it, the slots are said to be stuck (a fork that fails: pids.max,
 * memory) and the workers that run are sampled as they are.
 */
export const RESPAWN_STUCK_MS = 10_000;

/**
 * Live workers none of which accepts requests yet (with lazy-apps each loads the app after a
 * start or a graceful reload; a large app takes seconds) serve nothing: no sample and no
 * command, said at debug, for up to this long; a load that takes longer is warned about as an
 * outage (the pool goes stale meanwhile).
 */
export const LOADING_WARN_MS = 30_000;

/**
 * uWSGI reloaded its workers (which drops the commands it had not applied): none of the workers
 * seen before is left (a worker is its pid and spawn second: a uWSGI restarted in its own PID
 * namespace, a container, reuses the old pids), and no slot counts a respawn since. A worker the same master respawns
 * (max-requests, max-worker-lifetime, reload-on-rss: workers spawned together end together)
 * keeps its slot's count rising, while a reload starts every count again.
 */
function reloaded(before: readonly WorkerSpawn[], now: readonly WorkerSpawn[]): boolean {
  if (before.length === 0 || before.some((w) => now.some((n) => sameProcess(n, w)))) return false;
  const respawnsBefore = new Map(before.map((w) => [w.slot, w.respawns]));
  return !now.some((w) => {
    const was = respawnsBefore.get(w.slot);
    return was !== undefined && was !== null && w.respawns !== null && w.respawns > was;
  });
}

/** The size uWSGI is asked for: the target within [the source's cheaper, uWSGI's worker slots] (every slot, when it has fewer than cheaper). */
function sizeInReach(target: number, cheaper: number, processes: number): number {
  return Math.max(Math.min(cheaper, processes), Math.min(target, processes));
}

export function createUwsgiSource(deps: UwsgiSourceDeps): UwsgiSource {
  const { pool, source, logger } = deps;
  const sampler = createUwsgiSampler();
  const log = { pool, stats: source.stats, fifo: source.fifo };
  let reading: UwsgiReading | null = null;
  let mode: Mode | null = null;
  /** the pool's target last given (a reply or a change), for a uWSGI that runs no worker */
  let lastTarget: number | null = null;
  /** the master that answered the last read with every worker cheaped (any other read clears it): whether that was said, when + were last written */
  let noWorkers: { masterPid: number; said: boolean; wroteAtMs: number | null } | null = null;
  /** the + written to a master since it last ran a worker (a failed read between keeps the count), and whether the cap was said */
  let cheapWrites: { masterPid: number; written: number; capSaid: boolean } | null = null;
  /**
   * The commands uWSGI has not applied yet (from the source this one renews, if any: a master
   * of another pid, or uWSGI's count reaching it, clears them at the first read).
   */
  let expected: PendingCommands | null = deps.handover?.expected ?? null;
  /** the settle-time warnings given since uWSGI last applied a command (each is given once, then at debug) */
  let settleSaid: SettleSaid = deps.handover?.settleSaid ?? { held: false, again: false };
  /** since when every read found an idle worker while a `-` was pending and the count stood at `live` (see IDLE_LOST_MS) */
  let idleStreak: { sinceMs: number; live: number } | null = null;
  /** the smaller size that waits for idle workers, once said (said again for another size, or after it went through) */
  let shrinkWaitSaid: number | null = null;
  /** when the unasked changes of the window happened */
  let unasked: number[] = [];
  /** when the unasked changes were last warned about (UNASKED_WINDOW_MS); null: not since the last quiet window */
  let unaskedWarnedAtMs: number | null = null;
  /** the master, workers and count of the last read with live workers (kept across outages), to tell a restart */
  let lastSeen: { masterPid: number; workers: readonly WorkerSpawn[]; size: number } | null = null;
  /** set by a restart seen at this read: what is then asked of uWSGI is said at info */
  let restarted: 'restart' | 'reload' | null = null;
  /** the pin last said to be out of uWSGI's reach */
  let pinOutOfReach: number | null = null;
  /** while reads give no sample: whether uWSGI answered the last one (with no worker that serves), whether the outage was warned about, and the reads so far */
  let statsDown: { answered: boolean; said: boolean; reads: number } | null = null;
  /** when an outage was last warned about and its cause, and the outages since that were not (OUTAGE_REPEAT_MS) */
  let outageSaid: { atMs: number; cause: string } | null = null;
  let outagesUnsaid = 0;
  /** when the last outage began (said or not): a second one within OUTAGE_REPEAT_MS gets no grace */
  let lastOutageAtMs: number | null = null;
  /** since when reads find worker slots with no worker, not cheaped (RESPAWN_STUCK_MS), and whether they were said to be stuck */
  let respawning: { sinceMs: number; said: boolean } | null = null;
  /** since when reads find live workers and none accepting requests (LOADING_WARN_MS) */
  let loadingSinceMs: number | null = null;
  const fifoGuard = createFifoGuard({ pool, source, fifo: deps.fifo, logger, log, mode: () => mode, ...(deps.sharedWith ? { sharedWith: deps.sharedWith } : {}) });
  let everUp = false;
  /** whether this source has written a command yet (its first is said at info) */
  let commanded = false;
  /** whether a read found fewer live workers than uWSGI's slots: uWSGI is in cheaper mode */
  let sawCheap = false;
  let stopped = false;
  /** the wake-up due (its epoch second, and what cancels it), when one is */
  let wake: { second: number; cancel: () => void } | null = null;

  /** Wakes uWSGI's master just after the next second starts, so it applies the commands then (WAKE_AFTER_SECOND_MS). */
  function wakeNextSecond(nowMs: number): void {
    const second = Math.floor(nowMs / 1000) + 1;
    if (wake?.second === second) return;
    wake?.cancel();
    const cancel = deps.later(() => {
      wake = null;
      if (stopped) return;
      try {
        deps.fifo.write(source.fifo, '\n');
      } catch (e) {
        logger.debug({ ...log, err: String(e) }, `pool ${pool}: could not wake uWSGI's master through its FIFO`);
      }
    }, second * 1000 - nowMs + WAKE_AFTER_SECOND_MS);
    wake = { second, cancel };
  }

  /** Whether a FIFO is at `path` (a stats address that is a path); false when it cannot be told. */
  function isFifoAt(path: string): boolean {
    return path.includes('/') && look(() => deps.fifo.pathKind?.(path)) === 'fifo';
  }

  /**
   * No sample this period: uWSGI did not answer (`absent`: nothing listens there; `timeout`: not
   * in time; `denied`: the sidecar's user may not connect), or (`answered`) answered with no
   * worker that serves, `why` saying what it has.
   */
  function down(why: string, how: 'error' | 'absent' | 'timeout' | 'denied' | 'answered' = 'error'): PollOutcome {
    const answered = how === 'answered';
    reading = null;
    fifoGuard.release();
    const nowMs = deps.now();
    const what = answered ? `uWSGI at ${source.stats} ${why}` : `uWSGI is not answering at ${source.stats} (${why})`;
    let said = statsDown?.said ?? false;
    const cause = `${how}: ${why}`;
    const reads = (statsDown?.reads ?? 0) + 1;
    // The first failed read after good ones is logged at debug: a reload re-executes the master
    // (its stats socket refuses for a moment), a starting uWSGI has no worker yet. An outage
    // still there at the next read, or one that begins within OUTAGE_REPEAT_MS of the last, is no such moment.
    const grace = everUp && reads === 1 && (lastOutageAtMs === null || nowMs - lastOutageAtMs >= OUTAGE_REPEAT_MS);
    if (statsDown === null) lastOutageAtMs = nowMs;
    if (!said && !grace && (outageSaid === null || outageSaid.cause !== cause || nowMs - outageSaid.atMs >= OUTAGE_REPEAT_MS)) {
      // This outage's first read, if it was logged at debug, counted it among the unsaid ones.
      const earlier = outagesUnsaid - (statsDown === null ? 0 : 1);
      const unsaid = earlier > 0 ? ` (${earlier} short outage${earlier === 1 ? '' : 's'} since the last warning, logged at debug)` : '';
      // With stats-http, uWSGI's master serves one connection at a time and waits for its request.
      const held =
        how === 'timeout'
          ? `; uWSGI's master is stopped or stalled (it sleeps when it respawns workers too fast: harakiri, a crashing app; see its log), or (with stats-http) another client connected to the stats server without asking holds it, up to its socket-timeout`
          : how === 'absent'
            ? isFifoAt(source.stats)
              ? `; a FIFO is at ${source.stats}, not a socket: the source's stats names uWSGI's stats socket (its stats option), and fifo its master-fifo`
              : `; check that uWSGI runs and that its stats option and the source's stats name one address`
            : how === 'denied'
              ? `; the sidecar's user may not connect to uWSGI's stats socket: run the sidecar as uWSGI's user (or root), or put the socket where the sidecar's user may connect to it (its directory and file modes)`
              : '';
      logger.warn({ ...log, err: why, unsaid: earlier }, `pool ${pool}: ${what}; the pool goes stale and the sidecar retries every period${unsaid}${held}`);
      outageSaid = { atMs: nowMs, cause };
      outagesUnsaid = 0;
      said = true;
    } else if (statsDown === null) {
      outagesUnsaid += 1;
      logger.debug({ ...log, err: why }, `pool ${pool}: ${what}`);
    }
    statsDown = { answered, said, reads };
    return 'down';
  }

  /** Once per value of `processes`: uWSGI's limits that bind inside the pool's bounds. */
  let limitsSeen: number | null = null;
  function checkLimits(r: UwsgiReading): void {
    if (limitsSeen === r.processes) return;
    limitsSeen = r.processes;
    const { min, max } = deps.bounds;
    if (r.processes < max) {
      logger.warn(
        { ...log, processes: r.processes, max },
        `pool ${pool}: uWSGI has ${r.processes} worker slots (processes) but the pool's hard max is ${max}: the pool grows to ${limitedBounds(deps.bounds, r.processes).max} at most (its max while uWSGI runs so); give uWSGI processes = ${max} to let it grow to ${max}`,
      );
    }
    if (r.processes > max) {
      logger.info(
        { ...log, processes: r.processes, max },
        `pool ${pool}: uWSGI has ${r.processes} worker slots (processes) and the pool's hard max is ${max} (from the CPUs the daemon may use, the config's cpus): the sidecar runs at most ${max} workers and uWSGI's other ${r.processes - max} slots stay empty`,
      );
    }
    if (source.cheaper > min) {
      logger.warn(
        { ...log, cheaper: source.cheaper, min },
        `pool ${pool}: the source's cheaper is ${source.cheaper} but the pool may shrink to ${min}: the sidecar leaves ${sizeInReach(0, source.cheaper, r.processes)} running and the pool shows the shrink as pending; give uWSGI (and the source) cheaper = ${min}`,
      );
    }
  }

  /** Whether the threaded workers' risk was said (once a source). */
  let threadsSaid = false;
  function checkThreads(r: UwsgiReading): void {
    if (threadsSaid || r.cores <= 1 || mode === 'observe') return;
    threadsSaid = true;
    logger.warn(
      { ...log, cores: r.cores },
      `pool ${pool}: uWSGI's workers serve ${r.cores} requests at once each (threads or async cores): uWSGI may end a request in flight on a worker it retires (a - from the sidecar or a hand, or its own cheaper algorithm), and the client sees the connection closed; a pool the sidecar resizes is safer on single-threaded workers (docs/operator-guide.md, "Driving uWSGI")`,
    );
  }

  function up(r: UwsgiReading): void {
    checkLimits(r);
    if (!everUp) logger.info({ ...log, workers: r.live }, `pool ${pool}: reading uWSGI at ${source.stats} (${r.live} of ${r.processes} workers: the size the pool starts from, unless it is pinned or sizing is off)`);
    else if (statsDown !== null) {
      const what = statsDown.answered ? `uWSGI at ${source.stats} runs workers again` : `uWSGI answers again at ${source.stats}`;
      const line = `pool ${pool}: ${what} (${r.live} of ${r.processes} workers)`;
      if (statsDown.said) logger.info({ ...log, workers: r.live }, line);
      else logger.debug({ ...log, workers: r.live }, line);
    }
    statsDown = null;
    everUp = true;
  }

  /**
   * A uWSGI that runs every worker slot and keeps an idle worker through IDLE_LOST_MS after a -
   * (in cheaper mode one goes at its next check, within a second) is most likely not in cheaper
   * mode, where the FIFO's + and - do nothing: said then, once (a source that sees a slot cheaped never says it),
   * not after the settle time the warning on an unapplied command waits for.
   */
  let notCheaperSaid = false;
  function noteNotCheaper(r: UwsgiReading): void {
    if (sawCheap || notCheaperSaid || expected === null || idleStreak === null) return;
    const forMs = deps.now() - idleStreak.sinceMs;
    if (forMs < IDLE_LOST_MS) return;
    notCheaperSaid = true;
    logger.warn(
      { ...log, asked: expected.live, live: r.live, processes: r.processes },
      `pool ${pool}: uWSGI runs all ${r.processes} of its worker slots and kept an idle worker at every read for ${Math.round(forMs / 1000)} s after it was asked for ${expected.live}: most likely it is not in cheaper mode, where the master FIFO's + and - do nothing (set cheaper = ${source.cheaper} and cheaper-algo = manual in uWSGI's config; docs/operator-guide.md, "Driving uWSGI"); until then the pool's target is not applied`,
    );
  }

  /**
   * Whether a unix socket's backlog was ever seen (uWSGI's listen_queue above 0 with no TCP
   * socket): then this kernel tells it (see withQueue), and whether that it does not was said.
   */
  let unixQueueSeen = false;
  let unixQueueSaid = false;
  /**
   * The stats with the listen queue the sample gets: for TCP sockets the kernel's accept queue
   * now (uWSGI's own `listen_queue` when it cannot be read). uWSGI reads a unix socket's backlog
   * with an ioctl (SIOBKLGQ) that stock Linux kernels lack: its listen_queue, and its
   * listen_queue_errors, stay 0 however long the backlog. So a uWSGI on unix sockets only has no
   * queue in its samples (not an empty one, which would hold the demand down), until a backlog
   * above 0 is seen (a kernel that tells it); said once.
   */
  function withQueue(stats: UwsgiStats): UwsgiStats {
    const kernel = deps.listenQueue?.(stats.masterPid, stats.listeners) ?? null;
    if (kernel !== null) return { ...stats, listenQueue: kernel };
    if (stats.listeners.length > 0 || stats.otherSockets.length === 0) return stats;
    if ((stats.listenQueue ?? 0) > 0) unixQueueSeen = true;
    if (unixQueueSeen) return stats;
    if (!unixQueueSaid) {
      unixQueueSaid = true;
      const sockets = stats.otherSockets.join(', ');
      logger.warn(
        { ...log, sockets: stats.otherSockets },
        `pool ${pool}: uWSGI listens on unix sockets only (${sockets}), whose backlog Linux does not tell uWSGI (its listen_queue reads 0 however many connections wait): the pool is sized without a queue or refusals, so a backlog shows only as busy workers and a full one as failed connects at the clients (or at uWSGI's http router, when one fronts the workers); a TCP socket (socket or http-socket = 127.0.0.1:PORT) gives the sidecar the queue (docs/operator-guide.md, "Driving uWSGI")`,
      );
    }
    return { ...stats, listenQueue: null, listenQueueErrors: null };
  }

  /** A uWSGI restarted (a new master) or reloaded (none of its workers left) since the last read with workers: said, with its count. */
  function noteRestart(r: UwsgiReading): void {
    const before = lastSeen;
    lastSeen = { masterPid: r.masterPid, workers: r.spawns, size: r.live };
    if (before === null) return;
    restarted = before.masterPid !== r.masterPid ? 'restart' : reloaded(before.workers, r.spawns) ? 'reload' : null;
    if (restarted === null) return;
    const what = restarted === 'restart' ? `uWSGI restarted (master pid ${before.masterPid}, now ${r.masterPid})` : 'uWSGI reloaded its workers';
    logger.info({ ...log, workers: r.live, before: before.size, masterPid: r.masterPid }, `pool ${pool}: ${what}; it runs ${r.live} workers (${before.size} before)`);
  }

  function addCpu(r: UwsgiReading): void {
    if (deps.cpu === null) return;
    try {
      const cpu = deps.cpu.read(r.pids, null);
      if (cpu === null) return;
      r.sample.cpuSeconds = cpu.cpuSeconds;
      if (cpu.runDelaySeconds !== null) r.sample.runDelaySeconds = cpu.runDelaySeconds;
      // Threaded workers (`threads`) run a request on each of their cores' threads, so a busy
      // worker may keep several CPUs busy; async cores share one thread. The threads a worker
      // serves on: its cores, at most the threads its process runs.
      const threads = Math.min(r.cores, cpu.threads / r.pids.length);
      if (threads > 1) r.sample.workerThreads = threads;
    } catch (e) {
      logger.debug({ ...log, err: String(e) }, `pool ${pool}: the workers' CPU could not be read`);
    }
  }

  /**
   * A change of the live count between two readings of one uWSGI that is no command of the
   * sidecar's taking effect: counted, and past UNASKED_CHANGES_WARN the operator is told.
   */
  function noteUnasked(before: UwsgiReading | null, now: UwsgiReading): void {
    // A restart or reload seen at this read (noteRestart) moves the count by itself; the pool
    // that drives a uWSGI this one shares (FifoGuard.noteShared, said already) moves it too.
    if (before === null || restarted !== null || fifoGuard.sharedBy() !== null) return;
    const change = now.live - before.live;
    if (change === 0) return;
    if (expected !== null && Math.sign(expected.live - before.live) === Math.sign(change)) return;
    const nowMs = deps.now();
    const last = unasked.at(-1);
    if (last !== undefined && nowMs - last >= UNASKED_WINDOW_MS) unaskedWarnedAtMs = null;
    unasked = [...unasked.filter((at) => nowMs - at < UNASKED_WINDOW_MS), nowMs];
    logger.debug({ ...log, from: before.live, to: now.live }, `pool ${pool}: uWSGI went from ${before.live} to ${now.live} workers without being asked`);
    // Said again once a window while the changes go on: an algorithm beside the sidecar undoes its commands for as long as both run.
    if (unasked.length < UNASKED_CHANGES_WARN || (unaskedWarnedAtMs !== null && nowMs - unaskedWarnedAtMs < UNASKED_WINDOW_MS)) return;
    const again = unaskedWarnedAtMs !== null;
    unaskedWarnedAtMs = nowMs;
    const minutes = Math.max(1, Math.ceil((nowMs - (unasked[0] ?? nowMs)) / 60_000));
    logger.warn(
      { ...log, from: before.live, to: now.live, times: unasked.length },
      `pool ${pool}: uWSGI changed its worker count without being asked (${unasked.length} times within ${minutes} min, the last ${before.live} -> ${now.live}): another cheaper algorithm sizes the pool beside the sidecar (set cheaper-algo = manual in uWSGI's config), another sidecar drives the same uWSGI (two on one FIFO undo each other's commands: one uWSGI is one pool of one sidecar), or several commands were written to its FIFO by hand (docs/operator-guide.md, "Driving uWSGI")${again ? '; still going on (said again every 10 min while it does)' : ''}`,
    );
  }

  /**
   * uWSGI answers with every worker cheaped: as many `-` were pending as it had idle workers
   * (uWSGI has no floor for them, not even its `cheaper`; they may come from an earlier sidecar,
   * or from a hand at the FIFO), or its own `idle` mode cheaped them all, and no request is
   * served. No sample is sent (the pool goes stale), and
   * when the same master answers so twice in a row (a starting uWSGI spawns its workers at
   * once) the pool's target is asked for, at least uWSGI's `cheaper`, unless the pool observes
   * (the engine's mode, else the last reply's; none known: only the warning). The `-` left
   * pending in uWSGI take back as many `+`: so the `+` are written again while no worker
   * comes, at the first read after uWSGI's next two checks (ALL_CHEAPED_RETRY_MS), until more have
   * been written than uWSGI has slots: no more `-` can plausibly be pending,
   * and a uWSGI in cheap mode (its `idle` or `cheap` option, a `C` at its FIFO) checks none of them
   * until a connection comes, then runs them all (measured: eight `+` written to a cheap uWSGI
   * of 6 slots, one request, 6 workers).
   */
  function allCheaped(stats: UwsgiStats, before: typeof noWorkers): PollOutcome {
    const nowMs = deps.now();
    const same = before?.masterPid === stats.masterPid ? before : null;
    noWorkers = same ?? { masterPid: stats.masterPid, said: false, wroteAtMs: null };
    if (cheapWrites?.masterPid !== stats.masterPid) cheapWrites = { masterPid: stats.masterPid, written: 0, capSaid: false };
    const writes = cheapWrites;
    // The workers that come back are new ones of the same master: no reload (noteRestart).
    if (lastSeen?.masterPid === stats.masterPid) lastSeen = { ...lastSeen, workers: [], size: 0 };
    const outcome = down(`all ${stats.workers.length} of its workers are cheaped`, 'answered');
    // A uWSGI that runs no worker is still written to: its FIFO stays this pool's, or another's.
    fifoGuard.noteShared();
    if (same === null || stopped) return outcome;
    const wanted = deps.wanted?.() ?? (mode !== null && lastTarget !== null ? { mode, target: lastTarget } : null);
    // At least one worker, so that it serves again.
    const asked = sizeInReach(wanted?.target ?? 0, Math.max(1, source.cheaper), stats.workers.length);
    const writable = wanted !== null && wanted.mode !== 'observe';
    if (!same.said) {
      logger.warn(
        { ...log, workers: stats.workers.length, asked: writable ? asked : null },
        `pool ${pool}: uWSGI runs no worker (all ${stats.workers.length} are cheaped), so it serves no request: its master had as many - pending as it had workers (uWSGI keeps no floor for them, not even its cheaper), or it is in cheap mode (its idle or cheap option, or a C at its FIFO: it starts workers only when a connection comes); ${writable ? `asking for ${asked} workers` : `the sidecar writes nothing (${wanted === null ? "the pool's mode is not known" : 'the pool observes'}): write + to ${source.fifo} or restart uWSGI`}`,
      );
      same.said = true;
    }
    if (!writable || (same.wroteAtMs !== null && nowMs - same.wroteAtMs < ALL_CHEAPED_RETRY_MS)) return outcome;
    if (writes.written > stats.workers.length) {
      if (!writes.capSaid) {
        writes.capSaid = true;
        logger.warn(
          { ...log, written: writes.written, workers: stats.workers.length },
          `pool ${pool}: uWSGI started no worker after ${writes.written} + were written: it is most likely in cheap mode (its idle or cheap option, or a C at its FIFO), where it starts workers only when a connection comes, and then runs the + still pending too, up to its ${stats.workers.length} slots (the pool then shrinks to what it needs); or more - are pending in it than that (write + to ${source.fifo}, or restart uWSGI). Nothing more is written until it runs a worker`,
        );
      }
      return outcome;
    }
    if (!fifoGuard.check(stats.masterPid)) {
      deps.actuation?.(pool, 'error');
      return outcome;
    }
    try {
      deps.fifo.write(source.fifo, fifoCommands(0, asked));
      deps.actuation?.(pool, 'ok');
    } catch (e) {
      deps.actuation?.(pool, 'error');
      logger.debug({ ...log, err: String(e) }, `pool ${pool}: could not write uWSGI's master FIFO`);
      return outcome;
    }
    same.wroteAtMs = nowMs;
    writes.written += asked;
    logger.debug({ ...log, to: asked }, `pool ${pool}: asked uWSGI, which runs no worker, for ${asked} workers (${fifoCommands(0, asked)})`);
    // What the master holds nets out with these at its next check: what is left of either is
    // seen then (workers, or none again and a retry), so nothing is counted as pending.
    expected = null;
    wakeNextSecond(nowMs);
    return outcome;
  }

  /**
   * Whether this read finds worker slots with no worker that are not cheaped, for less than
   * RESPAWN_STUCK_MS so far (see there): uWSGI is between workers (a reload kills every worker
   * and waits for the last; a recycled one is respawned within the master's turn), and its
   * count and busy workers say nothing of the load or of the commands. Then no sample is given,
   * no command written (the next read writes what is due), and no change counted as unasked.
   */
  function inFlux(stats: UwsgiStats): boolean {
    const ended = stats.workers.filter(hasEnded).length;
    if (ended === 0) {
      if (respawning?.said === true) logger.info(log, `pool ${pool}: uWSGI runs a worker in every slot it does not cheap again`);
      respawning = null;
      return false;
    }
    const nowMs = deps.now();
    respawning ??= { sinceMs: nowMs, said: false };
    const forMs = nowMs - respawning.sinceMs;
    if (forMs < RESPAWN_STUCK_MS) {
      reading = null;
      logger.debug({ ...log, ended }, `pool ${pool}: ${ended} of uWSGI's worker slots have no worker and are not cheaped (a reload, or workers respawned): no sample this period`);
      return true;
    }
    if (!respawning.said) {
      respawning.said = true;
      logger.warn(
        { ...log, ended, seconds: Math.round(forMs / 1000) },
        `pool ${pool}: ${ended} of uWSGI's worker slots have had no worker for ${Math.round(forMs / 1000)} s and are not cheaped: a graceful reload still waits for a worker in a long request (up to uWSGI's reload-mercy, 60 s by default), or its master does not respawn them (see its log: a fork that fails for memory or the cgroup's pids.max, an app that fails to load); the pool is sized on the workers that run`,
      );
    }
    return false;
  }

  /**
   * Every live worker is still starting (with lazy-apps, loading the app): none serves yet. No
   * sample and no command (the next read writes what is due) until one accepts requests, said
   * at debug for LOADING_WARN_MS, then warned about as an outage.
   */
  function loading(r: UwsgiReading): PollOutcome {
    const nowMs = deps.now();
    loadingSinceMs ??= nowMs;
    const forMs = nowMs - loadingSinceMs;
    const why = `has ${r.live} worker${r.live === 1 ? '' : 's'}, none accepting requests yet (starting; with lazy-apps, loading the app)`;
    if (forMs >= LOADING_WARN_MS) return down(`${why} for ${Math.round(forMs / 1000)} s`, 'answered');
    reading = null;
    logger.debug({ ...log, workers: r.live }, `pool ${pool}: uWSGI at ${source.stats} ${why}: no sample this period`);
    return 'down';
  }

  /** whether uWSGI was said to be paused (said again when it resumes) */
  let pausedSaid = false;
  /**
   * Whether every live worker is paused (`p` at the master FIFO; uWSGI suspends its workers and
   * applies no + or - meanwhile): their requests wait, and an empty pool with a full queue says
   * nothing of the load. No sample (the pool holds, then goes stale) and no command until it
   * resumes; both said at info.
   */
  function isPaused(stats: UwsgiStats): boolean {
    const live = stats.workers.filter(isLive);
    if (live.length === 0 || !live.every((w) => w.status === 'pause')) {
      if (pausedSaid) logger.info(log, `pool ${pool}: uWSGI resumed: its workers take requests again`);
      pausedSaid = false;
      return false;
    }
    reading = null;
    if (!pausedSaid) {
      pausedSaid = true;
      logger.info(
        { ...log, workers: live.length },
        `pool ${pool}: uWSGI is paused (p at its master FIFO): its ${live.length} workers take no request and it applies no + or -; no sample (the pool holds, then goes stale) and no command until it resumes`,
      );
    }
    return true;
  }

  function apply(target: number): void {
    lastTarget = target;
    if (stopped || reading === null || mode === null || mode === 'observe') return;
    const nowMs = deps.now();
    const live = reading.live;
    const desired = sizeInReach(target, source.cheaper, reading.processes);
    // A pin may ask for what uWSGI cannot run (the hard bounds' misfits are warned about at the first read).
    if (mode === 'pinned' && desired !== target && pinOutOfReach !== target) {
      const limit = target > desired ? `uWSGI's ${reading.processes} worker slots (processes)` : `the source's cheaper (${source.cheaper})`;
      logger.warn({ ...log, pin: target, live, applied: desired }, `pool ${pool}: the pin ${target} is ${target > desired ? 'above' : 'below'} ${limit}: uWSGI is asked for ${desired} workers`);
    }
    pinOutOfReach = mode === 'pinned' && desired !== target ? target : null;
    if (expected !== null && (expected.masterPid !== reading.masterPid || expected.live === live || reloaded(expected.workers, reading.spawns))) {
      if (expected.live === live) settleSaid = { held: false, again: false };
      expected = null;
    } else if (expected !== null && nowMs - expected.atMs >= settleMs(deps.periodMs)) {
      const seconds = Math.round((nowMs - expected.atMs) / 1000);
      // A `-` uWSGI holds waits for an idle worker; one that idle workers did not take is not held.
      const idleLost = idleStreak !== null && nowMs - idleStreak.sinceMs >= IDLE_LOST_MS;
      const held = expected.live < live && !idleLost;
      const idleFor = `an idle worker was there at every read for ${Math.round((nowMs - (idleStreak?.sinceMs ?? nowMs)) / 1000)} s and uWSGI retires one at each check while a - is pending`;
      const why =
        expected.live > live
          ? 'uWSGI applies + and - only in cheaper mode (cheaper, cheaper-algo = manual), and each - still pending in uWSGI (written by hand) takes a + back'
          : sawCheap
            ? `${idleFor}, so the - was lost or taken back by a + from elsewhere`
            : `most likely uWSGI is not in cheaper mode (none of its ${reading.processes} workers was seen cheaped: set cheaper and cheaper-algo = manual), or the - was lost or taken back by a + from elsewhere: ${idleFor}`;
      const text = held
        ? `pool ${pool}: uWSGI still runs ${live} workers ${seconds} s after it was asked for ${expected.live}; not asking again (uWSGI keeps a - until a worker is idle at its check, and a second one would retire one more worker then). uWSGI applies + and - only in cheaper mode (cheaper, cheaper-algo = manual)`
        : `pool ${pool}: uWSGI still runs ${live} workers ${seconds} s after it was asked for ${expected.live}; asking again: ${why}`;
      const kind = held ? 'held' : 'again';
      if (settleSaid[kind]) logger.debug({ ...log, asked: expected.live, live }, text);
      else logger.warn({ ...log, asked: expected.live, live }, `${text}; said once until uWSGI applies a command`);
      settleSaid = { ...settleSaid, [kind]: true };
      if (!held) {
        expected = null;
        idleStreak = null;
      }
    }
    const from = expected?.live ?? live;
    // A `-` retires a worker that is idle at uWSGI's next check, and one that finds none is kept
    // until one is. So no more `-` are pending than workers idle at this read: none are sent to
    // a pool its load keeps busy (they would wait there, and retire workers all at once when
    // the load goes). A smaller shrink never takes a pending `-` back; a grow does, as its
    // first `+` (it counts from the size asked for).
    const goal = desired < from ? Math.max(desired, Math.min(from, live - reading.idle)) : desired;
    const waited = shrinkWaitSaid;
    if (goal > desired && shrinkWaitSaid !== desired) {
      logger.info(
        { ...log, target: desired, live, idle: reading.idle, asked: goal },
        `pool ${pool}: the shrink to ${desired} worker${desired === 1 ? '' : 's'} waits for idle workers: ${live - reading.idle} of ${live} are in a request at this read, and uWSGI retires only a worker that is not (a - sent now would wait in uWSGI, then retire workers all at once when the load goes); ${goal !== from ? `asking for ${goal} now` : from < live ? `nothing more is asked (${live - from} - pending)` : 'nothing is asked yet'}`,
      );
      shrinkWaitSaid = desired;
    } else if (goal === desired) shrinkWaitSaid = null;
    if (goal === from) return;
    // Commands withheld (no FIFO at the path, or one the master does not read) are failed
    // actuations: the size does not reach uWSGI, and the alert on them fires as for a failed write.
    const commands = fifoCommands(from, goal);
    if (fifoGuard.write(commands, reading.masterPid) !== 'ok') {
      deps.actuation?.(pool, 'error');
      return;
    }
    deps.actuation?.(pool, 'ok');
    // A shrink said to wait goes later, when workers are idle: said too, so a retirement long after its decision is explained.
    if (waited !== null && goal < from) {
      const text = `pool ${pool}: ${reading.idle} of ${live} workers idle at this read: asked uWSGI for ${goal} (${commands}) of the shrink to ${desired} that waited for idle workers`;
      if (goal === desired) logger.info({ ...log, target: desired, live, idle: reading.idle, asked: goal }, text);
      else logger.debug({ ...log, target: desired, live, idle: reading.idle, asked: goal }, text);
    }
    // The settle time runs from the first command uWSGI has not moved on: more commands sent
    // while it stands still do not put off the warning.
    const stuck = expected !== null && live === expected.from;
    expected = { live: goal, atMs: stuck && expected !== null ? expected.atMs : nowMs, from: live, masterPid: reading.masterPid, workers: reading.spawns };
    wakeNextSecond(nowMs);
    // The engine logs each change of the target; what it does not see is uWSGI's count before
    // the source's first command (a sidecar that starts, or a restart, meets whatever uWSGI runs).
    if (restarted !== null) logger.info({ ...log, from, to: goal, commands }, `pool ${pool}: asked uWSGI for the pool's ${goal} workers after its ${restarted} (${commands})`);
    else if (!commanded) logger.info({ ...log, from, to: goal, commands }, `pool ${pool}: asked uWSGI, which runs ${live} workers, for the pool's ${goal} (${commands})`);
    else logger.debug({ ...log, from, to: goal, commands }, `pool ${pool}: asked uWSGI for ${goal} workers (${commands})`);
    commanded = true;
  }

  return {
    async poll() {
      if (stopped) return 'stopped';
      // Only a read that follows one with every worker cheaped keeps what that one found (allCheaped).
      const cheapedBefore = noWorkers;
      noWorkers = null;
      let text: string;
      try {
        text = await deps.readStats(source.stats, statsTimeoutMs(deps.periodMs));
      } catch (e) {
        // (cheapWrites stays: a read that failed is no sign that the master runs workers now.)
        const code = errorCode(e);
        return stopped ? 'stopped' : down(e instanceof Error ? e.message : String(e), code === 'ETIMEDOUT' ? 'timeout' : code === 'ENOENT' || code === 'ECONNREFUSED' ? 'absent' : code === 'EACCES' || code === 'EPERM' ? 'denied' : 'error');
      }
      if (stopped) return 'stopped';
      let r: UwsgiReading | null;
      let stats: UwsgiStats;
      try {
        stats = parseUwsgiStats(text);
        r = sampler.read(withQueue(stats), deps.now());
      } catch (e) {
        return down(e instanceof Error ? e.message : String(e));
      }
      if (inFlux(stats) || isPaused(stats)) return 'down';
      if (r === null) {
        if (stats.workers.length > 0 && stats.workers.every(isCheaped)) return allCheaped(stats, cheapedBefore);
        cheapWrites = null;
        return down('has no live worker (uWSGI is starting or restarting)', 'answered');
      }
      cheapWrites = null;
      if (r.sample.size === 0) return loading(r);
      loadingSinceMs = null;
      const idleNow = expected !== null && expected.live < r.live && r.idle > 0;
      idleStreak = !idleNow ? null : idleStreak?.live === r.live ? idleStreak : { sinceMs: deps.now(), live: r.live };
      up(r);
      noteRestart(r);
      fifoGuard.noteShared();
      fifoGuard.check(r.masterPid);
      if (r.live < r.processes) sawCheap = true;
      noteNotCheaper(r);
      addCpu(r);
      noteUnasked(reading, r);
      reading = r;
      try {
        const reply = deps.engine.ingest(pool, [r.sample]);
        mode = reply.mode;
        checkThreads(r);
        apply(reply.target);
      } catch (e) {
        // Only a stopping engine refuses a sample that the sidecar built itself.
        logger.debug({ ...log, err: String(e) }, `pool ${pool}: the engine did not take the uWSGI sample`);
      }
      restarted = null;
      return 'sampled';
    },
    apply,
    handover: () => ({ expected, settleSaid }),
    stop() {
      stopped = true;
      wake?.cancel();
      wake = null;
    },
  };
}
