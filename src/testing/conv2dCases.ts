/**
 * Shared by the conv2d GPU tests (conv2d.gpu.test.ts, conv2dDirect.gpu.test.ts): the shape cases, their random
 * inputs with the float64 oracle's outputs (conv2d.ref.ts), and the forward / adjoint comparisons both make.
 */
import { expect } from 'vitest';
import { compare, maxAbs, randomArray } from './gpu';
import { conv2dGradRef, conv2dRef } from '../gpu/ops/conv2d.ref';

export interface ConvCase {
  name: string;
  x: number[];
  w: number[];
}

export const CONV_CASES: ConvCase[] = [
  { name: 'B2 Cin3 Cout5 8×8 k3', x: [2, 3, 8, 8], w: [5, 3, 3, 3] },
  { name: 'B1 Cin2 Cout1 5×9 k7 (non-square, SpatialGate shape)', x: [1, 2, 5, 9], w: [1, 2, 7, 7] },
  { name: 'B3 Cin1 Cout37 6×4 k3 (Cout beyond one tile)', x: [3, 1, 6, 4], w: [37, 1, 3, 3] },
  { name: 'B2 Cin20 Cout3 9×9 k3 (K beyond one tile, M beyond one tile)', x: [2, 20, 9, 9], w: [3, 20, 3, 3] },
];

/** Seeded inputs x, w, b and upstream gradient gUp of a case, with the float64 forward yRef and adjoints. */
export function convCaseData(c: ConvCase) {
  const n = c.x.reduce((a, b) => a * b, 1);
  const nw = c.w.reduce((a, b) => a * b, 1);
  const x = randomArray(n, n);
  const w = randomArray(nw, nw + 1);
  const b = randomArray(c.w[0], 3);
  const yRef = conv2dRef(x, c.x, w, c.w, b);
  const gUp = randomArray(yRef.length, 4);
  const grads = conv2dGradRef(x, c.x, w, c.w, gUp);
  return { x, w, b, yRef, gUp, grads };
}

/** Forward, forward+ReLU, input and weight gradients each within 1e-5 × max of the float64 reference. */
export function expectConvWithin(
  res: { y: ArrayLike<number>; yr: ArrayLike<number>; gx: ArrayLike<number>; gw: ArrayLike<number> },
  yRef: ArrayLike<number>,
  grads: { gx: ArrayLike<number>; gw: ArrayLike<number> },
): void {
  expect(compare(res.y, yRef, { atol: 1e-5 * maxAbs(yRef) }, 'forward')).toBe('');
  const yRelu = Array.from(yRef, (v) => Math.max(0, v));
  expect(compare(res.yr, yRelu, { atol: 1e-5 * maxAbs(yRef) }, 'forward relu')).toBe('');
  expect(compare(res.gx, grads.gx, { atol: 1e-5 * maxAbs(grads.gx) }, 'grad x')).toBe('');
  expect(compare(res.gw, grads.gw, { atol: 1e-5 * maxAbs(grads.gw) }, 'grad w')).toBe('');
}
