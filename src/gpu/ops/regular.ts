import regularWgsl from '../shaders/regular.wgsl?raw';
import type { Gpu, KernelSpec } from '../kernel';
import { uniforms } from '../kernel';
import { record } from '../tape';
import type { Tensor } from '../tensor';
import { affineRaw } from './elementwise';
import { sumRaw } from './reduce';

/**
 * The reference's optional real-space loss terms (torch ModelConfig amp_loss / phase_loss, digest §4.6):
 *   Total_Variation  mean_B Σ_{C,H,W} (|x[h+1,w] − x[h,w]| + |x[h,w+1] − x[h,w]|)
 *   Mean_Deviation   mean_B Σ_{C,H,W} |x − mean_{H,W}(x)|
 * on (B, C, H, W) generator outputs; scalar results, gradients to x.
 */
const B4 = ['read', 'read', 'read', 'rw'] as const;
const k = (entryPoint: string): KernelSpec => ({ name: `regular_${entryPoint}`, code: regularWgsl, entryPoint, bindings: B4 });
const TV = k('tv_terms');
const TV_GRAD = k('tv_grad');
const MEAN = k('plane_mean');
const DEV = k('absdev_terms');
const SIGN = k('absdev_sign');
const DEV_GRAD = k('absdev_grad');

function dims(x: Tensor): { B: number; H: number; W: number; planes: number; n: number } {
  if (x.shape.length !== 4 || x.dtype !== 'f32') throw new Error(`regulariser: expected real (B, C, H, W), got ${x}`);
  const [B, C, H, W] = x.shape;
  return { B, H, W, planes: B * C, n: x.size };
}

export type Regulariser = 'Total_Variation' | 'Mean_Deviation';

export function regulariser(gpu: Gpu, x: Tensor, kind: Regulariser): Tensor {
  const { B, H, W, planes, n } = dims(x);
  const u = uniforms().u32(n, H, W, planes);
  const terms = gpu.tensor(x.shape, 'f32');
  let means: Tensor | null = null;
  if (kind === 'Total_Variation') gpu.run(TV, [x, x, x, terms], u, gpu.grid(n, 256));
  else {
    means = gpu.tensor([planes], 'f32');
    gpu.run(MEAN, [x, x, x, means], u, [Math.ceil(planes / 64)]);
    gpu.run(DEV, [x, means, x, terms], u, gpu.grid(n, 256));
  }
  const loss = sumRaw(gpu, terms, 1 / B);
  terms.dispose();
  means?.dispose();
  record(gpu, kind, [x], [loss], ([g]) => {
    if (!g) return [null];
    const gs = affineRaw(gpu, g, 1 / B);
    const out = gpu.tensor(x.shape, 'f32');
    if (kind === 'Total_Variation') gpu.run(TV_GRAD, [x, x, gs, out], u, gpu.grid(n, 256));
    else {
      const m = gpu.tensor([planes], 'f32');
      gpu.run(MEAN, [x, x, x, m], u, [Math.ceil(planes / 64)]);
      const s = gpu.tensor(x.shape, 'f32');
      gpu.run(SIGN, [x, m, x, s], u, gpu.grid(n, 256));
      gpu.run(MEAN, [s, s, s, m], u, [Math.ceil(planes / 64)]);
      gpu.run(DEV_GRAD, [s, m, gs, out], u, gpu.grid(n, 256));
      m.dispose();
      s.dispose();
    }
    gs.dispose();
    return [out];
  });
  return loss;
}
