import directWgsl from '../shaders/conv2d_direct.wgsl?raw';
import type { Gpu, KernelSpec } from '../kernel';
import { uniforms } from '../kernel';
import type { Tensor } from '../tensor';

/**
 * conv2d for software adapters (SwiftShader): a register-blocked direct convolution with no workgroup memory and
 * no barriers (see conv2d_direct.wgsl). Same contracts as `convRaw` / `weightGradRaw` in conv2d.ts.
 * Block shapes are compile-time constants (K, PX, OC) prepended to the WGSL source, one pipeline per shape.
 */
export interface DirectBlock {
  /** Adjacent output pixels of one row per invocation. */
  px: number;
  /** Output channels per invocation. */
  oc: number;
  /** Workgroup size. */
  wg: number;
}
/**
 * Defaults = the fastest measured on SwiftShader (bench/convDirect.ts, B 16, 32→32, 64×64, 3×3): the unrolled
 * 8 pixels × 8 channels block (fwd ≈ 56 %, input grad ≈ 52 %, weight grad ≈ 47 % of the FMA peak; the loop
 * kernels reach only 4–6 %, Subzero keeps their local arrays in memory).
 */
export const DIRECT_FWD_DEFAULT: DirectBlock = { px: 8, oc: 8, wg: 64 };
export const DIRECT_WGRAD_DEFAULT: DirectBlock = { px: 8, oc: 8, wg: 64 };
const LOOP_DEFAULT: DirectBlock = { px: 8, oc: 4, wg: 64 };

const B4 = ['read', 'read', 'read', 'rw'] as const;
const specs = new Map<string, KernelSpec>();
function spec(entryPoint: string, k: number, blk: DirectBlock): KernelSpec {
  const name = `conv2d_direct_${entryPoint}_k${k}_px${blk.px}_oc${blk.oc}_wg${blk.wg}`;
  let s = specs.get(name);
  if (!s) {
    const head = `const K: u32 = ${k}u;\nconst PX: u32 = ${blk.px}u;\nconst OC: u32 = ${blk.oc}u;\n`;
    s = { name, code: head + directWgsl, entryPoint, bindings: B4, constants: { WG: blk.wg } };
    specs.set(name, s);
  }
  return s;
}

function check(x: Tensor, w: Tensor): void {
  if (x.shape.length !== 4 || w.shape.length !== 4 || x.dtype !== 'f32' || w.dtype !== 'f32') {
    throw new Error(`conv2dDirect: expected real NCHW input and OIHW weight, got ${x}, ${w}`);
  }
  const [kh, kw] = [w.shape[2], w.shape[3]];
  if (kh !== kw || kh % 2 !== 1) throw new Error(`conv2dDirect: odd square kernels only, got ${w}`);
}

/**
 * Forward (transposed = false): y = conv2d(x, w) + b, ReLU-fused if `relu`. Transposed: x is the output gradient
 * [B, Cout_fwd, H, W] and w the forward weight [Cout_fwd, Cin_fwd, k, k]; the result is the input gradient
 * [B, Cin_fwd, H, W]. Uses the unrolled kernel (block `blk`, OC a multiple of 4) — see `conv2dDirectUnrolledRaw`.
 */
export function conv2dDirectRaw(
  gpu: Gpu,
  x: Tensor,
  w: Tensor,
  b: Tensor | null,
  relu: boolean,
  transposed: boolean,
  blk: DirectBlock = DIRECT_FWD_DEFAULT,
): Tensor {
  return conv2dDirectUnrolledRaw(gpu, x, w, b, relu, transposed, blk);
}

/** Weight gradient dW[o, c, ky, kx] = Σ_{b,y,x} g[b,o,y,x]·x[b,c,y+ky−p,x+kx−p]; result has w's shape (unrolled kernel). */
export function conv2dDirectWeightGrad(gpu: Gpu, x: Tensor, g: Tensor, w: Tensor, blk: DirectBlock = DIRECT_WGRAD_DEFAULT): Tensor {
  return conv2dDirectUnrolledWeightGrad(gpu, x, g, w, blk);
}

