// The convergence guard (docs/design.md): after a move in one direction, the opposite move
// waits until the pool has held for GUARD_HOLDS ticks in a row.
import { lastDirection } from '../moves.js';
import { hold, statelessStage } from './stage.js';
import type { Proposal } from './stage.js';

/** Consecutive holds after a move before the opposite move is allowed. */
export const GUARD_HOLDS = 3;

export function guard(p: Proposal, size: number, lastMove: 1 | -1 | 0, holdsSinceMove: number): Proposal {
  const direction = Math.sign(p.size - size);
  if (direction === 0 || lastMove === 0 || direction === lastMove) return p;
  return holdsSinceMove >= GUARD_HOLDS ? p : hold(size, 'guard');
}

export const guardStage = statelessStage('guard', (p, ctx) => guard(p, ctx.base, lastDirection(ctx.moves), ctx.moves.holds));
