// Every change of a pool's target is a decision that says so: the log line at info, the SSE
// event, the actuators. Two changes come out of a tick as a `hold` from the core: a failed
// grow's fall-back (the target returns to the size the daemon kept) and nothing else yet;
// this restates such a decision as the move it is, with its reason kept.
import type { Decision } from '../core/index.js';

/**
 * `d` as the change from `prevTarget` to `target`, when it does not already say so. The
 * first sample's adoption of the daemon's size (`adopting`) and observe mode (whose target
 * follows the daemon) are not changes the sidecar asks for, and stay as they are.
 */
export function asTargetChange(d: Decision, prevTarget: number, target: number, adopting: boolean): Decision {
  if (target === prevTarget || adopting || d.mode === 'observe') return d;
  if (d.from === prevTarget && d.to === target) return d;
  return { ...d, action: target > prevTarget ? 'grow' : 'shrink', from: prevTarget, to: target, recommended: target };
}
