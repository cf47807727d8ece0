/** Tests of the 2-D FFT (fft.ts), each kernel variant, vs a float64 DFT (fft.ref.ts). */
import { describe, expect, it } from 'vitest';
import { checkGradients, compare, getTestGpu, maxAbs, randomArray, withVariant } from '../../testing/gpu';
import { fft2, fft2Raw, fftshift2, ifft2, ifftshift2, padAndDiffract } from './fft';
import { f32Literal, generateFftUnrolled } from './fftUnrolledGen';
import { dft2Ref, dft2SeparableRef, fftshift2Ref, padAndDiffractRef } from './fft.ref';

for (const variant of ['workgroup', 'direct', 'unrolled'] as const)
  describe(`batched 2-D FFT (GPU, ${variant} kernels) vs float64 DFT`, () => {
    withVariant('fft', variant);
    for (const N of [8, 16, 32, 64]) {
      it(`N=${N}, batch 3: forward and inverse within 1e-5 × max|X| (naive DFT oracle)`, async () => {
        const gpu = await getTestGpu();
        const x = randomArray(3 * 2 * N * N, N);
        const ref = N <= 32 ? dft2Ref(x, N) : dft2SeparableRef(x, N);
        const [y, back] = await gpu.tidyAsync(async () => {
          const t = gpu.tensor([3, N, N], 'c64', x);
          const f = fft2(gpu, t);
          return [await gpu.read(f), await gpu.read(ifft2(gpu, f))];
        });
        expect(compare(y, ref, { atol: 1e-5 * maxAbs(ref) }, `fft2 N=${N}`)).toBe('');
        expect(compare(back, x, { atol: 1e-6 * N }, `ifft2∘fft2 N=${N}`)).toBe('');
        // Parseval: Σ|X|² = N² Σ|x|²
        let ex = 0;
        let ey = 0;
        for (const v of x) ex += v * v;
        for (const v of y) ey += v * v;
        expect(Math.abs(ey / (N * N) - ex) / ex).toBeLessThan(1e-5);
      });
    }

    for (const N of [128, 256]) {
      it(`N=${N}: one image vs a separable float64 DFT within 1e-5 × max|X|`, async () => {
        const gpu = await getTestGpu();
        const x = randomArray(2 * N * N, N + 1);
        const ref = dft2SeparableRef(x, N);
        const y = await gpu.tidyAsync(async () => gpu.read(fft2(gpu, gpu.tensor([1, N, N], 'c64', x))));
        expect(compare(y, ref, { atol: 1e-5 * maxAbs(ref) }, `fft2 N=${N}`)).toBe('');
      });
    }

    it('fftshift/ifftshift match numpy semantics (odd and even sizes, real and complex) and invert each other', async () => {
      const gpu = await getTestGpu();
      for (const [H, W, dtype] of [
        [4, 6, 'f32'],
        [5, 3, 'c64'],
      ] as const) {
        const comps = dtype === 'c64' ? 2 : 1;
        const x = randomArray(2 * H * W * comps, H * W);
        const [s, back] = await gpu.tidyAsync(async () => {
          const t = gpu.tensor([2, H, W], dtype, x);
          const sh = fftshift2(gpu, t);
          return [await gpu.read(sh), await gpu.read(ifftshift2(gpu, sh))];
        });
        expect(compare(s, fftshift2Ref(x, H, W, comps), { atol: 0 }, `fftshift ${H}x${W}`)).toBe('');
        expect(compare(back, x, { atol: 0 }, 'ifftshift∘fftshift')).toBe('');
      }
    });

    it('fft2, ifft2 and fftshift adjoints equal finite differences', async () => {
      const gpu = await getTestGpu();
      const N = 8;
      for (const f of [
        (t: import('../tensor').Tensor) => fft2(gpu, t),
        (t: import('../tensor').Tensor) => ifft2(gpu, t),
        (t: import('../tensor').Tensor) => fftshift2(gpu, fft2(gpu, t)),
      ]) {
        const res = await checkGradients(
          gpu,
          ([x]) => f(x),
          [{ shape: [2, N, N], dtype: 'c64', data: randomArray(2 * 2 * N * N, 77) }],
          {
            samples: 8,
            atol: 1e-3,
            rtol: 1e-3,
          },
        );
        expect(res.worstRatio, res.message).toBeLessThanOrEqual(1);
      }
    });

    it('padAndDiffract = fftshift(|fft2 ψ|)/N vs float64 (N 16, 32, 64), and its adjoint vs finite differences', async () => {
      const gpu = await getTestGpu();
      for (const n of [16, 32, 64]) {
        const psi = randomArray(2 * 2 * n * n, 5 + n);
        const A = await gpu.tidyAsync(async () => gpu.read(padAndDiffract(gpu, gpu.tensor([2, n, n], 'c64', psi))));
        const ref = padAndDiffractRef(psi, n);
        expect(compare(A, ref, { atol: 1e-5 * maxAbs(ref) }, `padAndDiffract N=${n}`)).toBe('');
      }
      const N = 16;
      const res = await checkGradients(
        gpu,
        ([x]) => padAndDiffract(gpu, x),
        [{ shape: [1, N, N], dtype: 'c64', data: randomArray(2 * N * N, 6) }],
        {
          samples: 10,
          atol: 1e-3,
          rtol: 2e-3,
        },
      );
      expect(res.worstRatio, res.message).toBeLessThanOrEqual(1);
    });
  });

describe('unrolled FFT (generated, fftUnrolledGen.ts)', () => {
  it('its literals round to the f32 values they stand for; N outside 8…64 is refused', () => {
    for (let k = 0; k < 64; k++)
      for (const v of [Math.cos((-2 * Math.PI * k) / 64), Math.sin((-2 * Math.PI * k) / 64)])
        expect(Object.is(Math.fround(Number(f32Literal(v))), Math.fround(v))).toBe(true);
    expect(f32Literal(-0)).toBe('-0.0');
    for (const N of [4, 48, 128]) expect(() => generateFftUnrolled(N)).toThrow(RangeError);
  });

  it('is bit-identical to the direct kernels (forward, scaled inverse, cols_amp) for N 8…64', async () => {
    const gpu = await getTestGpu();
    const saved = gpu.variants.fft;
    try {
      for (const N of [8, 16, 32, 64]) {
        const x = randomArray(2 * 3 * N * N, 100 + N);
        const out: Record<string, Float32Array[]> = {};
        for (const v of ['direct', 'unrolled'] as const) {
          gpu.variants.fft = v;
          out[v] = await gpu.tidyAsync(async () => {
            const t = gpu.tensor([3, N, N], 'c64', x);
            const f = fft2Raw(gpu, t, false, 1);
            const b = fft2Raw(gpu, t, true, 1 / (N * N));
            return [await gpu.read(f), await gpu.read(b), await gpu.read(padAndDiffract(gpu, t))];
          });
        }
        out.direct.forEach((d, i) => expect(out.unrolled[i], `N=${N} output ${i}`).toEqual(d));
      }
    } finally {
      gpu.variants.fft = saved;
    }
  });
});
