import test from 'ava';
import { abs, div, waveComponent } from '../../../src/core/laws/goertzel.js';

const tone = (amplitude: number, period: number, n: number, phase = 0, offset = 0): number[] =>
  Array.from({ length: n }, (_, i) => offset + amplitude * Math.cos((2 * Math.PI * i) / period + phase));

const close = (a: number, b: number, eps = 1e-9): boolean => Math.abs(a - b) < eps;

test('when the series is a pure tone at the wave period, then its component has magnitude amplitude / 2', (t) => {
  for (const [amplitude, period, n, phase] of [[3, 4, 32, 0], [1, 4, 8, 1.1], [5, 8, 32, -0.4], [2, 16 / 3, 16, 0.3]] as const) {
    const c = waveComponent(tone(amplitude, period, n, phase), period);
    t.true(close(abs(c), amplitude / 2), `A=${amplitude} P=${period} N=${n}: ${abs(c)}`);
  }
});

test('when the tone is at another Fourier band or is a constant, then the wave component is zero', (t) => {
  // 32 samples: period 4 is band 8; periods 32/9 and 32/7 are the adjacent bands hill climbing reads noise from.
  t.true(close(abs(waveComponent(tone(3, 32 / 9, 32), 4)), 0));
  t.true(close(abs(waveComponent(tone(3, 32 / 7, 32), 4)), 0));
  t.true(close(abs(waveComponent(new Array<number>(32).fill(7), 4)), 0));
  t.true(close(abs(waveComponent(tone(3, 4, 32, 0, 100), 4)), 1.5), 'an offset does not leak into the wave');
});

test('when two series share the wave, then their ratio is the gain and their phase cancels', (t) => {
  const input = tone(2, 4, 32, 0.7, 10);
  const output = input.map((x) => 3 * x + 5);
  const ratio = div(waveComponent(output, 4), waveComponent(input, 4));
  t.true(close(ratio.re, 3) && close(ratio.im, 0), JSON.stringify(ratio));
  const inverted = div(waveComponent(input.map((x) => -x), 4), waveComponent(input, 4));
  t.true(close(inverted.re, -1), 'a response in opposite phase is a negative ratio');
});

test('when the series is empty, then the component is zero', (t) => {
  t.is(abs(waveComponent([], 4)), 0);
});
