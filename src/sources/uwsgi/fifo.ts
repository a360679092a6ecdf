// uWSGI's master FIFO (`master-fifo`): each `+` asks the master for one more worker, each `-`
// for one fewer. The FIFO is opened write-only and non-blocking, so a master that is not
// reading (dead, restarting) is an ENXIO error now, never a sidecar stuck in open(2).
import { closeSync, constants, fstatSync, openSync, readdirSync, realpathSync, statSync, writeSync } from 'node:fs';

export interface FifoWriter {
  /** Writes `text` to the FIFO at `path` in one write; throws (ENXIO: no reader, ENOENT, EAGAIN...) */
  write(path: string, text: string): void;
  /**
   * Whether the process `pid` has the FIFO at `path` open (one of its /proc/PID/fd is that
   * file); null when it cannot be told (no such path, /proc/PID/fd not readable). Optional:
   * without it the FIFO is taken to be the master's.
   */
  openedBy?(path: string, pid: number): boolean | null;
  /**
   * What is at `path`: a FIFO, nothing, or another file (a regular file, a directory); null when
   * it cannot be told (no permission on a directory on the way). Optional: without it, the path is
   * found wrong only when a command is written.
   */
  pathKind?(path: string): FifoPathKind | null;
  /**
   * The file at `path` however it is reached (links followed, `.` and `..` resolved); null when
   * nothing is there or it cannot be told. Optional: without it, two pools on one FIFO by
   * different paths are not told apart at run time.
   */
  realPath?(path: string): string | null;
}

export type FifoPathKind = 'fifo' | 'missing' | 'other';

export class NotAFifoError extends Error {
  readonly code = 'ENOTFIFO';
}

/** Whether `pid` has the file at `path` open, from the device and inode of its /proc/PID/fd entries. */
function openedBy(path: string, pid: number): boolean | null {
  let fifo: { dev: number; ino: number };
  let fds: string[];
  try {
    fifo = statSync(path);
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return null;
  }
  for (const fd of fds) {
    try {
      const open = statSync(`/proc/${pid}/fd/${fd}`); // follows the link to the open file
      if (open.dev === fifo.dev && open.ino === fifo.ino) return true;
    } catch {
      // closed meanwhile
    }
  }
  return false;
}

function pathKind(path: string): FifoPathKind | null {
  try {
    return statSync(path).isFIFO() ? 'fifo' : 'other';
  } catch (e) {
    const code = errorCode(e);
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : null;
  }
}

function realPath(path: string): string | null {
  try {
    return realpathSync.native(path);
  } catch {
    return null;
  }
}

export const nodeFifo: FifoWriter = {
  openedBy,
  pathKind,
  realPath,
  write(path, text) {
    const fd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
    try {
      // A regular file at that path would silently swallow the commands.
      if (!fstatSync(fd).isFIFO()) throw new NotAFifoError(`${path} is not a FIFO (uWSGI's master-fifo)`);
      const bytes = Buffer.from(text, 'ascii');
      const written = writeSync(fd, bytes);
      if (written !== bytes.length) throw new Error(`short write to ${path}: ${written} of ${bytes.length} bytes`);
    } finally {
      closeSync(fd);
    }
  },
};

/** The `code` of a system error (ENOENT, ETIMEDOUT...), if it has one. */
export const errorCode = (e: unknown): string | undefined => (e instanceof Error ? (e as NodeJS.ErrnoException).code : undefined);

/** What a look at the file system through a FifoWriter gives, or null when it cannot be told (it threw, or the writer has no such look). */
export function look<T>(fn: () => T | null | undefined): T | null {
  try {
    return fn() ?? null;
  } catch {
    return null;
  }
}

/** The FIFO commands that move uWSGI from `from` workers to `to`: one `+` or `-` a worker. */
export function fifoCommands(from: number, to: number): string {
  return to >= from ? '+'.repeat(to - from) : '-'.repeat(from - to);
}
