// Additive increase, multiplicative decrease, for comparison: +1 over the band, halve when
// utilization falls under AIMD_HALVE_BELOW (the TCP congestion-control shape; the 0.30 is the reference design's).
import { REFERENCE_STAGES, eraseLaw } from './law.js';
import type { Law } from './law.js';

export const AIMD_HALVE_BELOW = 0.3;

export const aimdLaw: Law<null> = {
  name: 'aimd',
  stages: REFERENCE_STAGES,
  maxStep: () => Number.POSITIVE_INFINITY,
  init: () => null,
  step(state, ctx) {
    if (ctx.utilization > ctx.band.high) return { state, proposal: { size: ctx.size + 1, reason: 'above-band' } };
    if (ctx.utilization < AIMD_HALVE_BELOW) {
      return { state, proposal: { size: Math.floor(ctx.size / 2), reason: 'below-band' } };
    }
    return { state, proposal: { size: ctx.size, reason: 'in-band' } };
  },
};

export const aimd = eraseLaw(aimdLaw);
