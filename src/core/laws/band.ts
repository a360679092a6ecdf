// The reference law: one worker at a time, up when utilization is over the band, down
// when under it. Cooldowns, guard and bounds come from the controller's stages.
import { REFERENCE_STAGES, bandSide, eraseLaw } from './law.js';
import type { Law } from './law.js';

export const bandLaw: Law<null> = {
  name: 'band',
  stages: REFERENCE_STAGES,
  maxStep: () => 1,
  init: () => null,
  step(state, ctx) {
    const side = bandSide(ctx.utilization, ctx.band);
    if (side > 0) return { state, proposal: { size: ctx.size + 1, reason: 'above-band' } };
    if (side < 0) return { state, proposal: { size: ctx.size - 1, reason: 'below-band' } };
    return { state, proposal: { size: ctx.size, reason: 'in-band' } };
  },
};

export const band = eraseLaw(bandLaw);
