/**
 * Reverse-mode autodiff by a tape of op-level adjoints (TF.js / webgpu-torch style; specs/architecture.md, The GPU engine).
 * Each op wrapper computes its forward on the GPU and, when a tape is active and an input requires a
 * gradient, records a node whose `backward` maps output gradients to input gradients with GPU kernels.
 * Complex tensors use the real-pair convention: for a real loss L and complex z the gradient is
 * ∂L/∂Re z + i ∂L/∂Im z — exactly PyTorch's `.grad` for real losses.
 */
import type { Gpu } from './runtime';
import type { Tensor } from './tensor';
import { axpbyRaw } from './ops/axpby';

export type BackwardFn = (gradOutputs: (Tensor | null)[]) => (Tensor | null)[];

interface TapeNode {
  name: string;
  inputs: Tensor[];
  outputs: Tensor[];
  backward: BackwardFn;
}

export class Tape {
  private nodes: TapeNode[] = [];

  constructor(private readonly gpu: Gpu) {}

  /** Run `fn` with this tape recording. Tapes do not nest. */
  run<T>(fn: () => T): T {
    if (this.gpu.tape) throw new Error('Tape.run: a tape is already active');
    this.gpu.tape = this;
    try {
      return fn();
    } finally {
      this.gpu.tape = null;
    }
  }

  record(name: string, inputs: Tensor[], outputs: Tensor[], backward: BackwardFn): void {
    this.nodes.push({ name, inputs, outputs, backward });
  }

  get length(): number {
    return this.nodes.length;
  }

  /**
   * Gradients of the scalar `loss` with respect to `wrt` (tensors with requiresGrad), in order; a tensor that
   * does not influence the loss gets zeros. Intermediate gradients are disposed as soon as they are consumed.
   * `seed` overrides d loss / d loss = 1 (e.g. a weighted sum of outputs).
   */
  gradients(loss: Tensor, wrt: Tensor[], seed?: Tensor): Tensor[] {
    const gpu = this.gpu;
    const grads = new Map<number, Tensor>();
    const wanted = new Set(wrt.map((t) => t.id));
    const s = seed ?? gpu.tensor(loss.shape, loss.dtype, new Float32Array(loss.floats).fill(1));
    grads.set(loss.id, s);
    const accumulate = (t: Tensor, g: Tensor) => {
      const prev = grads.get(t.id);
      if (!prev) {
        grads.set(t.id, g);
        return;
      }
      const sum = axpbyRaw(gpu, 1, prev, 1, g);
      if (prev !== s || !seed) prev.dispose();
      g.dispose();
      grads.set(t.id, sum);
    };
    for (let n = this.nodes.length - 1; n >= 0; n--) {
      const node = this.nodes[n];
      const gOut = node.outputs.map((o) => grads.get(o.id) ?? null);
      if (gOut.every((g) => g === null)) continue;
      const gIn = node.backward(gOut);
      if (gIn.length !== node.inputs.length) {
        throw new Error(`Tape: backward of ${node.name} returned ${gIn.length} grads for ${node.inputs.length} inputs`);
      }
      // Output gradients are consumed: free them unless the caller asked for them.
      for (const o of node.outputs) {
        const g = grads.get(o.id);
        if (g && !wanted.has(o.id)) {
          grads.delete(o.id);
          if (g !== seed) g.dispose();
        }
      }
      node.inputs.forEach((inp, i) => {
        const g = gIn[i];
        if (!g) return;
        if (!inp.requiresGrad) {
          g.dispose();
          return;
        }
        if (g.floats !== inp.floats) {
          throw new Error(`Tape: backward of ${node.name} gave grad ${g} for input ${inp}`);
        }
        accumulate(inp, g);
      });
    }
    const out = wrt.map((t) => {
      const g = grads.get(t.id);
      grads.delete(t.id);
      return g ?? gpu.zeros(t.shape, t.dtype);
    });
    for (const [, g] of grads) if (g !== seed) g.dispose();
    this.nodes = [];
    return out;
  }

  /** Forget recorded nodes without computing gradients. */
  clear(): void {
    this.nodes = [];
  }
}

/** Record a node if a tape is active and some input requires a gradient; marks outputs as requiring grad. */
export function record(gpu: Gpu, name: string, inputs: Tensor[], outputs: Tensor[], backward: BackwardFn): void {
  if (!gpu.tape || !inputs.some((t) => t.requiresGrad)) return;
  for (const o of outputs) o.requiresGrad = true;
  gpu.tape.record(name, inputs, outputs, backward);
}
