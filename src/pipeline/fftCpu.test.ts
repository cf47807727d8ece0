import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../numerics/random';
import { dft2Naive, fft2, fftshift2, ifftshift2 } from './fftCpu';

const np = JSON.parse(
  readFileSync(new URL('../../tests/fixtures/fft/numpy_fft2.json', import.meta.url), 'utf8'),
) as Record<string, { x: number[]; X: number[]; shift: number[] }>;

describe('float64 CPU FFT', () => {
  for (const [k, v] of Object.entries(np)) {
    const [H, W] = k.split('x').map(Number);
    it(`${k}: equals numpy.fft.fft2 to 1e-12, inverse restores, fftshift equals numpy`, () => {
      const X = fft2(v.x, H, W);
      X.forEach((a, i) => expect(Math.abs(a - v.X[i])).toBeLessThan(1e-12));
      fft2(X, H, W, { inverse: true }).forEach((a, i) => expect(Math.abs(a - v.x[i])).toBeLessThan(1e-12));
      expect(Array.from(fftshift2(v.x, H, W))).toEqual(v.shift);
      expect(Array.from(ifftshift2(fftshift2(v.x, H, W), H, W))).toEqual(v.x);
    });
  }
  it('radix-2 and Bluestein agree with the naive DFT; Parseval holds', () => {
    const rng = new Rng(2);
    for (const [H, W] of [
      [16, 16],
      [7, 10],
    ]) {
      const x = Float64Array.from({ length: 2 * H * W }, () => rng.normal());
      const a = fft2(x, H, W);
      const b = dft2Naive(x, H, W);
      a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThan(1e-10));
      const ex = x.reduce((s, v) => s + v * v, 0);
      const eX = a.reduce((s, v) => s + v * v, 0);
      expect(Math.abs(eX / (H * W) - ex) / ex).toBeLessThan(1e-12);
    }
  });
});
