import lossWgsl from '../shaders/loss.wgsl?raw';
import packWgsl from '../shaders/pack2.wgsl?raw';
import type { Gpu, KernelSpec } from '../kernel';
import { uniforms } from '../kernel';
import { record } from '../tape';
import type { Tensor } from '../tensor';
import { sameShape } from '../tensor';
import { sumRaw } from './reduce';

/**
 * PtychoPINN's losses exactly as the reference `compute_loss` (design.md §3 "Loss", digest §4.6):
 *   norm    = mean(observed) + 1e-8                      (a constant: no gradient, as torch detaches it)
 *   poisson = mean_B Σ_{C,H,W} [λ − k ln λ + lgamma(k+1)] / norm,  λ = (S·pred)², k = (S·obs)²
 *   mae     = mean_{B,C,H,W} |S·pred − S·obs| / norm
 * `S` is the physics scale per sample, shape [B]. Gradients flow to `pred` only.
 */
const B5 = ['read', 'read', 'read', 'rw', 'read'] as const;
const spec = (entryPoint: string): KernelSpec => ({ name: `loss_${entryPoint}`, code: lossWgsl, entryPoint, bindings: B5 });
const POISSON_TERMS = spec('poisson_terms');
const MAE_TERMS = spec('mae_terms');
const FINISH = spec('finish');
const POISSON_GRAD = spec('poisson_grad');
const MAE_GRAD = spec('mae_grad');
const L1_TERMS = spec('l1_terms');
const L1_GRAD = spec('l1_grad');

export type LossMode = 'poisson' | 'mae';

export function ptychoLoss(gpu: Gpu, pred: Tensor, obs: Tensor, S: Tensor, mode: LossMode = 'poisson'): Tensor {
  if (!sameShape(pred.shape, obs.shape) || pred.dtype !== 'f32' || obs.dtype !== 'f32') {
    throw new Error(`ptychoLoss: pred ${pred} and observed ${obs} must be equal-shaped f32`);
  }
  const B = pred.shape[0];
  if (S.size !== B) throw new Error(`ptychoLoss: S ${S} must have one value per sample (B=${B})`);
  const n = pred.size;
  const perSample = n / B;
  const invCount = mode === 'poisson' ? 1 / B : 1 / n;
  const terms = gpu.tensor(pred.shape, 'f32');
  const u = uniforms().u32(n, perSample).f32(invCount).u32(0);
  gpu.run(mode === 'poisson' ? POISSON_TERMS : MAE_TERMS, [pred, obs, S, terms, S], u, gpu.grid(n, 256));
  const total = sumRaw(gpu, terms);
  terms.dispose();
  const meanObs = sumRaw(gpu, obs, 1 / n);
  const loss = gpu.tensor([1], 'f32');
  gpu.run(FINISH, [total, meanObs, S, loss, S], u, [1]);
  total.dispose();
  record(gpu, `loss_${mode}`, [pred], [loss], ([g]) => {
    if (!g) return [null];
    return [lossGrad(gpu, pred, obs, S, g, meanObs, mode)];
  });
  // With a tape, mean(observed) lives until backward (the step's tidy scope frees it).
  if (!gpu.tape || !pred.requiresGrad) meanObs.dispose();
  return loss;
}

function lossGrad(gpu: Gpu, pred: Tensor, obs: Tensor, S: Tensor, g: Tensor, meanObs: Tensor, mode: LossMode): Tensor {
  const n = pred.size;
  const B = pred.shape[0];
  const invCount = mode === 'poisson' ? 1 / B : 1 / n;
  const gm = packPair(gpu, g, meanObs);
  const out = gpu.tensor(pred.shape, 'f32');
  gpu.run(mode === 'poisson' ? POISSON_GRAD : MAE_GRAD, [pred, obs, S, out, gm], uniforms().u32(n, n / B).f32(invCount).u32(0), gpu.grid(n, 256));
  gm.dispose();
  return out;
}

const PACK2: KernelSpec = { name: 'pack2', code: packWgsl, entryPoint: 'main', bindings: ['read', 'read', 'rw'], uniform: false };

/** [a[0], b[0]] as a 2-element tensor (GPU-side; no read-back). */
export function packPair(gpu: Gpu, a: Tensor, b: Tensor): Tensor {
  const out = gpu.tensor([2], 'f32');
  gpu.run(PACK2, [a, b, out], null, [1]);
  return out;
}

/** mean |pred − target| (torch nn.L1Loss) — the supervised mode's term; gradient to pred only. */
export function l1Loss(gpu: Gpu, pred: Tensor, target: Tensor): Tensor {
  if (!sameShape(pred.shape, target.shape) || pred.dtype !== 'f32' || target.dtype !== 'f32') {
    throw new Error(`l1Loss: ${pred} and ${target} must be equal-shaped f32`);
  }
  const n = pred.size;
  const u = uniforms().u32(n, n).f32(1 / n).u32(0);
  const terms = gpu.tensor(pred.shape, 'f32');
  gpu.run(L1_TERMS, [pred, target, target, terms, target], u, gpu.grid(n, 256));
  const loss = sumRaw(gpu, terms, 1 / n);
  terms.dispose();
  record(gpu, 'l1Loss', [pred], [loss], ([g]) => {
    if (!g) return [null];
    const gm = packPair(gpu, g, g);
    const out = gpu.tensor(pred.shape, 'f32');
    gpu.run(L1_GRAD, [pred, target, target, out, gm], u, gpu.grid(n, 256));
    gm.dispose();
    return [out];
  });
  return loss;
}
