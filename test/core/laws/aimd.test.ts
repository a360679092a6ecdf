import test from 'ava';
import { aimdLaw, AIMD_HALVE_BELOW } from '../../../src/core/laws/aimd.js';
import { ctx } from './ctx.js';

test('when utilization is over the band, then aimd adds one worker', (t) => {
  t.deepEqual(aimdLaw.step(null, ctx(16, 0.9)).proposal, { size: 17, reason: 'above-band' });
});

test('when utilization is under 0.30, then aimd halves the pool; at 0.30 it holds', (t) => {
  t.is(AIMD_HALVE_BELOW, 0.3);
  t.deepEqual(aimdLaw.step(null, ctx(16, 0.29)).proposal, { size: 8, reason: 'below-band' });
  t.deepEqual(aimdLaw.step(null, ctx(17, 0.1)).proposal, { size: 8, reason: 'below-band' });
  t.deepEqual(aimdLaw.step(null, ctx(16, 0.3)).proposal, { size: 16, reason: 'in-band' });
  t.deepEqual(aimdLaw.step(null, ctx(16, 0.5)).proposal, { size: 16, reason: 'in-band' });
});

test('when halving, then no step limit cuts the decrease', (t) => {
  t.is(aimdLaw.maxStep(32, ctx(32, 0).params), Number.POSITIVE_INFINITY);
});