/**
 * Loop kernels (generic `fwd` / `wgrad` of conv2d_direct.wgsl; any OC). Same contract as `conv2dDirectRaw`.
 * Forward (transposed = false): y = conv2d(x, w) + b, ReLU-fused if `relu`. Transposed: x is the output gradient
 * [B, Cout_fwd, H, W] and w the forward weight [Cout_fwd, Cin_fwd, k, k]; the result is the input gradient
 * [B, Cin_fwd, H, W].
 */
export function conv2dDirectLoopRaw(
  gpu: Gpu,
  x: Tensor,
  w: Tensor,
  b: Tensor | null,
  relu: boolean,
  transposed: boolean,
  blk: DirectBlock = LOOP_DEFAULT,
): Tensor {
  check(x, w);
  const [B, Cin, H, W] = x.shape;
  const kk = w.shape[2];
  if (Cin !== (transposed ? w.shape[0] : w.shape[1])) throw new Error(`conv2dDirect: weight ${w} does not fit input ${x}`);
  const Cout = transposed ? w.shape[1] : w.shape[0];
  if (b && b.size !== Cout) throw new Error(`conv2dDirect: bias ${b} for ${Cout} channels`);
  const out = gpu.tensor([B, Cout, H, W], 'f32');
  const flags = (relu ? 1 : 0) | (transposed ? 2 : 0) | (b ? 4 : 0);
  const u = uniforms().u32(B, Cin, H, W, Cout, kk, (kk - 1) / 2, flags, 0, 0, 0, 0);
  const total = B * Math.ceil(Cout / blk.oc) * H * Math.ceil(W / blk.px);
  gpu.run(spec('fwd', kk, blk), [x, w, b ?? w, out], u, gpu.grid(total, blk.wg));
  return out;
}

/** Loop-kernel weight gradient; same contract as `conv2dDirectWeightGrad`. */
export function conv2dDirectLoopWeightGrad(gpu: Gpu, x: Tensor, g: Tensor, w: Tensor, blk: DirectBlock = LOOP_DEFAULT): Tensor {
  check(x, w);
  const [B, Cin, H, W] = x.shape;
  const [Cout, Cin2, kk] = w.shape;
  if (Cin2 !== Cin || g.shape.length !== 4 || g.shape[0] !== B || g.shape[1] !== Cout || g.shape[2] !== H || g.shape[3] !== W) {
    throw new Error(`conv2dDirect: weight grad shapes x ${x}, g ${g}, w ${w} do not fit`);
  }
  const per = Math.ceil(Cout / blk.oc) * Cin;
  const R = B * H;
  // Split the B·H image rows so that ≥ ~4096 invocations run (each over ≥ 1 row).
  const want = Math.max(1, Math.min(R, Math.ceil(4096 / per)));
  const rows = Math.ceil(R / want);
  const splits = Math.ceil(R / rows);
  const n = Cout * Cin * kk * kk;
  const u = (s: number) => uniforms().u32(B, Cin, H, W, Cout, kk, (kk - 1) / 2, 0, s, rows, n, 0);
  const out = gpu.tensor(w.shape, 'f32');
  if (splits === 1) {
    gpu.run(spec('wgrad', kk, blk), [x, g, g, out], u(1), gpu.grid(per, blk.wg));
    return out;
  }
  const part = gpu.tensor([splits, n], 'f32');
  gpu.run(spec('wgrad', kk, blk), [x, g, g, part], u(splits), gpu.grid(splits * per, blk.wg));
  gpu.run(spec('reduce', kk, blk), [part, part, part, out], u(splits), gpu.grid(n, blk.wg));
  part.dispose();
  return out;
}

