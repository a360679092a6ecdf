// Refusals by a limit (connections, event streams, long polls, header timeouts) are logged
// and counted, never silent. A flood must not flood the log as well: the first refusal of a
// kind is logged at once, later ones at most once per interval, with how many there were.
import type { RefusalKind } from '../metrics/index.js';
import type { Logger } from '../streams/index.js';

/** At most one warning per kind per this long. */
export const REFUSAL_LOG_INTERVAL_MS = 10_000;

export type RefusalHook = (kind: RefusalKind, detail: string) => void;

export function refusalLog(logger: Logger, count: (kind: RefusalKind) => void, clockMs: () => number = () => performance.now()): RefusalHook {
  const last = new Map<RefusalKind, { atMs: number; unlogged: number }>();
  return (kind, detail) => {
    count(kind);
    const nowMs = clockMs();
    const seen = last.get(kind);
    if (seen !== undefined && nowMs - seen.atMs < REFUSAL_LOG_INTERVAL_MS) {
      seen.unlogged += 1;
      return;
    }
    const also = seen !== undefined && seen.unlogged > 0 ? ` (${seen.unlogged} more since the last warning)` : '';
    logger.warn({ refused: kind, more: seen?.unlogged ?? 0 }, `refused: ${detail}${also}`);
    last.set(kind, { atMs: nowMs, unlogged: 0 });
  };
}
