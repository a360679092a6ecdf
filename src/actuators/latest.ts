// A per-key queue that keeps only the newest value: at most one job runs per key, and at
// most one waits behind it; a newer value replaces the waiting one (which resolves as
// superseded). This is the bounded backlog of the actuators: the daemon needs the latest
// size of each pool, never the history.
import type { Decision } from '../core/index.js';
import type { ActuationOutcome } from './types.js';

export type Settled<R> = { superseded: false; value: R } | { superseded: true };

interface Waiting<T, R> {
  value: T;
  resolve: (r: Settled<R>) => void;
}

export interface LatestQueue<T, R> {
  push(key: string, value: T): Promise<Settled<R>>;
  /** whether a newer value waits for this key (a running job may give up its retries) */
  hasNewer(key: string): boolean;
  /** resolves every waiting value as superseded */
  clear(): void;
  /** values waiting (at most one per key), for tests and the bound it proves */
  waiting(): number;
}

export function latestQueue<T, R>(run: (key: string, value: T) => Promise<R>): LatestQueue<T, R> {
  const waiting = new Map<string, Waiting<T, R>>();
  const running = new Set<string>();

  async function drain(key: string): Promise<void> {
    running.add(key);
    try {
      for (let next = waiting.get(key); next !== undefined; next = waiting.get(key)) {
        waiting.delete(key);
        const value = await run(key, next.value);
        next.resolve({ superseded: false, value });
      }
    } finally {
      running.delete(key);
    }
  }

  return {
    push(key, value) {
      return new Promise((resolve) => {
        waiting.get(key)?.resolve({ superseded: true });
        waiting.set(key, { value, resolve });
        if (!running.has(key)) void drain(key);
      });
    },
    hasNewer: (key) => waiting.has(key),
    waiting: () => waiting.size,
    clear() {
      for (const w of waiting.values()) w.resolve({ superseded: true });
      waiting.clear();
    },
  };
}

/**
 * An actuator's apply: the decision's size joins its pool's queue; a size a newer one
 * replaced (or one sent after stop) resolves as superseded, never as a failure.
 */
export async function applyNewest(
  queue: LatestQueue<Decision, ActuationOutcome>,
  d: Decision,
  stopped: boolean,
): Promise<ActuationOutcome> {
  const superseded: ActuationOutcome = { status: 'superseded', pool: d.pool, size: d.to, attempts: 0 };
  if (stopped) return superseded;
  const settled = await queue.push(d.pool, d);
  return settled.superseded ? superseded : settled.value;
}
