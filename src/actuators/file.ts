// The file actuator: the size goes to {dir}/{pool}.size, atomically (a temp file in the
// same directory, then rename), so a daemon reading it never sees a partial number.
import { rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Decision } from '../core/index.js';
import { isPoolName } from '../protocol/index.js';
import { applyNewest, latestQueue } from './latest.js';
import type { ActuationOutcome, Actuator, AttemptHook } from './types.js';

export interface FileOptions {
  dir: string;
  onAttempt?: AttemptHook;
}

export function fileActuator(options: FileOptions): Actuator {
  let seq = 0;
  let stopped = false;
  // One write per pool at a time, newest first: renames never race each other.
  const queue = latestQueue<Decision, ActuationOutcome>(async (pool, d) => {
    const size = d.to;
    const target = join(options.dir, `${pool}.size`);
    const temp = join(options.dir, `.${pool}.size.${process.pid}.${++seq}.tmp`);
    try {
      if (!isPoolName(pool)) throw new Error(`pool name ${JSON.stringify(pool)} is not a file name`);
      await writeFile(temp, `${size}\n`, { flush: true });
      await rename(temp, target);
      options.onAttempt?.(pool, 'ok');
      return { status: 'ok', pool, size, attempts: 1 };
    } catch (e) {
      await unlink(temp).catch(() => undefined);
      options.onAttempt?.(pool, 'error');
      return { status: 'error', pool, size, attempts: 1, error: e instanceof Error ? e.message : String(e) };
    }
  });
  return {
    kind: 'file',
    apply: (d) => applyNewest(queue, d, stopped),
    stop() {
      stopped = true;
      queue.clear();
    },
  };
}
