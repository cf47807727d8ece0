/**
 * A tensor is a pooled GPU buffer + a C-order shape + a dtype. Complex tensors ('c64') store interleaved
 * (re, im) float32 pairs — `array<vec2<f32>>` in WGSL, the same bytes as numpy complex64.
 * Layout is NCHW as in the PyTorch reference (specs/architecture.md, Conventions).
 */
import type { Gpu } from './runtime';

export type TensorDType = 'f32' | 'c64';

let nextId = 1;

export class Tensor {
  readonly id = nextId++;
  /** Set by the tape for parameters and for values whose gradient is wanted. */
  requiresGrad = false;
  /** Human name (parameter name, op name) for errors and debugging. */
  name = '';
  private disposed = false;

  constructor(
    readonly gpu: Gpu,
    readonly buffer: GPUBuffer,
    readonly shape: readonly number[],
    readonly dtype: TensorDType,
    /** Byte offset into `buffer`: non-zero only for views into an arena (src/gpu/arena.ts). */
    readonly offset = 0,
    /** The tensor whose buffer a view shares; a view never returns the buffer to the pool. */
    readonly base: Tensor | null = null,
  ) {}

  /** Number of elements (a complex number counts once). */
  get size(): number {
    let n = 1;
    for (const d of this.shape) n *= d;
    return n;
  }

  /** Number of float32 values stored (2 per complex element). */
  get floats(): number {
    return this.dtype === 'c64' ? 2 * this.size : this.size;
  }

  get byteLength(): number {
    return 4 * this.floats;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Return the buffer to the pool. Safe to call twice. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.gpu.releaseTensor(this);
  }

  toString(): string {
    return `Tensor#${this.id}${this.name ? ` ${this.name}` : ''} ${this.dtype}[${this.shape.join(',')}]`;
  }
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function assertShape(t: Tensor, shape: readonly number[], what: string): void {
  if (!sameShape(t.shape, shape)) {
    throw new Error(`${what}: expected shape [${shape.join(',')}], got [${t.shape.join(',')}] (${t})`);
  }
}
