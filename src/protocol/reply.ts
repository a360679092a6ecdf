// The 202 reply to a sample: the target in force now and the last decision's action. The
// engine builds it, the HTTP layer sends it, the client reads it back.
import type { Action, Mode } from '../core/types.js';

export interface SampleReply {
  pool: string;
  target: number;
  action: Action;
  mode: Mode;
}

/**
 * Reads a reply off the wire. Only `target` is checked (a whole number >= 0): it is the one
 * field a client acts on; the others are copied for its log.
 */
export function parseSampleReply(body: unknown): SampleReply {
  const reply = body as Partial<Record<keyof SampleReply, unknown>> | null;
  const target = reply?.target;
  if (typeof target !== 'number' || !Number.isInteger(target) || target < 0) {
    throw new Error(`sidecar reply has no valid target: ${JSON.stringify(body)}`);
  }
  return { pool: String(reply?.pool), target, action: String(reply?.action) as Action, mode: String(reply?.mode) as Mode };
}
