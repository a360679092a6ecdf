// Whether a uWSGI source may write its commands to the master FIFO, and what a write of
// commands that fails tells the operator. Nothing is written to a path with no FIFO, to a FIFO
// the master that answers the stats does not read (another uWSGI's, whose workers a `-` would
// retire), or to one another pool of the sidecar drives; each of these is warned about once, and
// said again at info when it ends. (The source's other writes, the wake-up byte and the `+` to a
// uWSGI with no worker, say their own failures.)
import type { Mode } from '../../core/index.js';
import type { SourceConfig } from '../../config/index.js';
import type { Logger } from '../../streams/index.js';
import { errorCode, look } from './fifo.js';
import type { FifoPathKind, FifoWriter } from './fifo.js';

/** What an operator does about a FIFO the sidecar cannot write, by the error's code (the master answered the stats this period). */
function fifoRemedy(code: string | undefined, masterPid: number): string | null {
  switch (code) {
    case 'ENOENT':
      return "no FIFO at that path: uWSGI creates it at start (a reload or restart of uWSGI makes it again); check uWSGI's master-fifo and the source's fifo name one path";
    case 'ENXIO':
      return `uWSGI's master (pid ${masterPid}) answers its stats but has not read this FIFO since the last read: with several master-fifo, uWSGI reads one at a time (the first, until a digit written to the one it reads switches: 1 to the second), and the source's fifo must name the one it reads; or it is another uWSGI's`;
    case 'EACCES':
    case 'EPERM':
      return "the sidecar's user may not write it: uWSGI makes its FIFO readable and writable by its own user only (0600, again at each reload: a chmod does not last), so run the sidecar as uWSGI's user (or root)";
    case 'ENOTFIFO':
      return 'a file that is no FIFO is at that path: remove it and reload uWSGI';
    default:
      return null;
  }
}

export interface FifoGuardDeps {
  pool: string;
  source: SourceConfig;
  fifo: FifoWriter;
  logger: Logger;
  /** the fields every log line of the source carries */
  log: Record<string, unknown>;
  /** the pool's mode now (a pool that observes writes nothing anyway: the warnings say so) */
  mode: () => Mode | null;
  /** see UwsgiSourceDeps.sharedWith */
  sharedWith?: (fifo: string | null) => string | null;
}

/** What became of commands given to FifoGuard.write: not written (see `writable`), written, or a write that failed. */
export type FifoWrite = 'withheld' | 'ok' | 'failed';

export interface FifoGuard {
  /** Once a read with a master that answers, first: whether another pool has this FIFO now (see UwsgiSourceDeps.sharedWith). */
  noteShared(): void;
  /**
   * Once a read, after noteShared: whether a FIFO is at the path and whether the master that
   * answers (`masterPid`) reads it. True when commands may be written.
   */
  check(masterPid: number): boolean;
  /** A read that gave no sample (no answer, or no worker that serves): this pool claims no FIFO until it reads one again. */
  release(): void;
  /** the pool that drives this FIFO first, when another does (as the last noteShared found) */
  sharedBy(): string | null;
  /**
   * Writes commands, unless they are withheld: while the path or the master's reading it is in
   * doubt (the last `check`; a write that found no reader puts the master in doubt again), or
   * another pool drives the FIFO. A failure is logged (with what to do about it, warned once).
   */
  write(commands: string, masterPid: number): FifoWrite;
}

