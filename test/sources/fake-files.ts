// A fake file system for the /proc readers: a mutable map of path -> text; directories are
// the prefixes of the paths. Missing paths throw like node:fs (ENOENT).
import type { FileReader } from '../../src/sources/files.js';

export interface FakeFiles extends FileReader {
  set(path: string, text: string): void;
  remove(prefix: string): void;
  /** every path read, in order */
  reads: string[];
  /** per path, the lines readLines has handed out so far */
  linesRead: Map<string, number>;
}

function enoent(path: string): Error {
  return Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
}

export function fakeFiles(initial: Record<string, string> = {}): FakeFiles {
  const tree = new Map(Object.entries(initial));
  const reads: string[] = [];
  const linesRead = new Map<string, number>();
  return {
    reads,
    linesRead,
    set: (path, text) => void tree.set(path, text),
    remove: (prefix) => {
      for (const path of [...tree.keys()]) if (path === prefix || path.startsWith(`${prefix}/`)) tree.delete(path);
    },
    readFile(path) {
      reads.push(path);
      const text = tree.get(path);
      if (text === undefined) throw enoent(path);
      return text;
    },
    readLines(path, take) {
      reads.push(path);
      const text = tree.get(path);
      if (text === undefined) throw enoent(path);
      for (const line of text.split('\n')) {
        linesRead.set(path, (linesRead.get(path) ?? 0) + 1);
        if (!take(line)) return;
      }
    },
    readDir(path) {
      const names = new Set<string>();
      for (const key of tree.keys()) if (key.startsWith(`${path}/`)) names.add(key.slice(path.length + 1).split('/')[0] ?? '');
      if (names.size === 0) throw enoent(path);
      return [...names];
    },
  };
}

export interface FakeThread {
  comm?: string;
  /** [ns on CPU, ns waiting on a run queue]; omitted: no schedstat file */
  schedstat?: [number, number];
  /** [utime, stime] in clock ticks; omitted: no stat file */
  ticks?: [number, number];
}

/** A /proc/PID/task/TID stat line whose fields 14 and 15 are utime and stime. */
export function statLine(tid: number, comm: string, utime: number, stime: number): string {
  // fields 3..13: state, ppid, pgrp, session, tty_nr, tpgid, flags, minflt, cminflt, majflt, cmajflt
  return `${tid} (${comm}) S 1 ${tid} ${tid} 0 -1 4194368 120 0 0 0 ${utime} ${stime} 0 0 20 0 4 0 4242 10000000 500\n`;
}

/** Writes one thread's files under /proc/PID/task/TID. */
export function setThread(files: FakeFiles, pid: number, tid: number, thread: FakeThread, procRoot = '/proc'): void {
  const dir = `${procRoot}/${pid}/task/${tid}`;
  files.remove(dir);
  files.set(`${dir}/comm`, `${thread.comm ?? 'daemon'}\n`);
  if (thread.schedstat) files.set(`${dir}/schedstat`, `${thread.schedstat[0]} ${thread.schedstat[1]} 17\n`);
  if (thread.ticks) files.set(`${dir}/stat`, statLine(tid, thread.comm ?? 'daemon', thread.ticks[0], thread.ticks[1]));
}
