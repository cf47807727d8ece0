import directWgsl from '../shaders/conv2d_direct.wgsl?raw';
import indexWgsl from '../shaders/index.wgsl?raw';
import type { Gpu } from '../kernel';
import { defineKernel, type Access, type Kernel } from '../kernelDecl';
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

const params = {
  B: 'u32',
  Cin: 'u32',
  H: 'u32',
  W: 'u32',
  Cout: 'u32',
  flags: 'u32',
  splits: 'u32',
  rows: 'u32',
  n: 'u32',
  CP: 'u32',
} as const;
type Params = Record<keyof typeof params, number>;
/** Every kernel of conv2d_direct.wgsl shares its struct Params; the fields a kernel does not read are 0. */
const P = (p: Partial<Params>): Params => ({
  B: 0,
  Cin: 0,
  H: 0,
  W: 0,
  Cout: 0,
  flags: 0,
  splits: 0,
  rows: 0,
  n: 0,
  CP: 0,
  ...p,
});

/** Storage bindings of each entry point (loop kernels of conv2d_direct.wgsl and the generated unrolled ones). */
const BINDINGS = {
  /** out = conv2d(X, Wt) (+ ReLU); flags bit 1: the input gradient conv_transpose(X = g, Wt) */
  fwd: { X: 'read', Wt: 'read', out: 'rw' },
  /** out = conv2d(X, Wt) + bias (+ ReLU) */
  fwd_bias: { X: 'read', Wt: 'read', bias: 'read', out: 'rw' },
  /** Adjoint of conv2d w.r.t. the weight, split over image rows: out[s, o, c, ky, kx] = Σ_{rows of s} G[b,o,y,x]·X[b,c,y+ky−p,x+kx−p] */
  wgrad: { X: 'read', G: 'read', out: 'rw' },
  /** out[i] = Σ_s part[s·n + i] */
  reduce: { part: 'read', out: 'rw' },
  /** out = Wt repacked as [c][tap][CP] (flipped and in/out-swapped for the input gradient) */
  pack_w: { Wt: 'read', out: 'rw' },
  /** out = conv2d(X, W4) (+ ReLU), W4 = pack_w(Wt) */
  fwd_u: { X: 'read', W4: 'read', out: 'rw' },
  /** out = conv2d(X, W4) + bias (+ ReLU) */
  fwd_u_bias: { X: 'read', W4: 'read', bias: 'read', out: 'rw' },
  /** Adjoint of conv2d w.r.t. the weight (unrolled `wgrad`) */
  wgrad_u: { X: 'read', G: 'read', out: 'rw' },
} as const satisfies Record<string, Readonly<Record<string, Access>>>;
type Entry = keyof typeof BINDINGS;
type Bindings<E extends Entry> = Record<keyof (typeof BINDINGS)[E], Tensor>;