export function createFifoGuard(deps: FifoGuardDeps): FifoGuard {
  const { pool, source, logger, log } = deps;
  /**
   * Whether the master that answers has the source's FIFO open (see check): `ok` is kept for
   * that master; `suspect` and `foreign` stop every write (a FIFO of another uWSGI would resize
   * that one); `unknown` (cannot be told) writes.
   */
  let owner: { masterPid: number; verdict: 'ok' | 'unknown' | 'suspect' | 'foreign' } | null = null;
  /** what was wrong at the source's fifo path at the last read (see pathOk, part of check), and what was last warned about */
  let pathSeen: Exclude<FifoPathKind, 'fifo'> | null = null;
  let pathSaid: Exclude<FifoPathKind, 'fifo'> | null = null;
  /** the pool that reads this uWSGI's master first, when another does (noteShared) */
  let sharedBy: string | null = null;
  /** since the last write that failed (none after it worked): whether the failure was warned about (a reload's ENXIO is said at the second write that fails) */
  let down: { said: boolean } | null = null;

  /**
   * Whether a FIFO is at the source's path. Looked at every read and in every mode, so a wrong
   * path is said at the first reads, not at the first command (a pool that observes sends none).
   * Nothing or another file there at two reads in a row (uWSGI makes its FIFO afresh after each
   * writer, a moment without one) is warned about once, and nothing is written until a FIFO is there.
   */
  function pathOk(): boolean {
    const kind = look(() => deps.fifo.pathKind?.(source.fifo));
    const wrong = kind === 'missing' || kind === 'other' ? kind : null;
    const confirmed = wrong !== null && pathSeen === wrong;
    pathSeen = wrong;
    if (kind === 'fifo' && pathSaid !== null) {
      logger.info(log, `pool ${pool}: a FIFO is at ${source.fifo} now: commands can be written`);
      pathSaid = null;
    }
    if (!confirmed || pathSaid === wrong) return pathSaid === null;
    pathSaid = wrong;
    const what =
      wrong === 'missing'
        ? `no FIFO at ${source.fifo} (the source's fifo): uWSGI makes its master-fifo at start, so check that uWSGI's master-fifo and the source's fifo name one path`
        : `${source.fifo} (the source's fifo) is not a FIFO: check that it names uWSGI's master-fifo (uWSGI removes a file at that path when it starts, and makes its FIFO there)`;
    logger.warn({ ...log, found: wrong }, `pool ${pool}: ${what}; nothing is written to uWSGI until a FIFO is there${deps.mode() === 'observe' ? ' (the pool observes now: it writes nothing anyway)' : ''}`);
    return false;
  }

  /** Whether commands may go to the FIFO for this master (see FifoGuard.write). */
  function writable(masterPid: number): boolean {
    if (pathSaid !== null || sharedBy !== null) return false;
    return owner?.masterPid !== masterPid || owner.verdict === 'ok' || owner.verdict === 'unknown';
  }

  /**
   * Checks that the master answering at the stats address reads the source's FIFO, until it is
   * seen to for that master (the FIFO is remade at each writer's close, a moment without it). A
   * FIFO the master does not have open twice in a row is another uWSGI's (its `-` would shrink
   * that one, to no worker at all) or one left by an earlier uWSGI: nothing is written to it,
   * and the operator is told.
   */
  function isMasters(masterPid: number): boolean {
    if (!pathOk()) return false;
    const opened = deps.fifo.openedBy;
    if (opened === undefined) return writable(masterPid);
    const before = owner?.masterPid === masterPid ? owner.verdict : null;
    if (before === 'ok') return writable(masterPid);
    const owned = look(() => opened(source.fifo, masterPid));
    const verdict = owned === true ? 'ok' : owned === null ? 'unknown' : before === 'suspect' || before === 'foreign' ? 'foreign' : 'suspect';
    owner = { masterPid, verdict };
    if (verdict === 'foreign' && before !== 'foreign') {
      logger.warn(
        { ...log, masterPid },
        `pool ${pool}: uWSGI's master at ${source.stats} (pid ${masterPid}) does not have the FIFO ${source.fifo} open: it is another uWSGI's master-fifo, or one left by an earlier uWSGI, and a - written there would retire that uWSGI's workers, or one of this uWSGI's several master-fifo that it does not read now (it reads one at a time, switched by a digit written to the one it reads); the sidecar writes nothing to it. Set the source's fifo to the master-fifo the uWSGI at ${source.stats} reads`,
      );
    } else if (verdict === 'ok' && before === 'foreign') {
      logger.info({ ...log, masterPid }, `pool ${pool}: uWSGI's master (pid ${masterPid}) has the FIFO ${source.fifo} open: commands are written again`);
    }
    return writable(masterPid);
  }

  /**
   * Whether another pool of the sidecar has this pool's FIFO (the same file by another path):
   * then this one writes nothing to it (the two would undo each other's commands), said when it
   * starts and when it ends. A FIFO's file is compared, not the master's pid, which uWSGIs in
   * two PID namespaces (containers) may share.
   */
  function noteShared(): void {
    const real = look(() => deps.fifo.realPath?.(source.fifo));
    const other = deps.sharedWith?.(real) ?? null;
    if (other !== null && other !== sharedBy) {
      logger.warn(
        { ...log, other, file: real },
        `pool ${pool}: its FIFO ${source.fifo} is ${real ?? source.fifo}, which pool ${other} has too and read first: one uWSGI is one pool, and two would undo each other's commands; pool ${pool} writes nothing to it. Their paths name one uWSGI through a link: remove one of the pools from the config`,
      );
    } else if (other === null && sharedBy !== null) {
      logger.info(log, `pool ${pool}: no other pool has its FIFO ${source.fifo} now: commands are written again`);
    }
    sharedBy = other;
  }

  return {
    check: isMasters,
    noteShared,
    release: () => void deps.sharedWith?.(null),
    sharedBy: () => sharedBy,
    write(commands, masterPid) {
      if (!writable(masterPid)) return 'withheld';
      try {
        deps.fifo.write(source.fifo, commands);
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        const code = errorCode(e);
        // No reader while the master answers its stats: it reads another FIFO (one of several
        // master-fifo, switched by a digit); its verdict is looked at afresh at the next read.
        if (code === 'ENXIO') owner = null;
        // A graceful reload closes the FIFO until the master has re-executed: a write between the
        // read and then finds no reader once, said at debug; the next that fails is warned about.
        const grace = code === 'ENXIO' && down === null;
        const remedy = fifoRemedy(code, masterPid);
        const text = `pool ${pool}: cannot write uWSGI's master FIFO ${source.fifo} (${why})${remedy === null ? '' : `: ${remedy}`}; a shrink is written again at every read, a grow the pool gives up after a few periods (failed-grow) and asks again after its back-off`;
        if (down?.said !== true && !grace) logger.warn({ ...log, err: why }, text);
        else if (down === null) logger.debug({ ...log, err: why }, text);
        down = { said: down?.said === true || !grace };
        return 'failed';
      }
      if (down?.said === true) logger.info(log, `pool ${pool}: uWSGI's master FIFO ${source.fifo} takes commands again`);
      down = null;
      return 'ok';
    },
  };
}