/**
 * Fully unrolled variants (SwiftShader's Subzero backend neither unrolls loops nor keeps small local arrays in
 * registers): generated straight-line WGSL with scalar/vec4 locals for a given K, PX, OC (OC a multiple of 4),
 * appended to conv2d_direct.wgsl. Only the loop over input channels (forward) or image rows (weight grad) remains.
 * `fwd_u` reads the weight packed by `pack_w` as vec4 quads of output channels; `wgrad_u` accumulates vec4 quads
 * of output channels per tap.
 */
export function generateUnrolled(K: number, PX: number, OC: number): string {
  if (OC % 4 !== 0) throw new Error(`conv2dDirect: unrolled kernels need OC % 4 == 0, got ${OC}`);
  const P = (K - 1) / 2;
  const NX = PX + K - 1;
  const Q = OC / 4;
  const KK = K * K;
  const L: string[] = [];
  const e = (s: string) => L.push(s);
  e('@group(0) @binding(2) var<storage, read> W4: array<vec4<f32>>;');
  e('@compute @workgroup_size(WG)');
  e('fn fwd_u(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {');
  e('  let i = gid.x + gid.y * nwg.x * WG;');
  e('  let nXB = (u.W + PX - 1u) / PX; let nOB = (u.Cout + OC - 1u) / OC;');
  e('  if (i >= u.B * nOB * u.H * nXB) { return; }');
  e('  let xb = i % nXB; var r = i / nXB; let y = r % u.H; r = r / u.H; let ob = r % nOB; let b = r / nOB;');
  e('  let x0 = xb * PX; let o0 = ob * OC; let Wi = i32(u.W); let Hm = i32(u.H) - 1; let HW = u.H * u.W;');
  e('  let CQ = u.n / 4u;');
  for (let ky = 0; ky < K; ky++) {
    e(`  let iy${ky} = i32(y) + ${ky - P}; let ro${ky} = clamp(iy${ky}, 0, Hm) * Wi; let rm${ky} = select(0.0, 1.0, iy${ky} >= 0 && iy${ky} <= Hm);`);
  }
  for (let j = 0; j < NX; j++) {
    e(`  let ix${j} = i32(x0) + ${j - P}; let co${j} = clamp(ix${j}, 0, Wi - 1); let cm${j} = select(0.0, 1.0, ix${j} >= 0 && ix${j} < Wi);`);
  }
  for (let p = 0; p < PX; p++) for (let q = 0; q < Q; q++) e(`  var a${p}_${q} = vec4<f32>(0.0);`);
  e('  for (var c = 0u; c < u.Cin; c++) {');
  e('    let xb0 = i32((b * u.Cin + c) * HW); let wb = c * KK * CQ + ob * OC / 4u;');
  for (let ky = 0; ky < K; ky++) {
    e('    {');
    e(`      let rb = xb0 + ro${ky};`);
    for (let j = 0; j < NX; j++) e(`      let x${j} = vec4<f32>(X[rb + co${j}] * (cm${j} * rm${ky}));`);
    for (let kx = 0; kx < K; kx++) {
      const t = ky * K + kx;
      for (let q = 0; q < Q; q++) {
        e(`      let w${kx}_${q} = W4[wb + ${t}u * CQ + ${q}u];`);
        for (let p = 0; p < PX; p++) e(`      a${p}_${q} = fma(x${p + kx}, w${kx}_${q}, a${p}_${q});`);
      }
    }
    e('    }');
  }
  e('  }');
  e('  let hasB = (u.flags & 4u) != 0u; let relu = (u.flags & 1u) != 0u;');
  for (let q = 0; q < Q; q++) {
    for (let l = 0; l < 4; l++) {
      const o = q * 4 + l;
      e(`  if (o0 + ${o}u < u.Cout) {`);
      e(`    let n = o0 + ${o}u; var bv = 0.0; if (hasB) { bv = bias[n]; } let ob0 = ((b * u.Cout + n) * u.H + y) * u.W + x0;`);
      for (let p = 0; p < PX; p++) {
        e(`    if (x0 + ${p}u < u.W) { var v = a${p}_${q}[${l}] + bv; if (relu) { v = max(v, 0.0); } out[ob0 + ${p}u] = v; }`);
      }
      e('  }');
    }
  }
  e('}');

  // Weight gradient: invocation (s, ob, c), vec4 accumulators over quads of output channels per tap.
  e('@compute @workgroup_size(WG)');
  e('fn wgrad_u(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {');
  e('  let i = gid.x + gid.y * nwg.x * WG;');
  e('  let nOB = (u.Cout + OC - 1u) / OC; let per = nOB * u.Cin;');
  e('  if (i >= u.splits * per) { return; }');
  e('  let s = i / per; let rem = i % per; let c = rem % u.Cin; let ob = rem / u.Cin; let o0 = ob * OC;');
  e('  let Wi = i32(u.W); let Hm = i32(u.H) - 1; let HW = u.H * u.W;');
  for (let o = 0; o < OC; o++) e(`  let go${o} = min(o0 + ${o}u, u.Cout - 1u) * HW;`);
  for (let t = 0; t < KK; t++) for (let q = 0; q < Q; q++) e(`  var a${t}_${q} = vec4<f32>(0.0);`);
  e('  let r0 = s * u.rows; let r1 = min(r0 + u.rows, u.B * u.H);');
  e('  for (var r = r0; r < r1; r++) {');
  e('    let b = r / u.H; let y = r % u.H; let gBase = b * u.Cout * HW + y * u.W; let xb0 = i32((b * u.Cin + c) * HW);');
  for (let ky = 0; ky < K; ky++) {
    e(`    let iy${ky} = i32(y) + ${ky - P}; let ro${ky} = xb0 + clamp(iy${ky}, 0, Hm) * Wi; let rm${ky} = select(0.0, 1.0, iy${ky} >= 0 && iy${ky} <= Hm);`);
  }
  e('    for (var x0 = 0u; x0 < u.W; x0 += PX) {');
  for (let p = 0; p < PX; p++) {
    e(`      let gx${p} = min(x0 + ${p}u, u.W - 1u) + gBase; let gm${p} = select(0.0, 1.0, x0 + ${p}u < u.W);`);
    for (let q = 0; q < Q; q++) {
      const ld = [0, 1, 2, 3].map((l) => `Wt[gx${p} + go${q * 4 + l}]`).join(', ');
      e(`      let g${p}_${q} = vec4<f32>(${ld}) * gm${p};`);
    }
  }
  for (let j = 0; j < NX; j++) {
    e(`      let ix${j} = i32(x0) + ${j - P}; let co${j} = clamp(ix${j}, 0, Wi - 1); let cm${j} = select(0.0, 1.0, ix${j} >= 0 && ix${j} < Wi);`);
  }
  for (let ky = 0; ky < K; ky++) {
    e('      {');
    for (let j = 0; j < NX; j++) e(`        let x${j} = X[ro${ky} + co${j}] * (cm${j} * rm${ky});`);
    for (let kx = 0; kx < K; kx++) {
      const t = ky * K + kx;
      for (let q = 0; q < Q; q++) for (let p = 0; p < PX; p++) e(`        a${t}_${q} = fma(g${p}_${q}, vec4<f32>(x${p + kx}), a${t}_${q});`);
    }
    e('      }');
  }
  e('    }');
  e('  }');
  for (let q = 0; q < Q; q++) {
    for (let l = 0; l < 4; l++) {
      const o = q * 4 + l;
      e(`  if (o0 + ${o}u < u.Cout) {`);
      e(`    let base = s * u.n + ((o0 + ${o}u) * u.Cin + c) * KK;`);
      for (let t = 0; t < KK; t++) e(`    out[base + ${t}u] = a${t}_${q}[${l}];`);
      e('  }');
    }
  }
  e('}');
  return L.join('\n');
}

