// The registry of laws by name. A law added here is selectable in config and becomes a
// contender in the benchmarks without touching either.
import { aimd } from './aimd.js';
import { band } from './band.js';
import { cheaper } from './cheaper.js';
import { hill } from './hill.js';
import { hpa } from './hpa.js';
import { pi } from './pi.js';
import type { LawName } from '../types.js';
import type { AnyLaw } from './law.js';

const LAWS: Partial<Record<LawName, AnyLaw>> = { pi, band, aimd, hpa, hill, cheaper };

export function getLaw(name: LawName): AnyLaw {
  const law = LAWS[name];
  if (law === undefined) throw new Error(`law '${name}' is not implemented`);
  return law;
}

/** The laws the core can run, in a stable order. */
export function lawNames(): LawName[] {
  return Object.keys(LAWS) as LawName[];
}

export type { AnyLaw, Law, LawContext, LawProposal } from './law.js';
