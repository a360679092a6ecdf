// Refusals by a limit (connections, event streams, long polls, header timeouts) and samples
// the API turns away are logged and counted, never silent. A flood must not flood the log as
// well: the first of a kind is logged at once, later ones at most once per interval, with how
// many there were.
import type { RefusalKind } from '../metrics/index.js';
import type { Logger } from '../streams/index.js';

/** At most one warning per kind (of refusal, of a sample's rejection) per this long. */
export const REFUSAL_LOG_INTERVAL_MS = 10_000;

export type RefusalHook = (kind: RefusalKind, detail: string) => void;

/**
 * A warning at most once per key per REFUSAL_LOG_INTERVAL_MS: the first at once, a later one
 * with how many were held back since (`more`).
 */
export function throttledWarn<K>(logger: Logger, clockMs: () => number = () => performance.now()): (key: K, fields: Record<string, unknown>, msg: string) => void {
  const last = new Map<K, { atMs: number; unlogged: number }>();
  return (key, fields, msg) => {
    const nowMs = clockMs();
    const seen = last.get(key);
    if (seen !== undefined && nowMs - seen.atMs < REFUSAL_LOG_INTERVAL_MS) {
      seen.unlogged += 1;
      return;
    }
    const also = seen !== undefined && seen.unlogged > 0 ? ` (${seen.unlogged} more since the last warning)` : '';
    logger.warn({ ...fields, more: seen?.unlogged ?? 0 }, `${msg}${also}`);
    last.set(key, { atMs: nowMs, unlogged: 0 });
  };
}

export function refusalLog(logger: Logger, count: (kind: RefusalKind) => void, clockMs: () => number = () => performance.now()): RefusalHook {
  const warn = throttledWarn<RefusalKind>(logger, clockMs);
  return (kind, detail) => {
    count(kind);
    warn(kind, { refused: kind }, `refused: ${detail}`);
  };
}
