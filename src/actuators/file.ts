// The file actuator: the size goes to {dir}/{pool}.size, atomically, so a daemon reading it
// never sees a partial number. The temp file has a random name and is created exclusively
// ('wx': O_CREAT | O_EXCL, which also refuses a symlink planted at that name), is set to
// 0644 whatever the umask (the daemon runs as another user), then renamed over the target.
// A write that fails (a full disk, a missing directory) is retried with back-off until it
// lands; a newer size for the same pool takes the retry's place, so the newest size wins.
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { isPoolName } from '../protocol/index.js';
import { latestQueue } from './latest.js';
import type { LatestQueue } from './latest.js';
import { realSleep } from './types.js';
import type { ActuationOutcome, Actuator, AttemptHook, FailureHook, Sleep } from './types.js';
import { backoffMs } from './webhook.js';

export interface FileOptions {
  dir: string;
  onAttempt?: AttemptHook;
  sleep?: Sleep;
  /** the first retry's back-off, doubled per retry up to maxBackoffMs */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** the temp file's name (tests plant a symlink there); default a random one */
  tempName?: (pool: string) => string;
}

/** Readable by the daemon's user, whatever the sidecar's umask (systemd's UMask=0077). */
export const SIZE_FILE_MODE = 0o644;
export const FILE_BASE_BACKOFF_MS = 200;
export const FILE_MAX_BACKOFF_MS = 10_000;

/** `.{pool}.size.<64 random bits>.tmp`: a name nobody can plant a file or symlink at in advance. */
export const randomTempName = (pool: string): string => `.${pool}.size.${randomBytes(8).toString('hex')}.tmp`;

/** Writes `{dir}/{pool}.size` once: exclusive random temp file, 0644, flushed, renamed. */
export async function writeSizeFile(dir: string, pool: string, size: number, tempName = randomTempName): Promise<void> {
  if (!isPoolName(pool)) throw new Error(`pool name ${JSON.stringify(pool)} is not a file name`);
  const temp = join(dir, tempName(pool));
  const handle = await open(temp, 'wx', SIZE_FILE_MODE);
  try {
    try {
      await handle.chmod(SIZE_FILE_MODE);
      await handle.writeFile(`${size}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, join(dir, `${pool}.size`));
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    throw e;
  }
}

export function fileActuator(options: FileOptions): Actuator {
  const sleep = options.sleep ?? realSleep;
  const base = options.baseBackoffMs ?? FILE_BASE_BACKOFF_MS;
  const max = options.maxBackoffMs ?? FILE_MAX_BACKOFF_MS;
  const onFailure = new Map<string, FailureHook>();
  let stopped = false;

  // One write per pool at a time, newest first: renames never race each other.
  const queue: LatestQueue<number, ActuationOutcome> = latestQueue(async (pool, size) => {
    for (let attempts = 1; ; attempts++) {
      try {
        await writeSizeFile(options.dir, pool, size, options.tempName);
        options.onAttempt?.(pool, 'ok');
        return { status: 'ok', pool, size, attempts };
      } catch (e) {
        options.onAttempt?.(pool, 'error');
        const error = e instanceof Error ? e.message : String(e);
        // A name that can never be a file name is not worth retrying.
        if (!isPoolName(pool)) return { status: 'error', pool, size, attempts, error };
        onFailure.get(pool)?.({ pool, size, attempts, error });
      }
      await sleep(backoffMs(attempts, base, max));
      // A newer size waits: it is the one to land now.
      if (stopped || queue.hasNewer(pool)) return { status: 'superseded', pool, size, attempts };
    }
  });

  async function write(pool: string, size: number, failed: FailureHook | undefined): Promise<ActuationOutcome> {
    if (stopped) return { status: 'superseded', pool, size, attempts: 0 };
    if (failed) onFailure.set(pool, failed);
    const settled = await queue.push(pool, size);
    return settled.superseded ? { status: 'superseded', pool, size, attempts: 0 } : settled.value;
  }

  return {
    kind: 'file',
    apply: (d, failed) => write(d.pool, d.to, failed),
    initial: (pool, size, failed) => write(pool, size, failed),
    stop() {
      stopped = true;
      queue.clear();
    },
  };
}
