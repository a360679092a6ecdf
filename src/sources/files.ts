// The file system as the /proc and cgroup readers see it: synchronous calls, injected so tests
// can hand them a fake /proc tree. /proc files are tiny and read once a second, so synchronous
// reads cost less than the promise machinery around asynchronous ones. A few are not tiny
// (/proc/net/tcp lists every socket of the host's namespace): those are read line by line and
// left as soon as the reader has what it needs, since the kernel writes such a file only as far
// as it is read.
import { closeSync, openSync, readFileSync, readSync, readdirSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

export interface FileReader {
  /** the whole file as text; throws (ENOENT, EACCES, ESRCH...) like fs.readFileSync */
  readFile(path: string): string;
  /** names in a directory; throws like fs.readdirSync */
  readDir(path: string): string[];
  /**
   * The file's lines in order, each handed to `take` until it returns false or the file ends;
   * throws like readFile. Optional: without it the whole file is read and split.
   */
  readLines?(path: string, take: (line: string) => boolean): void;
}

/** How much of a file one read asks the kernel for: about a hundred /proc/net/tcp lines. */
const LINE_CHUNK_BYTES = 16 * 1024;

function readLinesSync(path: string, take: (line: string) => boolean): void {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(LINE_CHUNK_BYTES);
    const decoder = new StringDecoder('utf8');
    let rest = '';
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      const text = rest + (n > 0 ? decoder.write(buf.subarray(0, n)) : decoder.end());
      const lines = text.split('\n');
      rest = n > 0 ? (lines.pop() ?? '') : '';
      for (const line of lines) if (!take(line)) return;
      if (n === 0) return;
    }
  } finally {
    closeSync(fd);
  }
}

export const nodeFiles: FileReader = {
  readFile: (path) => readFileSync(path, 'utf8'),
  readDir: (path) => readdirSync(path),
  readLines: readLinesSync,
};

/** The file's text, or null when it cannot be read (gone, not permitted): every kernel figure is optional. */
export function tryReadFile(files: FileReader, path: string): string | null {
  try {
    return files.readFile(path);
  } catch {
    return null;
  }
}

/** Hands the file's lines to `take` until it returns false (see FileReader.readLines); false when the file cannot be read. */
export function tryReadLines(files: FileReader, path: string, take: (line: string) => boolean): boolean {
  try {
    if (files.readLines !== undefined) files.readLines(path, take);
    else for (const line of files.readFile(path).split('\n')) if (!take(line)) break;
    return true;
  } catch {
    return false;
  }
}

/** The directory's names, or null when it cannot be listed. */
export function tryReadDir(files: FileReader, path: string): string[] | null {
  try {
    return files.readDir(path);
  } catch {
    return null;
  }
}

/** A kernel counter written in decimal ("12345"), or null when the text is not one (or too large to be exact). */
export function parseCount(text: string | undefined): number | null {
  if (text === undefined || !/^\d+$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}
