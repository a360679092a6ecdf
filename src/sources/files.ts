// The file system as the /proc and cgroup readers see it: two synchronous calls, injected so
// tests can hand them a fake /proc tree. /proc files are tiny and read once a second, so
// synchronous reads cost less than the promise machinery around asynchronous ones.
import { readFileSync, readdirSync } from 'node:fs';

export interface FileReader {
  /** the whole file as text; throws (ENOENT, EACCES, ESRCH...) like fs.readFileSync */
  readFile(path: string): string;
  /** names in a directory; throws like fs.readdirSync */
  readDir(path: string): string[];
}

export const nodeFiles: FileReader = {
  readFile: (path) => readFileSync(path, 'utf8'),
  readDir: (path) => readdirSync(path),
};

/** The file's text, or null when it cannot be read (gone, not permitted): every kernel figure is optional. */
export function tryReadFile(files: FileReader, path: string): string | null {
  try {
    return files.readFile(path);
  } catch {
    return null;
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
