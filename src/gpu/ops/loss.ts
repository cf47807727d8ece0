/**
 * PtychoPINN's losses exactly as the reference `compute_loss`:
 *   norm    = mean(observed) + 1e-8                      (a constant: no gradient, as torch detaches it)
 *   poisson = mean_B Σ_{C,H,W} [λ − k ln λ + lgamma(k+1)] / norm,  λ = (S·pred)², k = (S·obs)²
 *   mae     = mean_{B,C,H,W} |S·pred − S·obs| / norm
 * `S` is the physics scale per sample, shape [B]. Gradients flow to `pred` only.
 */
import lossWgsl from '../shaders/loss.wgsl?raw';
import packWgsl from '../shaders/pack2.wgsl?raw';
import type { Gpu } from '../runtime';
import { kernelFamily } from '../kernelDecl';
import { record } from '../tape';
import type { Tensor } from '../tensor';
import { sameShape } from '../tensor';
import { sumRaw } from './reduce';

// One Params struct for loss.wgsl: per_sample maps an element to its sample's S, inv_count is 1/B or 1/n.
const params = { n: 'u32', per_sample: 'u32', inv_count: 'f32' } as const;
const lossBindings = {
  pred: 'read',
  obs: 'read',
  scale: 'read', // S per sample (B)
  out: 'rw', // per-element terms, or gradients
  gm: 'read', // [g (d total / d loss), mean_obs]
  expected: 'read', // l1: the supervised target
  g: 'read', // l1_grad: [upstream gradient]
  total: 'read', // finish: [Σ terms]
  mean_obs: 'read', // finish: [mean(observed)]
  loss: 'rw', // finish: [loss]
} as const;
const loss = kernelFamily({ prefix: 'loss_', params, bindings: lossBindings, code: lossWgsl });
const loss1d = <B extends keyof typeof lossBindings>(
  entryPoint: string,
  bindings: Readonly<Record<B, 'read' | 'rw'>>,
) => loss(entryPoint, params, bindings, 'n');
/** out = λ − k ln λ + lgamma(k+1) per element, λ = (S·pred)², k = (S·obs)² */
const POISSON_TERMS = loss1d('poisson_terms', { pred: 'read', obs: 'read', scale: 'read', out: 'rw' });
/** out = |S·pred − S·obs| per element */
const MAE_TERMS = loss1d('mae_terms', { pred: 'read', obs: 'read', scale: 'read', out: 'rw' });
/** loss = total · inv_count / (mean_obs + 1e-8) */
const FINISH = loss('finish', params, { total: 'read', mean_obs: 'read', loss: 'rw' }, undefined, { workgroupSize: 1 });
/** Adjoint of the Poisson loss w.r.t. pred: out = g · inv_count / (mean_obs + 1e-8) · (2S²·pred − 2k/pred) */
const POISSON_GRAD = loss1d('poisson_grad', { pred: 'read', obs: 'read', scale: 'read', gm: 'read', out: 'rw' });
/** Adjoint of the MAE loss w.r.t. pred: out = g · inv_count / (mean_obs + 1e-8) · S · sign(S·pred − S·obs) */
const MAE_GRAD = loss1d('mae_grad', { pred: 'read', obs: 'read', scale: 'read', gm: 'read', out: 'rw' });
/** out = |pred − expected| per element */
const L1_TERMS = loss1d('l1_terms', { pred: 'read', expected: 'read', out: 'rw' });
/** Adjoint of the L1 loss w.r.t. pred: out = g · inv_count · sign(pred − expected) */
const L1_GRAD = loss1d('l1_grad', { pred: 'read', expected: 'read', g: 'read', out: 'rw' });

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
  const u = { n, per_sample: perSample, inv_count: invCount };
  gpu.run(mode === 'poisson' ? POISSON_TERMS : MAE_TERMS, { pred, obs, scale: S, out: terms }, u);
  const total = sumRaw(gpu, terms);
  terms.dispose();
  const meanObs = sumRaw(gpu, obs, 1 / n);
  const loss = gpu.tensor([1], 'f32');
  gpu.run(FINISH, { total, mean_obs: meanObs, loss }, u, [1]);
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
  gpu.run(
    mode === 'poisson' ? POISSON_GRAD : MAE_GRAD,
    { pred, obs, scale: S, gm, out },
    { n, per_sample: n / B, inv_count: invCount },
  );
  gm.dispose();
  return out;
}

/** out = [a[0], b[0]] */
const PACK2 = kernelFamily({
  prefix: 'pack2_',
  bindings: { a: 'read', b: 'read', out: 'rw' },
  code: packWgsl,
  workgroupSize: 1,
})('main', {}, { a: 'read', b: 'read', out: 'rw' }, undefined, { name: 'pack2' });

/** [a[0], b[0]] as a 2-element tensor (GPU-side; no read-back). */
export function packPair(gpu: Gpu, a: Tensor, b: Tensor): Tensor {
  const out = gpu.tensor([2], 'f32');
  gpu.run(PACK2, { a, b, out }, undefined, [1]);
  return out;
}

/** mean |pred − target| (torch nn.L1Loss) — the supervised mode's term; gradient to pred only. */
export function l1Loss(gpu: Gpu, pred: Tensor, target: Tensor): Tensor {
  if (!sameShape(pred.shape, target.shape) || pred.dtype !== 'f32' || target.dtype !== 'f32') {
    throw new Error(`l1Loss: ${pred} and ${target} must be equal-shaped f32`);
  }
  const n = pred.size;
  const u = { n, per_sample: n, inv_count: 1 / n };
  const terms = gpu.tensor(pred.shape, 'f32');
  gpu.run(L1_TERMS, { pred, expected: target, out: terms }, u);
  const loss = sumRaw(gpu, terms, 1 / n);
  terms.dispose();
  record(gpu, 'l1Loss', [pred], [loss], ([g]) => {
    if (!g) return [null];
    const out = gpu.tensor(pred.shape, 'f32');
    gpu.run(L1_GRAD, { pred, expected: target, g, out }, u);
    return [out];
  });
  return loss;
}
