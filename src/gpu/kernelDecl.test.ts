/** Tests of self-describing kernels (src/gpu/kernelDecl.ts): declaration checks against WGSL and parameter packing. */
import { describe, expect, it } from 'vitest';
import { defineKernel, invocationsOf, packParams } from './kernelDecl';

const WGSL = `
override WG: u32 = 64u;
struct Params { n: u32, scale: f32, shift: i32 }
@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
// @group(0) @binding(9) var<storage, read> commented_out: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read> g: array<f32>;
fn shifted(v: f32) -> f32 { return v * u.scale + f32(u.shift); }
@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (gid.x >= u.n) { return; }
  out[gid.x] = shifted(x[gid.x]);
}
@compute @workgroup_size(8, 8)
fn tiled(@builtin(global_invocation_id) gid: vec3<u32>) { }
`;
const ok = {
  name: 't',
  code: WGSL,
  entryPoint: 'forward',
  params: { scale: 'f32', n: 'u32', shift: 'i32' },
  bindings: { x: 'read', out: 'rw' },
  workgroupSize: 128,
  invocations: 'n',
} as const;

describe('self-describing kernels', () => {
  it('binds by WGSL index, sets the workgroup override, packs params in the struct order', () => {
    const k = defineKernel(ok);
    expect(k.storage).toEqual([
      { name: 'x', binding: 1, access: 'read' },
      { name: 'out', binding: 2, access: 'rw' },
    ]);
    expect(k.constants).toEqual({ WG: 128 });
    expect(k.workgroupSize).toEqual([128, 1, 1]);
    const b = packParams(k, { shift: -3, n: 7, scale: 0.5 });
    const dv = new DataView(b.buffer);
    expect(b.byteLength).toBe(16);
    expect([dv.getUint32(0, true), dv.getFloat32(4, true), dv.getInt32(8, true)]).toEqual([7, 0.5, -3]);
    expect(invocationsOf(k, { n: 7, scale: 0, shift: 0 })).toBe(7);
    // A literal size must match; another entry point of the same module binds another subset.
    const tiled = defineKernel({
      ...ok,
      entryPoint: 'tiled',
      workgroupSize: [8, 8],
      bindings: { g: 'read', out: 'rw' },
      params: { n: 'u32' },
      invocations: undefined,
    });
    expect(tiled.storage.map((s) => s.binding)).toEqual([3, 2]);
    // Fields of the shared struct this entry point never reads are packed as 0, and cannot be set by mistake.
    expect(Array.from(new Uint32Array(packParams(tiled, { n: 9 }).buffer))).toEqual([9, 0, 0, 0]);
    expect(() => packParams(tiled, { n: 9, scale: 1 })).toThrow(/unknown param 'scale'/);
  });

  it('refuses a declaration that disagrees with its WGSL, naming the field', () => {
    expect(() => defineKernel({ ...ok, params: { n: 'u32', scale: 'f32' } })).toThrow(
      /reads u\.shift but the declaration's params lack 'shift'/,
    );
    expect(() => defineKernel({ ...ok, params: { n: 'u32', scale: 'u32', shift: 'i32' } })).toThrow(
      /param 'scale' is declared u32 but Params\.scale is f32/,
    );
    expect(() => defineKernel({ ...ok, params: { ...ok.params, extra: 'u32' }, invocations: 'n' as never })).toThrow(
      /'extra' has no field/,
    );
    expect(() => defineKernel({ ...ok, bindings: { x: 'rw', out: 'rw' } })).toThrow(
      /binding 'x' is declared 'rw' but the WGSL says 'read'/,
    );
    expect(() => defineKernel({ ...ok, bindings: { y: 'read' } as never })).toThrow(/binding 'y' is not declared/);
    expect(() => defineKernel({ ...ok, bindings: { commented_out: 'read' } as never })).toThrow(
      /'commented_out' is not declared/,
    );
    expect(() => defineKernel({ ...ok, entryPoint: 'tiled', workgroupSize: [16, 16] })).toThrow(
      /has 8 in dimension 0 but the declaration says 16/,
    );
    expect(() => defineKernel({ ...ok, entryPoint: 'nope' })).toThrow(/fn nope/);
    expect(() => defineKernel({ ...ok, invocations: 'm' as never })).toThrow(/invocations 'm'/);
  });

  it('refuses parameter values that do not fit, naming them', () => {
    const k = defineKernel(ok);
    expect(() => packParams(k, { n: 1, scale: 1 })).toThrow(/param 'shift' missing/);
    expect(() => packParams(k, { n: -1, scale: 1, shift: 0 })).toThrow(/'n' = -1 is not a u32/);
    expect(() => packParams(k, { n: 1, scale: 1, shift: 0, typo: 2 })).toThrow(/unknown param 'typo'/);
  });
});
