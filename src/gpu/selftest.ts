/**
 * A GPU self-test that runs the same kernels as the Node tests inside a browser (e2e/gpu.spec.ts), against the
 * float64 references: FFT (N = 16), conv2d forward + adjoints, merge → extract round trip. Returns the worst
 * errors relative to each reference's max, and the adapter.
 */
import { Gpu } from './runtime';
import { Tape } from './tape';
import { conv2d } from './ops/conv2d';
import { conv2dGradRef, conv2dRef } from './ops/conv2d.ref';
import { fft2 } from './ops/fft';
import { dft2Ref } from './ops/fft.ref';
import { extractPatches, mergePatches } from './ops/reassemble';
import { Rng } from '../numerics/random';

export interface SelfTestResult {
  adapter: string;
  fftRelErr: number;
  convRelErr: number;
  convGradRelErr: number;
  mergeRoundTripErr: number;
}

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0,
    e = 0;
  for (let i = 0; i < b.length; i++) {
    m = Math.max(m, Math.abs(b[i]));
    e = Math.max(e, Math.abs(a[i] - b[i]));
  }
  return e / (m || 1);
}

export async function runSelfTest(): Promise<SelfTestResult> {
  const gpu = await Gpu.create();
  const rng = new Rng(99);
  const rand = (n: number) => Float32Array.from({ length: n }, () => rng.range(-1, 1));
  try {
    const N = 16;
    const z = rand(2 * 2 * N * N);
    const fftOut = await gpu.tidyAsync(async () => gpu.read(fft2(gpu, gpu.tensor([2, N, N], 'c64', z))));
    const xs = [2, 3, 9, 7],
      ws = [5, 3, 3, 3];
    const x = rand(2 * 3 * 9 * 7),
      w = rand(5 * 27),
      b = rand(5),
      g = rand(2 * 5 * 9 * 7);
    const conv = await gpu.tidyAsync(async () => {
      const tx = gpu.tensor(xs, 'f32', x),
        tw = gpu.tensor(ws, 'f32', w),
        tb = gpu.tensor([5], 'f32', b);
      for (const t of [tx, tw, tb]) t.requiresGrad = true;
      const tape = new Tape(gpu);
      const y = tape.run(() => conv2d(gpu, tx, tw, tb));
      const [gx, gw] = tape.gradients(y, [tx, tw], gpu.tensor(y.shape, 'f32', g));
      return { y: await gpu.read(y), gx: await gpu.read(gx), gw: await gpu.read(gw) };
    });
    const ref = conv2dGradRef(x, xs, w, ws, g);
    // Merge then extract of four patches with zero offsets gives back their central masked region.
    const p = rand(2 * 4 * 8 * 8);
    const back = await gpu.tidyAsync(async () => {
      const tp = gpu.tensor([1, 4, 8, 8], 'c64', p);
      const off = gpu.zeros([1, 4, 2]);
      return gpu.read(extractPatches(gpu, mergePatches(gpu, tp, off, 8), off, 4, 8));
    });
    let mergeErr = 0;
    for (let c = 0; c < 4; c++)
      for (let i = 2; i < 6; i++)
        for (let j = 2; j < 6; j++)
          for (let k = 0; k < 2; k++) {
            // All four patches overlap fully: the merge averages them (÷ (4 + 0.001)·4).
            let avg = 0;
            for (let q = 0; q < 4; q++) avg += p[2 * ((q * 8 + i) * 8 + j) + k];
            mergeErr = Math.max(mergeErr, Math.abs(back[2 * ((c * 8 + i) * 8 + j) + k] - avg / 4.001));
          }
    return {
      adapter: `${gpu.adapter.vendor} ${gpu.adapter.architecture} ${gpu.adapter.description}`.trim(),
      fftRelErr: relErr(fftOut, dft2Ref(z, N)),
      convRelErr: relErr(conv.y, conv2dRef(x, xs, w, ws, b)),
      convGradRelErr: Math.max(relErr(conv.gx, ref.gx), relErr(conv.gw, ref.gw)),
      mergeRoundTripErr: mergeErr,
    };
  } finally {
    gpu.destroy();
  }
}
