/**
 * Adam (torch.optim.Adam semantics: bias-corrected, L2 weight decay added to the gradient) and global
 * gradient-norm clipping, all on the GPU. The clip factor stays in a GPU buffer and is read by the Adam
 * kernel, so a clipped step has no CPU↔GPU read-back. Parameters held in one arena (src/gpu/arena.ts) are
 * stepped by one dispatch over the flat buffer: the gradients are copied into a flat twin (encoder copies, not
 * dispatches), clipped by one norm reduction, and the moments are flat too.
 */
import adamWgsl from '../shaders/adam.wgsl?raw';
import normWgsl from '../shaders/norm.wgsl?raw';
import workgroupSumWgsl from '../shaders/workgroup_sum.wgsl?raw';
import type { TensorArena } from '../arena';
import type { Gpu } from '../runtime';
import { kernelFamily } from '../kernelDecl';
import type { Tensor } from '../tensor';
import { sumRaw } from './reduce';

/** In place: g' = clip[1]·g + wd·p (clip = [norm, factor]); m, v updated; p −= (lr/bc1)·m / (sqrt(v)/sqrt(bc2) + ε) */
const adamParams = { n: 'u32', beta1: 'f32', beta2: 'f32', eps: 'f32', wd: 'f32' } as const;
const adamBindings = { p: 'rw', g: 'read', m: 'rw', v: 'rw', clip: 'read', hyper: 'read' } as const;
const ADAM = kernelFamily({
  prefix: 'adam_',
  params: adamParams,
  bindings: adamBindings,
  code: adamWgsl,
})('step', adamParams, adamBindings, 'n');
// norm.wgsl's family: one Params struct { n, chunk, max_norm }; each entry point declares the fields it reads.
const norm = kernelFamily({
  prefix: '',
  params: { n: 'u32', chunk: 'u32', max_norm: 'f32' },
  bindings: {
    x: 'read',
    partial: 'rw', // sumsq_partial: one Σ x² per workgroup
    acc: 'rw', // accumulate: acc[0] += x[0]
    sumsq: 'read', // clip_factor: [Σ g²]
    clip: 'rw', // clip_factor: [‖g‖, factor]
  },
  lib: workgroupSumWgsl,
  code: normWgsl,
});
/** partial[w] = Σ x² over chunk w */
const SUMSQ = norm('sumsq_partial', { n: 'u32', chunk: 'u32' }, { x: 'read', partial: 'rw' });
/** acc[0] += x[0] (also the trainer's GPU-side running sum of scalar losses) */
export const ACCUM = norm('accumulate', {}, { x: 'read', acc: 'rw' }, undefined, { workgroupSize: 1 });
/** clip = [sqrt(sumsq), min(1, max_norm / (sqrt(sumsq) + 1e-6))] */
const CLIP = norm('clip_factor', { max_norm: 'f32' }, { sumsq: 'read', clip: 'rw' }, undefined, { workgroupSize: 1 });

export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

export class Adam {
  private m: Tensor[];
  private v: Tensor[];
  /** [norm, factor] when not clipping: factor 1. */
  private noClip: Tensor;
  /** Steps taken (torch's `state['step']`). */
  t = 0;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  lr: number;

  /** Flat gradients, moments (one dispatch per step) when the parameters are an arena's views. */
  private flat: { grads: Tensor; m: Tensor; v: Tensor } | null = null;

  constructor(
    private readonly gpu: Gpu,
    readonly params: Tensor[],
    o: AdamOptions,
    private readonly arena?: TensorArena,
  ) {
    this.lr = o.lr;
    this.beta1 = o.beta1 ?? 0.9;
    this.beta2 = o.beta2 ?? 0.999;
    this.eps = o.eps ?? 1e-8;
    this.weightDecay = o.weightDecay ?? 0;
    if (arena) {
      if (arena.views.length !== params.length || !arena.views.every((t, i) => t === params[i])) {
        throw new Error('Adam: the arena does not hold exactly these parameters, in this order');
      }
      // Zero-filled, gaps included: a gap has p = g = 0 and stays 0 under the update.
      const floats = arena.layout.floats;
      this.flat = {
        grads: gpu.keep(gpu.zeros([floats], 'f32')),
        m: gpu.keep(gpu.zeros([floats], 'f32')),
        v: gpu.keep(gpu.zeros([floats], 'f32')),
      };
      const { m, v } = this.flat;
      this.m = params.map((p, i) => gpu.keep(gpu.view(m, arena.layout.offsets[i], p.shape)));
      this.v = params.map((p, i) => gpu.keep(gpu.view(v, arena.layout.offsets[i], p.shape)));
    } else {
      this.m = params.map((p) => gpu.keep(gpu.zeros(p.shape, p.dtype)));
      this.v = params.map((p) => gpu.keep(gpu.zeros(p.shape, p.dtype)));
    }
    this.noClip = gpu.keep(gpu.tensor([2], 'f32', [0, 1]));
    this.hyper = gpu.keep(gpu.tensor([3], 'f32'));
  }

