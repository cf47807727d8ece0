/**
 * The reference's optional real-space loss terms (torch ModelConfig amp_loss / phase_loss):
 *   Total_Variation  mean_B Σ_{C,H,W} (|x[h+1,w] − x[h,w]| + |x[h,w+1] − x[h,w]|)
 *   Mean_Deviation   mean_B Σ_{C,H,W} |x − mean_{H,W}(x)|
 * on (B, C, H, W) generator outputs; scalar results, gradients to x.
 */
import regularWgsl from '../shaders/regular.wgsl?raw';
import type { Gpu } from '../runtime';
import { kernelFamily } from '../kernelDecl';
import { record } from '../tape';
import type { Tensor } from '../tensor';
import { affineRaw } from './axpby';
import { sumRaw } from './reduce';

const params = { n: 'u32', H: 'u32', W: 'u32', planes: 'u32' } as const;
const kernel = kernelFamily({
  prefix: 'regular_',
  params,
  bindings: {
    x: 'read',
    m: 'read', // per-plane means of x
    g: 'read', // [upstream gradient · coefficient]
    out: 'rw',
    s: 'read', // absdev_grad: sign(x − m) per element
    s_mean: 'read', // absdev_grad: per-plane means of s
  },
  code: regularWgsl,
});
/** out = |x[h+1,w] − x[h,w]| + |x[h,w+1] − x[h,w]| per element */
const TV = kernel('tv_terms', params, { x: 'read', out: 'rw' }, 'n');
/** Adjoint of Total_Variation w.r.t. x: out = g · Σ_neighbours ±sign(Δx) */
const TV_GRAD = kernel('tv_grad', params, { x: 'read', g: 'read', out: 'rw' }, 'n');
/** out[p] = mean over plane p of x (one invocation per plane) */
const MEAN = kernel('plane_mean', params, { x: 'read', out: 'rw' }, 'planes', { workgroupSize: 64 });
/** out = |x − m_plane| per element */
const DEV = kernel('absdev_terms', params, { x: 'read', m: 'read', out: 'rw' }, 'n');
/** out = sign(x − m_plane) per element */
const SIGN = kernel('absdev_sign', params, { x: 'read', m: 'read', out: 'rw' }, 'n');
/** Adjoint of Mean_Deviation w.r.t. x: out = g · (s − mean_plane(s)), s = sign(x − m_plane) */
const DEV_GRAD = kernel('absdev_grad', params, { s: 'read', s_mean: 'read', g: 'read', out: 'rw' }, 'n');

function dims(x: Tensor): { B: number; H: number; W: number; planes: number; n: number } {
  if (x.shape.length !== 4 || x.dtype !== 'f32') throw new Error(`regulariser: expected real (B, C, H, W), got ${x}`);
  const [B, C, H, W] = x.shape;
  return { B, H, W, planes: B * C, n: x.size };
}

export type Regulariser = 'Total_Variation' | 'Mean_Deviation';

export function regulariser(gpu: Gpu, x: Tensor, kind: Regulariser): Tensor {
  const { B, H, W, planes, n } = dims(x);
  const u = { n, H, W, planes };
  const terms = gpu.tensor(x.shape, 'f32');
  let means: Tensor | null = null;
  if (kind === 'Total_Variation') gpu.run(TV, { x, out: terms }, u);
  else {
    means = gpu.tensor([planes], 'f32');
    gpu.run(MEAN, { x, out: means }, u);
    gpu.run(DEV, { x, m: means, out: terms }, u);
  }
  const loss = sumRaw(gpu, terms, 1 / B);
  terms.dispose();
  means?.dispose();
  record(gpu, kind, [x], [loss], ([g]) => {
    if (!g) return [null];
    const gs = affineRaw(gpu, g, 1 / B);
    const out = gpu.tensor(x.shape, 'f32');
    if (kind === 'Total_Variation') gpu.run(TV_GRAD, { x, g: gs, out }, u);
    else {
      const m = gpu.tensor([planes], 'f32');
      gpu.run(MEAN, { x, out: m }, u);
      const s = gpu.tensor(x.shape, 'f32');
      gpu.run(SIGN, { x, m, out: s }, u);
      gpu.run(MEAN, { x: s, out: m }, u); // m now holds the plane means of s
      gpu.run(DEV_GRAD, { s, s_mean: m, g: gs, out }, u);
      m.dispose();
      s.dispose();
    }
    gs.dispose();
    return [out];
  });
  return loss;
}
