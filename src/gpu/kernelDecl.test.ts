/** Tests of self-describing kernels (src/gpu/kernelDecl.ts): declaration checks against WGSL and parameter packing. */
import { describe, expect, it } from 'vitest';
import { defineKernel, invocationsOf, kernelFamily, packParams, wgslHeader } from './kernelDecl';
import indexWgsl from './shaders/index.wgsl?raw';

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

describe('generated WGSL headers (kernelFamily with a declaration)', () => {
  const body = `
override WG: u32 = 64u;
@compute @workgroup_size(WG)
fn fwd(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (gid.x >= u.n) { return; }
  out[gid.x] = z[gid.x] * u.scale + f32(u.shift) + f32(idx[0]);
}
@compute @workgroup_size(WG)
fn copy(@builtin(global_invocation_id) gid: vec3<u32>) { out[gid.x] = z[gid.x]; }
`;
  const family = {
    prefix: 'fam_',
    params: { n: 'u32', scale: 'f32', shift: 'i32' },
    bindings: {
      z: { access: 'read', type: 'array<vec2<f32>>' },
      idx: { access: 'read', type: 'array<u32>' },
      out: 'rw',
    },
    code: body,
  } as const;

  it('writes struct Params in the declared order, the uniform at 0 and the bindings at 1, 2, … with access and type', () => {
    expect(wgslHeader(family.params, family.bindings)).toBe(
      [
        'struct Params { n: u32, scale: f32, shift: i32 }',
        '@group(0) @binding(0) var<uniform> u: Params;',
        '@group(0) @binding(1) var<storage, read> z: array<vec2<f32>>;',
        '@group(0) @binding(2) var<storage, read> idx: array<u32>;',
        '@group(0) @binding(3) var<storage, read_write> out: array<f32>;',
        '',
      ].join('\n'),
    );
    // No params: no struct and no uniform; storage still starts at 1.
    expect(wgslHeader(undefined, { a: 'read', b: 'rw' })).toBe(
      '@group(0) @binding(1) var<storage, read> a: array<f32>;\n' +
        '@group(0) @binding(2) var<storage, read_write> b: array<f32>;\n',
    );
    expect(() => wgslHeader({ 'bad name': 'u32' }, {})).toThrow(/'bad name: u32' is not a WGSL identifier/);
  });

  it('binds each kernel at the generated slots; unread fields pack as 0', () => {
    const kernel = kernelFamily({ ...family, lib: '// a library\n' });
    const fwd = kernel('fwd', { n: 'u32', scale: 'f32', shift: 'i32' }, { z: 'read', idx: 'read', out: 'rw' }, 'n');
    expect(fwd.name).toBe('fam_fwd');
    expect(fwd.code.startsWith(indexWgsl + '// a library\nstruct Params { n: u32, scale: f32, shift: i32 }')).toBe(
      true,
    );
    expect(fwd.storage).toEqual([
      { name: 'z', binding: 1, access: 'read' },
      { name: 'idx', binding: 2, access: 'read' },
      { name: 'out', binding: 3, access: 'rw' },
    ]);
    const copy = kernel('copy', {}, { out: 'rw', z: 'read' }, undefined, { name: 'fam_copy2', workgroupSize: 32 });
    expect(copy.name).toBe('fam_copy2');
    expect(copy.storage.map((s) => s.binding)).toEqual([3, 1]);
    expect(copy.uniformFields).toEqual([]);
    const partial = kernel('fwd', { n: 'u32', scale: 'f32', shift: 'i32' }, { z: 'read', idx: 'read', out: 'rw' });
    expect(Array.from(new Int32Array(packParams(partial, { n: 2, scale: 0, shift: -1 }).buffer))).toEqual([
      2, 0, -1, 0,
    ]);
  });

  it('refuses a kernel that names a binding or param its family lacks, and a family WGSL with its own header', () => {
    const kernel = kernelFamily(family);
    expect(() => kernel('copy', {}, { out: 'rw', y: 'read' } as never)).toThrow(
      /kernel fam_copy \(copy\): binding 'y' is not in kernel family 'fam_''s declaration \(bindings: z, idx, out\)/,
    );
    expect(() => kernel('fwd', { n: 'u32', bias: 'f32' } as never, { out: 'rw' })).toThrow(
      /param 'bias' is not in kernel family 'fam_''s declaration \(params: n, scale, shift\)/,
    );
    // The declaration's access still has to match the generated header.
    expect(() => kernel('copy', {}, { out: 'read', z: 'read' })).toThrow(/binding 'out' is declared 'read'/);
    expect(() =>
      kernelFamily({ ...family, code: '@group(0) @binding(1) var<storage, read> z: array<f32>;\n' + body }),
    ).toThrow(/declares its own header/);
  });
});
