// The process's soft limit on open files, from /proc/self/limits: the connection cap stays
// below it (src/http/server.ts). Read once at start; null where there is no such file.
import { readFileSync } from 'node:fs';

/** `Max open files            20000                20000                files` -> 20000 (the soft limit). */
export function parseFdLimit(text: string): number | null {
  const m = /^Max open files\s+(\d+|unlimited)\s/m.exec(text);
  if (m === null || m[1] === 'unlimited') return null;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

export function readFdLimit(read: () => string = () => readFileSync('/proc/self/limits', 'utf8')): number | null {
  try {
    return parseFdLimit(read());
  } catch {
    return null;
  }
}
