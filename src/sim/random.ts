// Seeded random numbers for the simulator: every run with the same seed is the same run.
// mulberry32 (Tommy Ettinger's 32-bit generator): tiny, fast, and good enough for
// arrival and service times (it passes gjrand's tests at the sizes a simulation draws).

import { mulberry32Step } from '../core/index.js';

export interface Random {
  /** uniform in [0, 1) */
  next(): number;
  /** exponential with the given mean */
  exponential(mean: number): number;
  /** gamma with an integer shape k (Erlang) and the given mean: CV = 1 / sqrt(k) */
  erlang(mean: number, shape: number): number;
  /** lognormal with the given mean and the log's standard deviation `sigma` (a heavy tail: p99 / median = e^(2.33 sigma)) */
  lognormal(mean: number, sigma: number): number;
  /** a new generator derived from this one (for an independent stream) */
  fork(): Random;
}

export function mulberry32(seed: number): Random {
  let a = seed | 0;
  const next = (): number => {
    const step = mulberry32Step(a);
    a = step.state;
    return step.unit;
  };
  const exponential = (mean: number): number => -mean * Math.log(1 - next());
  return {
    next,
    exponential,
    erlang(mean: number, shape: number): number {
      if (mean <= 0) return 0;
      let product = 1;
      for (let i = 0; i < shape; i += 1) product *= 1 - next();
      return (-mean / shape) * Math.log(product);
    },
    lognormal(mean: number, sigma: number): number {
      if (mean <= 0) return 0;
      // Box-Muller: a standard normal from two uniforms (1 - u keeps the log finite).
      const normal = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
      return mean * Math.exp(sigma * normal - (sigma * sigma) / 2);
    },
    fork: () => mulberry32(Math.floor(next() * 4294967296) ^ 0x9e3779b9),
  };
}
