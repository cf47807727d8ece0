// (index.wgsl is prepended, sum_splits.wgsl appended.) conv2d as implicit GEMM (NCHW activations, OIHW weights,
// stride 1, 'same' zero padding, odd k). Forward view: rows m = output pixels (B·H·W), columns n = output channels,
// reduction k = Cin·k·k, the im2col matrix gathered on the fly into workgroup memory (zeros outside = padding). A
// 64×32 output tile per workgroup of 8×16 invocations, each accumulating a 4×4 register block over K tiles of 16.
// The same kernel computes the input gradient (flags bit 1): a 'same' conv of the output gradient with the
// flipped, in/out-swapped kernel. `wgrad` computes the weight gradient with split-K partial sums.
// flags: bit 0 ReLU, bit 1 input gradient. `fwd_bias` is `fwd` plus the bias.
// n: element count of the 1-D kernels (sum_splits, relu_mask).
struct Params { B: u32, Cin: u32, H: u32, W: u32, Cout: u32, k: u32, pad: u32, flags: u32, splits: u32, mchunk: u32, n: u32 }
@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> X: array<f32>;       // layer input (fwd: x; input gradient: g)
@group(0) @binding(2) var<storage, read> Wt: array<f32>;      // forward weight (OIHW)
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<storage, read> G: array<f32>;       // output gradient (B, Cout, H, W)
@group(0) @binding(6) var<storage, read> Y: array<f32>;       // saved forward output (relu_mask)
@group(0) @binding(7) var<storage, read> part: array<f32>;    // split-K partials (sum_splits)
@group(0) @binding(8) var<storage, read_write> gmask: array<f32>; // G·[Y > 0] (the fused ReLU + bias adjoints)

// Tile shape per pipeline: WG_X×WG_Y invocations, each a 4×4 register block → TM = 4·WG_Y rows, TN = 4·WG_X
// columns. Wide layers use 8×16 (64×32 tiles); layers with ≤ 4 output channels use 1×64 (256×4) so no work is
// wasted.
override WG_X: u32 = 8u;
override WG_Y: u32 = 16u;
override TK: u32 = 16u;
override NT: u32 = WG_X * WG_Y;
override TM: u32 = 4u * WG_Y;
override TN: u32 = 4u * WG_X;
var<workgroup> As: array<f32, TK * TM>; // [TK][TM]
var<workgroup> Bs: array<f32, TK * TN>; // [TK][TN]

// im2col element: input pixel for output pixel gm and reduction index gk (0 outside / padding).
fn im2col(gm: u32, gk: u32) -> f32 {
  let HW = u.H * u.W;
  let kk2 = u.k * u.k;
  let Ktot = u.Cin * kk2;
  if (gm >= u.B * HW || gk >= Ktot) { return 0.0; }
  let b = gm / HW;
  let pix = gm % HW;
  let y = i32(pix / u.W);
  let x = i32(pix % u.W);
  let c = gk / kk2;
  let r = gk % kk2;
  let iy = y + i32(r / u.k) - i32(u.pad);
  let ix = x + i32(r % u.k) - i32(u.pad);
  if (iy < 0 || ix < 0 || iy >= i32(u.H) || ix >= i32(u.W)) { return 0.0; }
  return X[((b * u.Cin + c) * u.H + u32(iy)) * u.W + u32(ix)];
}

// With the TK-deep slices As (rows) and Bs (columns) staged by every invocation: acc += As·Bs over the slice for
// invocation lid's 4×4 block. The barriers before and after let the callers restage the slices next.
fn tile_fma(lid: vec3<u32>, acc: ptr<function, array<array<f32, 4>, 4>>) {
  workgroupBarrier();
  for (var kk = 0u; kk < TK; kk++) {
    var a: array<f32, 4>;
    var bb: array<f32, 4>;
    for (var i = 0u; i < 4u; i++) { a[i] = As[kk * TM + lid.y * 4u + i]; }
    for (var j = 0u; j < 4u; j++) { bb[j] = Bs[kk * TN + lid.x * 4u + j]; }
    for (var i = 0u; i < 4u; i++) {
      for (var j = 0u; j < 4u; j++) { (*acc)[i][j] = fma(a[i], bb[j], (*acc)[i][j]); }
    }
  }
  workgroupBarrier();
}