  /** [lr, bc1, sqrt(bc2)] of the current step, written once per step. */
  private hyper: Tensor;

  /** One step with `grads` (same order as params), the gradients first clipped to global norm `clipNorm` when given. */
  step(grads: Tensor[], clipNorm?: number): void {
    if (grads.length !== this.params.length)
      throw new Error(`Adam.step: ${grads.length} grads for ${this.params.length} params`);
    grads.forEach((g, i) => {
      if (g.floats !== this.params[i].floats)
        throw new Error(`Adam.step: gradient ${g} for parameter ${this.params[i]}`);
    });
    this.t++;
    const bc1 = 1 - this.beta1 ** this.t;
    const bc2 = 1 - this.beta2 ** this.t;
    this.gpu.upload(this.hyper, [this.lr, bc1, Math.sqrt(bc2)]);
    const hyper = this.hyper;
    const scalars = { beta1: this.beta1, beta2: this.beta2, eps: this.eps, wd: this.weightDecay };
    if (this.flat && this.arena) {
      const { grads: G, m, v } = this.flat;
      grads.forEach((g, i) => this.gpu.copyInto(g, G, this.arena!.layout.offsets[i]));
      const clip = clipNorm ? clipByGlobalNorm(this.gpu, [G], clipNorm) : null;
      this.gpu.run(
        ADAM,
        { p: this.arena.base, g: G, m, v, clip: clip ?? this.noClip, hyper },
        { n: G.floats, ...scalars },
      );
      clip?.dispose();
      return;
    }
    const clip = clipNorm ? clipByGlobalNorm(this.gpu, grads, clipNorm) : null;
    this.params.forEach((p, i) => {
      this.gpu.run(
        ADAM,
        { p, g: grads[i], m: this.m[i], v: this.v[i], clip: clip ?? this.noClip, hyper },
        { n: p.floats, ...scalars },
      );
    });
    clip?.dispose();
  }

  /** Optimizer state (for checkpoints): first and second moments per parameter. */
  state(): { m: Tensor[]; v: Tensor[]; t: number } {
    return { m: this.m, v: this.v, t: this.t };
  }

  /** The state read back to the CPU (a checkpoint; not for the hot loop). */
  async snapshot(): Promise<{ m: Float32Array[]; v: Float32Array[]; t: number }> {
    const m: Float32Array[] = [],
      v: Float32Array[] = [];
    for (let i = 0; i < this.params.length; i++) {
      m.push(await this.gpu.read(this.m[i]));
      v.push(await this.gpu.read(this.v[i]));
    }
    return { m, v, t: this.t };
  }

  /** Restore a snapshot (same parameter order and sizes). */
  load(s: { m: Float32Array[]; v: Float32Array[]; t: number }): void {
    if (s.m.length !== this.params.length || s.v.length !== this.params.length) {
      throw new Error(`Adam.load: state for ${s.m.length} parameters, optimizer has ${this.params.length}`);
    }
    this.params.forEach((p, i) => {
      this.gpu.upload(this.m[i], s.m[i]);
      this.gpu.upload(this.v[i], s.v[i]);
    });
    this.t = s.t;
  }

  dispose(): void {
    for (const t of [...this.m, ...this.v, this.noClip, this.hyper]) t.dispose();
    if (this.flat) for (const t of [this.flat.grads, this.flat.m, this.flat.v]) t.dispose();
  }
}

/** Σ over tensors of Σ g² → a GPU scalar [1]. */
export function sumOfSquares(gpu: Gpu, grads: Tensor[]): Tensor {
  const acc = gpu.zeros([1], 'f32');
  for (const g of grads) {
    const chunk = 4096;
    const groups = Math.max(1, Math.ceil(g.floats / chunk));
    const partial = gpu.tensor([groups], 'f32');
    gpu.run(SUMSQ, { x: g, partial }, { n: g.floats, chunk }, [groups]);
    const s = sumRaw(gpu, partial);
    gpu.run(ACCUM, { x: s, acc }, undefined, [1]);
    partial.dispose();
    s.dispose();
  }
  return acc;
}

/** [‖g‖₂ over all grads, clip factor min(1, maxNorm/(‖g‖+1e-6))] as a GPU tensor of 2 floats. */
export function clipByGlobalNorm(gpu: Gpu, grads: Tensor[], maxNorm: number): Tensor {
  const ss = sumOfSquares(gpu, grads);
  const out = gpu.tensor([2], 'f32');
  gpu.run(CLIP, { sumsq: ss, clip: out }, { max_norm: maxNorm }, [1]);
  ss.dispose();
  return out;
}