const kernels = new Map<string, Kernel>();
/** The kernel for `entryPoint` with block `blk`; K, PX and OC are prepended as WGSL constants (one module per shape). */
function kernel<E extends Entry>(
  entryPoint: E,
  k: number,
  blk: DirectBlock,
  unrolled: boolean,
): Kernel<keyof Params, keyof (typeof BINDINGS)[E] & string> {
  const name = `conv2d_direct_${unrolled ? 'u_' : ''}${entryPoint}_k${k}_px${blk.px}_oc${blk.oc}_wg${blk.wg}`;
  let kn = kernels.get(name);
  if (!kn) {
    const head = `const K: u32 = ${k}u;\nconst PX: u32 = ${blk.px}u;\nconst OC: u32 = ${blk.oc}u;\n`;
    const code = head + indexWgsl + directWgsl + (unrolled ? '\n' + generateUnrolled(k, blk.px, blk.oc) : '');
    kn = defineKernel<keyof Params>({
      name,
      code,
      entryPoint,
      params,
      bindings: BINDINGS[entryPoint] as Readonly<Record<string, Access>>,
      workgroupSize: blk.wg,
    });
    kernels.set(name, kn);
  }
  return kn as Kernel<keyof Params, keyof (typeof BINDINGS)[E] & string>;
}
/** Dispatch `entryPoint` over `total` invocations (1-D, folded grid). */
function run<E extends Entry>(
  gpu: Gpu,
  entryPoint: E,
  k: number,
  blk: DirectBlock,
  unrolled: boolean,
  bufs: Bindings<E>,
  p: Params,
  total: number,
): void {
  gpu.run(kernel(entryPoint, k, blk, unrolled), bufs as Record<string, Tensor>, p, gpu.grid(total, blk.wg));
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
export function conv2dDirectWeightGrad(
  gpu: Gpu,
  x: Tensor,
  g: Tensor,
  w: Tensor,
  blk: DirectBlock = DIRECT_WGRAD_DEFAULT,
): Tensor {
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
  if (Cin !== (transposed ? w.shape[0] : w.shape[1]))
    throw new Error(`conv2dDirect: weight ${w} does not fit input ${x}`);
  const Cout = transposed ? w.shape[1] : w.shape[0];
  if (b && b.size !== Cout) throw new Error(`conv2dDirect: bias ${b} for ${Cout} channels`);
  const out = gpu.tensor([B, Cout, H, W], 'f32');
  const u = P({ B, Cin, H, W, Cout, flags: (relu ? 1 : 0) | (transposed ? 2 : 0) });
  const total = B * Math.ceil(Cout / blk.oc) * H * Math.ceil(W / blk.px);
  if (b) run(gpu, 'fwd_bias', kk, blk, false, { X: x, Wt: w, bias: b, out }, u, total);
  else run(gpu, 'fwd', kk, blk, false, { X: x, Wt: w, out }, u, total);
  return out;
}

/** Loop-kernel weight gradient; same contract as `conv2dDirectWeightGrad`. */
export function conv2dDirectLoopWeightGrad(
  gpu: Gpu,
  x: Tensor,
  g: Tensor,
  w: Tensor,
  blk: DirectBlock = LOOP_DEFAULT,
): Tensor {
  check(x, w);
  const [B, Cin, H, W] = x.shape;
  const [Cout, Cin2, kk] = w.shape;
  if (
    Cin2 !== Cin ||
    g.shape.length !== 4 ||
    g.shape[0] !== B ||
    g.shape[1] !== Cout ||
    g.shape[2] !== H ||
    g.shape[3] !== W
  ) {
    throw new Error(`conv2dDirect: weight grad shapes x ${x}, g ${g}, w ${w} do not fit`);
  }
  const per = Math.ceil(Cout / blk.oc) * Cin;
  const R = B * H;
  // Split the B·H image rows so that ≥ ~4096 invocations run (each over ≥ 1 row).
  const want = Math.max(1, Math.min(R, Math.ceil(4096 / per)));
  const rows = Math.ceil(R / want);
  const splits = Math.ceil(R / rows);
  const n = Cout * Cin * kk * kk;
  const u = P({ B, Cin, H, W, Cout, splits, rows, n });
  const out = gpu.tensor(w.shape, 'f32');
  if (splits === 1) {
    run(gpu, 'wgrad', kk, blk, false, { X: x, G: g, out }, u, per);
    return out;
  }
  const part = gpu.tensor([splits, n], 'f32');
  run(gpu, 'wgrad', kk, blk, false, { X: x, G: g, out: part }, u, splits * per);
  run(gpu, 'reduce', kk, blk, false, { part, out }, u, n);
  part.dispose();
  return out;
}

/**
 * Fully unrolled variants (SwiftShader's Subzero backend neither unrolls loops nor keeps small local arrays in
 * registers): generated straight-line WGSL with scalar/vec4 locals for a given K, PX, OC (OC a multiple of 4),
 * appended to conv2d_direct.wgsl. Only the loop over input channels (forward) or image rows (weight grad) remains.
 * `fwd_u` (and `fwd_u_bias`, the same plus the bias) reads the weight packed by `pack_w` as vec4 quads of output
 * channels; `wgrad_u` accumulates vec4 quads of output channels per tap.
 */
export function generateUnrolled(K: number, PX: number, OC: number): string {
  if (OC % 4 !== 0) throw new Error(`conv2dDirect: unrolled kernels need OC % 4 == 0, got ${OC}`);
  const P = (K - 1) / 2;
  const NX = PX + K - 1;
  const Q = OC / 4;
  const KK = K * K;
  const L: string[] = [];
  const e = (s: string) => L.push(s);
  e('@group(0) @binding(7) var<storage, read> W4: array<vec4<f32>>;');
  // Forward without (`fwd_u`) and with (`fwd_u_bias`) the bias: the same straight-line body, two epilogues.
  for (const hasBias of [false, true]) {
    e('@compute @workgroup_size(WG)');
    e(
      `fn ${hasBias ? 'fwd_u_bias' : 'fwd_u'}(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {`,
    );
    e('  let i = global_index(gid, nwg);');
    e('  let nXB = (u.W + PX - 1u) / PX; let nOB = (u.Cout + OC - 1u) / OC;');
    e('  if (i >= u.B * nOB * u.H * nXB) { return; }');
    e('  let xb = i % nXB; var r = i / nXB; let y = r % u.H; r = r / u.H; let ob = r % nOB; let b = r / nOB;');
    e('  let x0 = xb * PX; let o0 = ob * OC; let Wi = i32(u.W); let Hm = i32(u.H) - 1; let HW = u.H * u.W;');
    e('  let CQ = u.CP / 4u;');
    for (let ky = 0; ky < K; ky++) {
      e(
        `  let iy${ky} = i32(y) + ${ky - P}; let ro${ky} = clamp(iy${ky}, 0, Hm) * Wi; let rm${ky} = select(0.0, 1.0, iy${ky} >= 0 && iy${ky} <= Hm);`,
      );
    }
    for (let j = 0; j < NX; j++) {
      e(
        `  let ix${j} = i32(x0) + ${j - P}; let co${j} = clamp(ix${j}, 0, Wi - 1); let cm${j} = select(0.0, 1.0, ix${j} >= 0 && ix${j} < Wi);`,
      );
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
    e('  let relu = (u.flags & 1u) != 0u;');
    for (let q = 0; q < Q; q++) {
      for (let l = 0; l < 4; l++) {
        const o = q * 4 + l;
        e(`  if (o0 + ${o}u < u.Cout) {`);
        e(
          `    let n = o0 + ${o}u; let bv = ${hasBias ? 'bias[n]' : '0.0'}; let ob0 = ((b * u.Cout + n) * u.H + y) * u.W + x0;`,
        );
        for (let p = 0; p < PX; p++) {
          e(
            `    if (x0 + ${p}u < u.W) { var v = a${p}_${q}[${l}] + bv; if (relu) { v = max(v, 0.0); } out[ob0 + ${p}u] = v; }`,
          );
        }
        e('  }');
      }
    }
    e('}');
  }

  // Weight gradient: invocation (s, ob, c), vec4 accumulators over quads of output channels per tap.
  e('@compute @workgroup_size(WG)');
  e('fn wgrad_u(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {');
  e('  let i = global_index(gid, nwg);');
  e('  let nOB = (u.Cout + OC - 1u) / OC; let per = nOB * u.Cin;');
  e('  if (i >= u.splits * per) { return; }');
  e('  let s = i / per; let rem = i % per; let c = rem % u.Cin; let ob = rem / u.Cin; let o0 = ob * OC;');
  e('  let Wi = i32(u.W); let Hm = i32(u.H) - 1; let HW = u.H * u.W;');
  for (let o = 0; o < OC; o++) e(`  let go${o} = min(o0 + ${o}u, u.Cout - 1u) * HW;`);
  for (let t = 0; t < KK; t++) for (let q = 0; q < Q; q++) e(`  var a${t}_${q} = vec4<f32>(0.0);`);
  e('  let r0 = s * u.rows; let r1 = min(r0 + u.rows, u.B * u.H);');
  e('  for (var r = r0; r < r1; r++) {');
  e(
    '    let b = r / u.H; let y = r % u.H; let gBase = b * u.Cout * HW + y * u.W; let xb0 = i32((b * u.Cin + c) * HW);',
  );
  for (let ky = 0; ky < K; ky++) {
    e(
      `    let iy${ky} = i32(y) + ${ky - P}; let ro${ky} = xb0 + clamp(iy${ky}, 0, Hm) * Wi; let rm${ky} = select(0.0, 1.0, iy${ky} >= 0 && iy${ky} <= Hm);`,
    );
  }
  e('    for (var x0 = 0u; x0 < u.W; x0 += PX) {');
  for (let p = 0; p < PX; p++) {
    e(`      let gx${p} = min(x0 + ${p}u, u.W - 1u) + gBase; let gm${p} = select(0.0, 1.0, x0 + ${p}u < u.W);`);
    for (let q = 0; q < Q; q++) {
      const ld = [0, 1, 2, 3].map((l) => `G[gx${p} + go${q * 4 + l}]`).join(', ');
      e(`      let g${p}_${q} = vec4<f32>(${ld}) * gm${p};`);
    }
  }
  for (let j = 0; j < NX; j++) {
    e(
      `      let ix${j} = i32(x0) + ${j - P}; let co${j} = clamp(ix${j}, 0, Wi - 1); let cm${j} = select(0.0, 1.0, ix${j} >= 0 && ix${j} < Wi);`,
    );
  }
  for (let ky = 0; ky < K; ky++) {
    e('      {');
    for (let j = 0; j < NX; j++) e(`        let x${j} = X[ro${ky} + co${j}] * (cm${j} * rm${ky});`);
    for (let kx = 0; kx < K; kx++) {
      const t = ky * K + kx;
      for (let q = 0; q < Q; q++)
        for (let p = 0; p < PX; p++) e(`        a${t}_${q} = fma(g${p}_${q}, vec4<f32>(x${p + kx}), a${t}_${q});`);
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
  if (Cin !== (transposed ? w.shape[0] : w.shape[1]))
    throw new Error(`conv2dDirect: weight ${w} does not fit input ${x}`);
  const Cout = transposed ? w.shape[1] : w.shape[0];
  if (b && b.size !== Cout) throw new Error(`conv2dDirect: bias ${b} for ${Cout} channels`);
  const CP = Math.ceil(Cout / blk.oc) * blk.oc;
  const u = P({ B, Cin, H, W, Cout, flags: (relu ? 1 : 0) | (transposed ? 2 : 0), CP });
  const wp = gpu.tensor([Cin * kk * kk * CP], 'f32');
  run(gpu, 'pack_w', kk, blk, true, { Wt: w, out: wp }, u, Cin * kk * kk * CP);
  const out = gpu.tensor([B, Cout, H, W], 'f32');
  const total = B * Math.ceil(Cout / blk.oc) * H * Math.ceil(W / blk.px);
  if (b) run(gpu, 'fwd_u_bias', kk, blk, true, { X: x, W4: wp, bias: b, out }, u, total);
  else run(gpu, 'fwd_u', kk, blk, true, { X: x, W4: wp, out }, u, total);
  wp.dispose();
  return out;
}

/** `conv2dDirectWeightGrad` with the unrolled kernel. */
export function conv2dDirectUnrolledWeightGrad(
  gpu: Gpu,
  x: Tensor,
  g: Tensor,
  w: Tensor,
  blk: DirectBlock = DIRECT_WGRAD_DEFAULT,
): Tensor {
  check(x, w);
  const [B, Cin, H, W] = x.shape;
  const [Cout, Cin2, kk] = w.shape;
  if (
    Cin2 !== Cin ||
    g.shape.length !== 4 ||
    g.shape[0] !== B ||
    g.shape[1] !== Cout ||
    g.shape[2] !== H ||
    g.shape[3] !== W
  ) {
    throw new Error(`conv2dDirect: weight grad shapes x ${x}, g ${g}, w ${w} do not fit`);
  }
  const per = Math.ceil(Cout / blk.oc) * Cin;
  const R = B * H;
  const want = Math.max(1, Math.min(R, Math.ceil(4096 / per)));
  const rows = Math.ceil(R / want);
  const splits = Math.ceil(R / rows);
  const n = Cout * Cin * kk * kk;
  const u = P({ B, Cin, H, W, Cout, splits, rows, n });
  const out = gpu.tensor(w.shape, 'f32');
  if (splits === 1) {
    run(gpu, 'wgrad_u', kk, blk, true, { X: x, G: g, out }, u, per);
    return out;
  }
  const part = gpu.tensor([splits, n], 'f32');
  run(gpu, 'wgrad_u', kk, blk, true, { X: x, G: g, out: part }, u, splits * per);
  run(gpu, 'reduce', kk, blk, true, { part, out }, u, n);
  part.dispose();
  return out;
}
