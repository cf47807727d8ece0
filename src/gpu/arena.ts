/**
 * A tensor arena: many tensors as views into one GPU buffer, each at an offset aligned for storage bindings.
 * The model's trainable parameters live in one, so the optimizer updates all of them (and clips their gradient
 * norm) in one dispatch over the flat buffer instead of one per parameter. Gaps between views stay zero.
 */
import type { Gpu } from './runtime';
import type { Tensor } from './tensor';

export interface ArenaLayout {
  /** Float offset of each tensor. */
  offsets: number[];
  /** Floats in the whole arena (a multiple of the alignment). */
  floats: number;
}

/** Offsets of tensors of the given shapes, each aligned to `alignFloats` floats, in order. */
export function arenaLayout(shapes: readonly (readonly number[])[], alignFloats: number): ArenaLayout {
  if (!Number.isInteger(alignFloats) || alignFloats < 1) throw new RangeError(`arenaLayout: alignment ${alignFloats}`);
  const offsets: number[] = [];
  let at = 0;
  for (const s of shapes) {
    offsets.push(at);
    const n = s.reduce((a, b) => a * b, 1);
    at += Math.ceil(Math.max(n, 1) / alignFloats) * alignFloats;
  }
  return { offsets, floats: Math.max(at, alignFloats) };
}

export class TensorArena {
  /** The flat buffer (f32, `layout.floats`). */
  readonly base: Tensor;
  readonly views: Tensor[];
  readonly layout: ArenaLayout;

  /** An arena of f32 tensors of `shapes`, zero-filled (gaps included). Owned by the caller: `dispose()` it. */
  constructor(
    private readonly gpu: Gpu,
    shapes: readonly (readonly number[])[],
  ) {
    const alignFloats = gpu.device.limits.minStorageBufferOffsetAlignment / 4;
    this.layout = arenaLayout(shapes, alignFloats);
    this.base = gpu.keep(gpu.zeros([this.layout.floats], 'f32'));
    this.views = shapes.map((s, i) => gpu.keep(gpu.view(this.base, this.layout.offsets[i], s)));
  }

  dispose(): void {
    for (const v of this.views) v.dispose();
    this.base.dispose();
  }
}