// The fwd tile: the 4×4 register block of invocation lid in workgroup wid.
fn fwd_tile(lid: vec3<u32>, wid: vec3<u32>) -> array<array<f32, 4>, 4> {
  let kk2 = u.k * u.k;
  let Ktot = u.Cin * kk2;
  let tileM = wid.x * TM;
  let tileN = wid.y * TN;
  let tid = lid.y * WG_X + lid.x;
  let transposed = (u.flags & 2u) != 0u;
  var acc: array<array<f32, 4>, 4>;
  for (var k0 = 0u; k0 < Ktot; k0 += TK) {
    for (var e = tid; e < TK * TM; e += NT) {
      As[e] = im2col(tileM + e % TM, k0 + e / TM);
    }
    for (var e = tid; e < TK * TN; e += NT) {
      let gn = tileN + e % TN;
      let gk = k0 + e / TN;
      var v = 0.0;
      if (gn < u.Cout && gk < Ktot) {
        if (!transposed) {
          v = Wt[gn * Ktot + gk];
        } else {
          // forward weight (Cin_fwd = u.Cout here, Cout_fwd = u.Cin) at [o = channel of gk][c = gn][k−1−ky][k−1−kx]
          let o = gk / kk2;
          let rr = gk % kk2;
          let ky = u.k - 1u - rr / u.k;
          let kx = u.k - 1u - rr % u.k;
          v = Wt[((o * u.Cout + gn) * u.k + ky) * u.k + kx];
        }
      }
      Bs[e] = v;
    }
    tile_fma(lid, &acc);
  }
  return acc;
}

// Store of the fwd tile (+ bv[j] for column j when hasBias), ReLU-fused with flags bit 0.
fn fwd_store(lid: vec3<u32>, wid: vec3<u32>, acc: array<array<f32, 4>, 4>, hasBias: bool, bv: array<f32, 4>) {
  let HW = u.H * u.W;
  let Mtot = u.B * HW;
  let tileM = wid.x * TM;
  let tileN = wid.y * TN;
  for (var i = 0u; i < 4u; i++) {
    let gm = tileM + lid.y * 4u + i;
    if (gm >= Mtot) { continue; }
    let b = gm / HW;
    let pix = gm % HW;
    for (var j = 0u; j < 4u; j++) {
      let gn = tileN + lid.x * 4u + j;
      if (gn >= u.Cout) { continue; }
      var v = acc[i][j];
      if (hasBias) { v += bv[j]; }
      if ((u.flags & 1u) != 0u) { v = max(v, 0.0); }
      out[(b * u.Cout + gn) * HW + pix] = v;
    }
  }
}

@compute @workgroup_size(WG_X, WG_Y)
fn fwd(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  fwd_store(lid, wid, fwd_tile(lid, wid), false, array<f32, 4>());
}

@compute @workgroup_size(WG_X, WG_Y)
fn fwd_bias(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let acc = fwd_tile(lid, wid);
  var bv: array<f32, 4>;
  for (var j = 0u; j < 4u; j++) { bv[j] = bias[min(wid.y * TN + lid.x * 4u + j, u.Cout - 1u)]; }
  fwd_store(lid, wid, acc, true, bv);
}

