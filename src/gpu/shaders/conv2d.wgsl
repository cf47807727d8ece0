// conv2d as implicit GEMM (NCHW activations, OIHW weights, stride 1, 'same' zero padding, odd k).
// Forward view: rows m = output pixels (B·H·W), columns n = output channels, reduction k = Cin·k·k, the
// im2col matrix gathered on the fly into workgroup memory (zeros outside = padding). A 64×32 output tile per
// workgroup of 8×16 invocations, each accumulating a 4×4 register block over K tiles of 16.
// The same kernel computes the input gradient (flags bit 1): a 'same' conv of the output gradient with the
// flipped, in/out-swapped kernel. `wgrad` computes the weight gradient with split-K partial sums.
struct Params { B: u32, Cin: u32, H: u32, W: u32, Cout: u32, k: u32, pad: u32, flags: u32, splits: u32, mchunk: u32, p0: u32, p1: u32 }
@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> Wt: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

// Tile shape per pipeline: WGX×WGY invocations, each a 4×4 register block → TM = 4·WGY rows, TN = 4·WGX columns.
// Wide layers use 8×16 (64×32 tiles); layers with ≤ 4 output channels use 1×64 (256×4) so no work is wasted.
override WGX: u32 = 8u;
override WGY: u32 = 16u;
override TK: u32 = 16u;
override NT: u32 = WGX * WGY;
override TM: u32 = 4u * WGY;
override TN: u32 = 4u * WGX;
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

@compute @workgroup_size(WGX, WGY)
fn fwd(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let HW = u.H * u.W;
  let Mtot = u.B * HW;
  let kk2 = u.k * u.k;
  let Ktot = u.Cin * kk2;
  let tileM = wid.x * TM;
  let tileN = wid.y * TN;
  let tid = lid.y * WGX + lid.x;
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
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      var a: array<f32, 4>;
      var bb: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) { a[i] = As[kk * TM + lid.y * 4u + i]; }
      for (var j = 0u; j < 4u; j++) { bb[j] = Bs[kk * TN + lid.x * 4u + j]; }
      for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 4u; j++) { acc[i][j] = fma(a[i], bb[j], acc[i][j]); }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let gm = tileM + lid.y * 4u + i;
    if (gm >= Mtot) { continue; }
    let b = gm / HW;
    let pix = gm % HW;
    for (var j = 0u; j < 4u; j++) {
      let gn = tileN + lid.x * 4u + j;
      if (gn >= u.Cout) { continue; }
      var v = acc[i][j];
      if ((u.flags & 4u) != 0u) { v += bias[gn]; }
      if ((u.flags & 1u) != 0u) { v = max(v, 0.0); }
      out[(b * u.Cout + gn) * HW + pix] = v;
    }
  }
}

// Weight gradient, split-K: part[s, o, kidx] = Σ_{m in chunk s} g[b, o, pix] · im2col(m, kidx).
// Tile rows = kidx (64), columns = o (32). X = layer input, Wt binding = output gradient g (B, Cout, H, W).
@compute @workgroup_size(WGX, WGY)
fn wgrad(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let HW = u.H * u.W;
  let Mtot = u.B * HW;
  let Ktot = u.Cin * u.k * u.k;
  let tileK = wid.x * TM;
  let tileO = wid.y * TN;
  let m0 = wid.z * u.mchunk;
  let m1 = min(m0 + u.mchunk, Mtot);
  let tid = lid.y * WGX + lid.x;
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
      if (gm < m1 && o < u.Cout) { v = Wt[((gm / HW) * u.Cout + o) * HW + gm % HW]; }
      Bs[e] = v;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      var a: array<f32, 4>;
      var bb: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) { a[i] = As[kk * TM + lid.y * 4u + i]; }
      for (var j = 0u; j < 4u; j++) { bb[j] = Bs[kk * TN + lid.x * 4u + j]; }
      for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 4u; j++) { acc[i][j] = fma(a[i], bb[j], acc[i][j]); }
      }
    }
    workgroupBarrier();
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

// Sum of split-K partials: out[i] = Σ_s X[s·n + i], n = u.mchunk (reused), s < u.splits.
@compute @workgroup_size(256)
fn sum_splits(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= u.mchunk) { return; }
  var s = 0.0;
  for (var k = 0u; k < u.splits; k++) { s += X[k * u.mchunk + i]; }
  out[i] = s;
}

var<workgroup> red: array<f32, 256>;

// Bias gradient: one workgroup per output channel o, Σ over b and pixels of g[b, o, ·] (X binding = g).
@compute @workgroup_size(256)
fn bgrad(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let o = wid.x;
  let HW = u.H * u.W;
  var s = 0.0;
  for (var i = lid.x; i < u.B * HW; i += 256u) { s += X[((i / HW) * u.Cout + o) * HW + i % HW]; }
  red[lid.x] = s;
  workgroupBarrier();
  for (var w = 128u; w > 0u; w >>= 1u) {
    if (lid.x < w) { red[lid.x] += red[lid.x + w]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) { out[o] = red[0]; }
}

// ReLU adjoint from the saved output: out = g · [y > 0]   (X = y, Wt = g)
@compute @workgroup_size(256)
fn relu_mask(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= u.mchunk) { return; }
  out[i] = select(0.0, Wt[i], X[i] > 0.0);
}
