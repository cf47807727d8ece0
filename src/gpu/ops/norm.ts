/**
 * Instance normalisation as torch's nn.InstanceNorm2d (track_running_stats = False, so train and eval agree):
 * per sample and channel over H×W, y = (x − mean)/sqrt(var + eps)·weight[c] + bias[c] with the biased variance;
 * without weight/bias it is `affine = False`. Backward to x, weight and bias (instance_norm.wgsl has the formulas).
 * The FFNO bottleneck uses (affine, eps 1e-5); the FNO input transform (no affine, eps 1e-6).
 */
import body from '../shaders/instance_norm.wgsl?raw';
import type { Gpu } from '../runtime';
import { kernelFamily } from '../kernelDecl';
import { record } from '../tape';
import type { Tensor } from '../tensor';

const params = { rows: 'u32', C: 'u32', hw: 'u32', eps: 'f32' } as const;
const family = kernelFamily({
  prefix: 'instance_norm_',
  params,
  bindings: {
    x: 'read',
    w: 'read',
    b: 'read',
    out: 'rw',
    stats: 'rw', // forward: (mean, 1/sqrt(var + eps)) per row
    saved: 'read', // backward: the forward's stats
    g: 'read',
    gx: 'rw',
    rowsum: 'rw', // backward: (Σg, Σ g·x̂) per row
    gw: 'rw',
    gb: 'rw',
  },
  code: body,
  workgroupSize: 32, // the row kernels: one 32-wide workgroup per row (instance_norm.wgsl)
});
const ROW = { rows: 'u32', C: 'u32', hw: 'u32' } as const;
const FWD_B = { x: 'read', out: 'rw', stats: 'rw' } as const;
/** out = (x − μ)·r·w[c] + b[c]; stats = (μ, r) per row */
const FWD_AFFINE = family('forward_affine', { ...ROW, eps: 'f32' }, { ...FWD_B, w: 'read', b: 'read' });
/** out = (x − μ)·r */
const FWD_PLAIN = family('forward_plain', { ...ROW, eps: 'f32' }, FWD_B);
const BWD_B = { x: 'read', saved: 'read', g: 'read', gx: 'rw', rowsum: 'rw' } as const;
/** gx = r·w·(g − mean(g) − x̂·mean(g·x̂)); rowsum = (Σg, Σ g·x̂) per row */
const BWD_AFFINE = family('backward_affine', ROW, { ...BWD_B, w: 'read' });
const BWD_PLAIN = family('backward_plain', ROW, BWD_B);
/** gb[c] = Σ_b Σg, gw[c] = Σ_b Σ g·x̂ */
const PARAM_GRAD = family('param_grad', { rows: 'u32', C: 'u32' }, { rowsum: 'rw', gw: 'rw', gb: 'rw' }, 'C');

export interface InstanceNormOptions {
  /** Per-channel scale and shift (shape [C]); both or neither (affine = False). */
  weight?: Tensor;
  bias?: Tensor;
  /** torch's default 1e-5. */
  eps?: number;
}

function check(x: Tensor, weight: Tensor | undefined, bias: Tensor | undefined): [number, number, number] {
  if (x.dtype !== 'f32' || x.shape.length !== 4) throw new Error(`instanceNorm: ${x} is not a real (B, C, H, W)`);
  const [B, C, H, W] = x.shape;
  if (!weight !== !bias) throw new Error('instanceNorm: weight and bias come together (affine) or not at all');
  for (const p of [weight, bias])
    if (p && (p.size !== C || p.dtype !== 'f32')) throw new Error(`instanceNorm: ${p} is not a real [${C}]`);
  return [B * C, C, H * W];
}

/** instanceNorm of a (B, C, H, W) tensor; differentiable in x and (when given) weight and bias. */
export function instanceNorm(gpu: Gpu, x: Tensor, opts: InstanceNormOptions = {}): Tensor {
  const { weight, bias, eps = 1e-5 } = opts;
  const [rows, C, hw] = check(x, weight, bias);
  const u = { rows, C, hw };
  const grid = gpu.grid(rows * 32, 32);
  const out = gpu.tensor(x.shape, 'f32');
  const stats = gpu.tensor([rows, 2], 'f32');
  if (weight && bias) gpu.run(FWD_AFFINE, { x, out, stats, w: weight, b: bias }, { ...u, eps }, grid);
  else gpu.run(FWD_PLAIN, { x, out, stats }, { ...u, eps }, grid);
  const inputs = weight && bias ? [x, weight, bias] : [x];
  record(gpu, 'instanceNorm', inputs, [out], ([g]) => {
    if (!g) return inputs.map(() => null);
    const gx = gpu.tensor(x.shape, 'f32');
    const rowsum = gpu.tensor([rows, 2], 'f32');
    const bind = { x, saved: stats, g, gx, rowsum };
    if (weight) gpu.run(BWD_AFFINE, { ...bind, w: weight }, u, grid);
    else gpu.run(BWD_PLAIN, bind, u, grid);
    let gw: Tensor | null = null;
    let gb: Tensor | null = null;
    if (weight && bias && (weight.requiresGrad || bias.requiresGrad)) {
      gw = gpu.tensor(weight.shape, 'f32');
      gb = gpu.tensor(bias.shape, 'f32');
      gpu.run(PARAM_GRAD, { rowsum, gw, gb }, { rows, C });
    }
    rowsum.dispose();
    const gxOut = x.requiresGrad ? gx : (gx.dispose(), null);
    return weight ? [gxOut, gw, gb] : [gxOut];
  });
  if (!(gpu.tape && inputs.some((t) => t.requiresGrad))) stats.dispose();
  return out;
}