const uspecs = new Map<string, KernelSpec>();
function uspec(entryPoint: string, k: number, blk: DirectBlock): KernelSpec {
  const name = `conv2d_direct_u_${entryPoint}_k${k}_px${blk.px}_oc${blk.oc}_wg${blk.wg}`;
  let s = uspecs.get(name);
  if (!s) {
    const head = `const K: u32 = ${k}u;\nconst PX: u32 = ${blk.px}u;\nconst OC: u32 = ${blk.oc}u;\n`;
    s = { name, code: head + directWgsl + '\n' + generateUnrolled(k, blk.px, blk.oc), entryPoint, bindings: B4, constants: { WG: blk.wg } };
    uspecs.set(name, s);
  }
  return s;
}

/** `conv2dDirectRaw` with the unrolled kernel (weights packed into vec4 quads of output channels first). */
export function conv2dDirectUnrolledRaw(
  gpu: Gpu,
  x: Tensor,
  w: Tensor,
  b: Tensor | null,
  relu: boolean,
  transposed: boolean,
  blk: DirectBlock = DIRECT_FWD_DEFAULT,
): Tensor {
  check(x, w);
  const [B, Cin, H, W] = x.shape;
  const kk = w.shape[2];
  if (Cin !== (transposed ? w.shape[0] : w.shape[1])) throw new Error(`conv2dDirect: weight ${w} does not fit input ${x}`);
  const Cout = transposed ? w.shape[1] : w.shape[0];
  if (b && b.size !== Cout) throw new Error(`conv2dDirect: bias ${b} for ${Cout} channels`);
  const CP = Math.ceil(Cout / blk.oc) * blk.oc;
  const flags = (relu ? 1 : 0) | (transposed ? 2 : 0) | (b ? 4 : 0);
  const u = uniforms().u32(B, Cin, H, W, Cout, kk, (kk - 1) / 2, flags, 0, 0, CP, 0);
  const wp = gpu.tensor([Cin * kk * kk * CP], 'f32');
  gpu.run(uspec('pack_w', kk, blk), [w, w, w, wp], u, gpu.grid(Cin * kk * kk * CP, blk.wg));
  const out = gpu.tensor([B, Cout, H, W], 'f32');
  const total = B * Math.ceil(Cout / blk.oc) * H * Math.ceil(W / blk.px);
  gpu.run(uspec('fwd_u', kk, blk), [x, wp, b ?? w, out], u, gpu.grid(total, blk.wg));
  wp.dispose();
  return out;
}

