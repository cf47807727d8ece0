/** MaxPool2d(2) and Upsample(scale_factor=2, mode='nearest') on NCHW tensors, with gather adjoints. */
import poolWgsl from '../shaders/pool.wgsl?raw';
import type { Gpu } from '../runtime';
import { kernelFamily } from '../kernelDecl';
import { record } from '../tape';
import type { Tensor } from '../tensor';

const params = { planes: 'u32', h: 'u32', w: 'u32' } as const;
const kernel = kernelFamily({
  prefix: 'pool_',
  params,
  bindings: { x: 'read', g: 'read', out: 'rw' },
  code: poolWgsl,
});
type Dims = Readonly<Record<keyof typeof params, number>>;
const inputs = (p: Dims) => p.planes * p.h * p.w;
/** out = max over each 2×2 window of x */
const MAXPOOL = kernel(
  'maxpool',
  params,
  { x: 'read', out: 'rw' },
  (p) => p.planes * Math.floor(p.h / 2) * Math.floor(p.w / 2),
);
/** Adjoint of maxPool2x2 w.r.t. x: out = g of the window at its (first) argmax, 0 elsewhere */
const MAXPOOL_GRAD = kernel('maxpool_grad', params, { x: 'read', g: 'read', out: 'rw' }, inputs);
/** out = nearest ×2 up-sampling of x */
const UP = kernel('upsample', params, { x: 'read', out: 'rw' }, (p) => 4 * inputs(p));
/** Adjoint of upsample2x w.r.t. x: out = Σ of g over each 2×2 block */
const UP_GRAD = kernel('upsample_grad', params, { g: 'read', out: 'rw' }, inputs);

function nchw(x: Tensor, op: string): [number, number, number, number] {
  if (x.shape.length !== 4 || x.dtype !== 'f32') throw new Error(`${op}: expected a real NCHW tensor, got ${x}`);
  return x.shape as unknown as [number, number, number, number];
}

export function maxPool2x2(gpu: Gpu, x: Tensor): Tensor {
  const [B, C, H, W] = nchw(x, 'maxPool2x2');
  const out = gpu.tensor([B, C, Math.floor(H / 2), Math.floor(W / 2)], 'f32');
  const u = { planes: B * C, h: H, w: W };
  gpu.run(MAXPOOL, { x, out }, u);
  record(gpu, 'maxPool2x2', [x], [out], ([g]) => {
    if (!g) return [null];
    const gx = gpu.tensor(x.shape, 'f32');
    gpu.run(MAXPOOL_GRAD, { x, g, out: gx }, u);
    return [gx];
  });
  return out;
}

export function upsample2x(gpu: Gpu, x: Tensor): Tensor {
  const [B, C, H, W] = nchw(x, 'upsample2x');
  const out = gpu.tensor([B, C, 2 * H, 2 * W], 'f32');
  const u = { planes: B * C, h: H, w: W };
  gpu.run(UP, { x, out }, u);
  record(gpu, 'upsample2x', [x], [out], ([g]) => {
    if (!g) return [null];
    const gx = gpu.tensor(x.shape, 'f32');
    gpu.run(UP_GRAD, { g, out: gx }, u);
    return [gx];
  });
  return out;
}