// Weight gradient, split-K: part[s, o, kidx] = Σ_{m in chunk s} g[b, o, pix] · im2col(m, kidx).
// Tile rows = kidx (64), columns = o (32). X = layer input, G = output gradient (B, Cout, H, W); out = partials.
@compute @workgroup_size(WG_X, WG_Y)
fn wgrad(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let HW = u.H * u.W;
  let Mtot = u.B * HW;
  let Ktot = u.Cin * u.k * u.k;
  let tileK = wid.x * TM;
  let tileO = wid.y * TN;
  let m0 = wid.z * u.mchunk;
  let m1 = min(m0 + u.mchunk, Mtot);
  let tid = lid.y * WG_X + lid.x;
  var acc: array<array<f32, 4>, 4>;
  for (var ms = m0; ms < m1; ms += TK) {
    for (var e = tid; e < TK * TM; e += NT) {
      let gm = ms + e / TM;
      var v = 0.0;
      if (gm < m1) { v = im2col(gm, tileK + e % TM); }
      As[e] = v;
    }
    for (var e = tid; e < TK * TN; e += NT) {
      let gm = ms + e / TN;
      let o = tileO + e % TN;
      var v = 0.0;
      if (gm < m1 && o < u.Cout) { v = G[((gm / HW) * u.Cout + o) * HW + gm % HW]; }
      Bs[e] = v;
    }
    tile_fma(lid, &acc);
  }
  let n = u.Cout * Ktot;
  for (var i = 0u; i < 4u; i++) {
    let kidx = tileK + lid.y * 4u + i;
    if (kidx >= Ktot) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let o = tileO + lid.x * 4u + j;
      if (o >= u.Cout) { continue; }
      out[wid.z * n + o * Ktot + kidx] = acc[i][j];
    }
  }
}

// Bias adjoint, stage 1 without workgroup memory or barriers (software adapters): one invocation per (b, o)
// plane, out[i] = Σ_p G[i·H·W + p], i < u.n = B·Cout; stage 2 is sum_splits over b.
@compute @workgroup_size(WG)
fn bgrad_planes(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  let HW = u.H * u.W;
  let base = i * HW;
  var s = 0.0;
  for (var p = 0u; p < HW; p++) { s += G[base + p]; }
  out[i] = s;
}

// The ReLU adjoint fused into stage 1 of the bias adjoint: over the (b, o) plane i, gmask = G·[Y > 0] (the
// gradient the weight and input adjoints then read) and out[i] = Σ_p gmask — one pass instead of two dispatches.
@compute @workgroup_size(WG)
fn relu_bgrad_planes(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  let HW = u.H * u.W;
  let base = i * HW;
  var s = 0.0;
  for (var p = 0u; p < HW; p++) {
    let g = select(0.0, G[base + p], Y[base + p] > 0.0);
    gmask[base + p] = g;
    s += g;
  }
  out[i] = s;
}

// out[o] = Σ over the workgroup's 256 partial sums s (workgroup_sum.wgsl; every invocation calls it).
fn channel_sum(l: u32, o: u32, s: f32) {
  let total = workgroup_sum(l, s);
  if (l == 0u) { out[o] = total; }
}

// `bgrad` with the ReLU adjoint fused: gmask = G·[Y > 0] over channel o, out[o] = Σ gmask.
@compute @workgroup_size(256)
fn relu_bgrad(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let o = wid.x;
  let HW = u.H * u.W;
  var s = 0.0;
  for (var i = lid.x; i < u.B * HW; i += 256u) {
    let j = ((i / HW) * u.Cout + o) * HW + i % HW;
    let g = select(0.0, G[j], Y[j] > 0.0);
    gmask[j] = g;
    s += g;
  }
  channel_sum(lid.x, o, s);
}

// Bias gradient: one workgroup per output channel o, gb[o] = Σ over b and pixels of G[b, o, ·]. Workgroup size
// 256 is fixed by the tree reduction over `red`.
@compute @workgroup_size(256)
fn bgrad(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let o = wid.x;
  let HW = u.H * u.W;
  var s = 0.0;
  for (var i = lid.x; i < u.B * HW; i += 256u) { s += G[((i / HW) * u.Cout + o) * HW + i % HW]; }
  channel_sum(lid.x, o, s);
}

// ReLU adjoint from the saved output: out = G · [Y > 0], i < u.n.
@compute @workgroup_size(WG)
fn relu_mask(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  out[i] = select(0.0, G[i], Y[i] > 0.0);
}