/** `conv2dDirectWeightGrad` with the unrolled kernel. */
export function conv2dDirectUnrolledWeightGrad(gpu: Gpu, x: Tensor, g: Tensor, w: Tensor, blk: DirectBlock = DIRECT_WGRAD_DEFAULT): Tensor {
  check(x, w);
  const [B, Cin, H, W] = x.shape;
  const [Cout, Cin2, kk] = w.shape;
  if (Cin2 !== Cin || g.shape.length !== 4 || g.shape[0] !== B || g.shape[1] !== Cout || g.shape[2] !== H || g.shape[3] !== W) {
    throw new Error(`conv2dDirect: weight grad shapes x ${x}, g ${g}, w ${w} do not fit`);
  }
  const per = Math.ceil(Cout / blk.oc) * Cin;
  const R = B * H;
  const want = Math.max(1, Math.min(R, Math.ceil(4096 / per)));
  const rows = Math.ceil(R / want);
  const splits = Math.ceil(R / rows);
  const n = Cout * Cin * kk * kk;
  const u = uniforms().u32(B, Cin, H, W, Cout, kk, (kk - 1) / 2, 0, splits, rows, n, 0);
  const out = gpu.tensor(w.shape, 'f32');
  if (splits === 1) {
    gpu.run(uspec('wgrad_u', kk, blk), [x, g, g, out], u, gpu.grid(per, blk.wg));
    return out;
  }
  const part = gpu.tensor([splits, n], 'f32');
  gpu.run(uspec('wgrad_u', kk, blk), [x, g, g, part], u, gpu.grid(splits * per, blk.wg));
  gpu.run(uspec('reduce', kk, blk), [part, part, part, out], u, gpu.grid(n, blk.wg));
  part.dispose();
  return out;
}
