// The Goertzel algorithm: one frequency component of a series, for the `hill` law. A port
// of GetWaveComponent in dotnet/runtime's
// src/libraries/System.Private.CoreLib/src/System/Threading/PortableThreadPool.HillClimbing.cs,
// with the small complex arithmetic that hill climbing needs around it.

export interface Complex {
  re: number;
  im: number;
}

export const ZERO: Complex = { re: 0, im: 0 };

/**
 * The component of `values` (oldest first) at a wave of `period` samples, divided by the
 * number of samples: a pure tone A*cos(2*pi*i/period) over whole periods gives magnitude A/2.
 * Its phase is .NET's (q1 - q2*cos(w), q2*sin(w)); hill climbing only divides two
 * components measured the same way, so the convention cancels.
 */
export function waveComponent(values: readonly number[], period: number): Complex {
  if (values.length === 0) return ZERO;
  const w = (2 * Math.PI) / period;
  const cos = Math.cos(w);
  const coeff = 2 * cos;
  let q1 = 0;
  let q2 = 0;
  for (const x of values) {
    const q0 = coeff * q1 - q2 + x;
    q2 = q1;
    q1 = q0;
  }
  return { re: (q1 - q2 * cos) / values.length, im: (q2 * Math.sin(w)) / values.length };
}

export function abs(z: Complex): number {
  return Math.hypot(z.re, z.im);
}

export function sub(a: Complex, b: Complex): Complex {
  return { re: a.re - b.re, im: a.im - b.im };
}

export function scale(z: Complex, k: number): Complex {
  return { re: z.re * k, im: z.im * k };
}

export function div(a: Complex, b: Complex): Complex {
  const d = b.re * b.re + b.im * b.im;
  return { re: (a.re * b.re + a.im * b.im) / d, im: (a.im * b.re - a.re * b.im) / d };
}
