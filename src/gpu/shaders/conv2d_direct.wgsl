// (index.wgsl is prepended.) conv2d as a register-blocked direct convolution for software adapters (SwiftShader): no workgroup memory,
// no barriers. Same semantics as conv2d.wgsl: NCHW activations, OIHW weights, stride 1, 'same' zero padding,
// odd square k. The module-scope constants K (kernel size), PX (adjacent output pixels of one row per
// invocation) and OC (output channels per invocation) are prepended by conv2dDirect.ts, so every register
// array has a constant size and every tap loop a constant trip count.
//
// `fwd`: each invocation accumulates an OC × PX block of outputs. Per input channel and kernel row it loads
// PX + K − 1 inputs once (column offsets and 0/1 padding masks are hoisted out of the loops), then K·OC weights,
// and does OC·PX·K FMAs. flags: bit 0 ReLU, bit 1 input gradient (a 'same' conv of the output gradient with the
// flipped, in/out-swapped forward weight). `fwd_bias` is `fwd` plus the bias.
// `wgrad`: each invocation accumulates OC output channels × all K·K taps of one input channel over a chunk of
// image rows (split s), written to part[s, ·]; `reduce` sums the splits (no float atomics in WGSL).
// These loop kernels are the readable reference: SwiftShader's Subzero backend keeps their local arrays in memory
// and runs them at ~5 % of the FMA peak. conv2dDirect.ts appends fully unrolled versions (`fwd_u`, `wgrad_u`,
// generated straight-line code with scalar/vec4 locals; `fwd_u` reads the weight repacked by `pack_w` below),
// which reach ~50 % and are what `conv2dDirectRaw` / `conv2dDirectWeightGrad` use.
// n: weight element count Cout·Cin·K·K (wgrad, reduce); CP: Cout rounded up to OC (pack_w, fwd_u).
struct Params { B: u32, Cin: u32, H: u32, W: u32, Cout: u32, flags: u32, splits: u32, rows: u32, n: u32, CP: u32 }
@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> X: array<f32>;       // layer input (fwd: x; input gradient: g)
@group(0) @binding(2) var<storage, read> Wt: array<f32>;      // forward weight (OIHW)
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<storage, read> G: array<f32>;       // output gradient (B, Cout, H, W) (wgrad)
@group(0) @binding(6) var<storage, read> part: array<f32>;    // split-K partials (reduce)
// (binding 7: W4, the packed weight of the generated fwd_u)

const KK: u32 = K * K;
const P: i32 = i32(K / 2u);
const NX: u32 = PX + K - 1u;

// fwd invocations: one per (b, OC-block of channels, row y, PX-block of columns).
fn fwd_count() -> u32 { return u.B * ((u.Cout + OC - 1u) / OC) * u.H * ((u.W + PX - 1u) / PX); }

// The OC × PX output block of fwd invocation i (i < fwd_count()).
fn fwd_block(i: u32) -> array<array<f32, PX>, OC> {
  let nXB = (u.W + PX - 1u) / PX;
  let nOB = (u.Cout + OC - 1u) / OC;
  let xb = i % nXB;
  var r = i / nXB;
  let y = r % u.H;
  r = r / u.H;
  let ob = r % nOB;
  let b = r / nOB;
  let x0 = xb * PX;
  let o0 = ob * OC;
  let Wi = i32(u.W);
  let HW = u.H * u.W;

  // Weight index of (out channel n, in channel c, tap t = ky·K + kx) = wo[n] + c·sC + tb + ts·t.
  let transposed = (u.flags & 2u) != 0u;
  var wo: array<i32, OC>;
  var sC = i32(KK);
  var tb = 0;
  var ts = 1;
  if (transposed) {
    // forward weight [Cout_fwd = u.Cin][Cin_fwd = u.Cout][K−1−ky][K−1−kx]
    sC = i32(u.Cout * KK);
    tb = i32(KK) - 1;
    ts = -1;
    for (var o = 0u; o < OC; o++) { wo[o] = i32(min(o0 + o, u.Cout - 1u) * KK); }
  } else {
    for (var o = 0u; o < OC; o++) { wo[o] = i32(min(o0 + o, u.Cout - 1u) * u.Cin * KK); }
  }
  var colOff: array<i32, NX>;
  var colM: array<f32, NX>;
  for (var j = 0u; j < NX; j++) {
    let ix = i32(x0 + j) - P;
    colOff[j] = clamp(ix, 0, Wi - 1);
    colM[j] = select(0.0, 1.0, ix >= 0 && ix < Wi);
  }

  var acc: array<array<f32, PX>, OC>;
  for (var c = 0u; c < u.Cin; c++) {
    let xBase = i32((b * u.Cin + c) * HW);
    let wc = i32(c) * sC + tb;
    for (var ky = 0u; ky < K; ky++) {
      let iy = i32(y) + i32(ky) - P;
      if (iy < 0 || iy >= i32(u.H)) { continue; }
      let rb = xBase + iy * Wi;
      var xv: array<f32, NX>;
      for (var j = 0u; j < NX; j++) { xv[j] = X[rb + colOff[j]] * colM[j]; }
      for (var kx = 0u; kx < K; kx++) {
        let t = wc + ts * i32(ky * K + kx);
        for (var o = 0u; o < OC; o++) {
          let wv = Wt[wo[o] + t];
          for (var p = 0u; p < PX; p++) { acc[o][p] = fma(xv[p + kx], wv, acc[o][p]); }
        }
      }
    }
  }
  return acc;
}

// Store of fwd block i (+ bv[o] for channel o when hasBias), ReLU-fused with flags bit 0.
fn fwd_store(i: u32, acc: array<array<f32, PX>, OC>, hasBias: bool, bv: array<f32, OC>) {
  let nXB = (u.W + PX - 1u) / PX;
  let nOB = (u.Cout + OC - 1u) / OC;
  let xb = i % nXB;
  var r = i / nXB;
  let y = r % u.H;
  r = r / u.H;
  let ob = r % nOB;
  let b = r / nOB;
  let x0 = xb * PX;
  let o0 = ob * OC;
  for (var o = 0u; o < OC; o++) {
    let n = o0 + o;
    if (n >= u.Cout) { break; }
    let ob0 = ((b * u.Cout + n) * u.H + y) * u.W;
    for (var p = 0u; p < PX; p++) {
      let x = x0 + p;
      if (x >= u.W) { break; }
      var v = acc[o][p];
      if (hasBias) { v += bv[o]; }
      if ((u.flags & 1u) != 0u) { v = max(v, 0.0); }
      out[ob0 + x] = v;
    }
  }
}

@compute @workgroup_size(WG)
fn fwd(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= fwd_count()) { return; }
  fwd_store(i, fwd_block(i), false, array<f32, OC>());
}

@compute @workgroup_size(WG)
fn fwd_bias(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= fwd_count()) { return; }
  let nXB = (u.W + PX - 1u) / PX;
  let nOB = (u.Cout + OC - 1u) / OC;
  let o0 = ((i / nXB / u.H) % nOB) * OC;
  var bv: array<f32, OC>;
  for (var o = 0u; o < OC; o++) { bv[o] = bias[min(o0 + o, u.Cout - 1u)]; }
  fwd_store(i, fwd_block(i), true, bv);
}

// Weight gradient partials. X = layer input [B, Cin, H, W], G = output gradient [B, Cout, H, W].
// Invocation (s, ob, c): part[s·n + ((o·Cin + c)·K + ky)·K + kx] = Σ over rows r ∈ [s·u.rows, (s+1)·u.rows) of the
// B·H image rows and all x of g[b, o, y, x] · X[b, c, y + ky − P, x + kx − P], for o in the OC-block ob.
@compute @workgroup_size(WG)
fn wgrad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  let nOB = (u.Cout + OC - 1u) / OC;
  let per = nOB * u.Cin;
  if (i >= u.splits * per) { return; }
  let s = i / per;
  let rem = i % per;
  let c = rem % u.Cin;
  let ob = rem / u.Cin;
  let o0 = ob * OC;
  let Wi = i32(u.W);
  let Hi = i32(u.H);
  let HW = u.H * u.W;
  var go: array<u32, OC>;
  for (var o = 0u; o < OC; o++) { go[o] = min(o0 + o, u.Cout - 1u) * HW; }

  var acc: array<array<f32, KK>, OC>;
  let r0 = s * u.rows;
  let r1 = min(r0 + u.rows, u.B * u.H);
  for (var r = r0; r < r1; r++) {
    let b = r / u.H;
    let y = r % u.H;
    let gBase = b * u.Cout * HW + y * u.W;
    let xBase = i32((b * u.Cin + c) * HW);
    for (var x0 = 0u; x0 < u.W; x0 += PX) {
      var gv: array<array<f32, PX>, OC>;
      for (var p = 0u; p < PX; p++) {
        let x = x0 + p;
        let m = select(0.0, 1.0, x < u.W);
        let xc = min(x, u.W - 1u);
        for (var o = 0u; o < OC; o++) { gv[o][p] = G[gBase + go[o] + xc] * m; }
      }
      var colOff: array<i32, NX>;
      var colM: array<f32, NX>;
      for (var j = 0u; j < NX; j++) {
        let ix = i32(x0 + j) - P;
        colOff[j] = clamp(ix, 0, Wi - 1);
        colM[j] = select(0.0, 1.0, ix >= 0 && ix < Wi);
      }
      for (var ky = 0u; ky < K; ky++) {
        let iy = i32(y) + i32(ky) - P;
        if (iy < 0 || iy >= Hi) { continue; }
        let rb = xBase + iy * Wi;
        var xv: array<f32, NX>;
        for (var j = 0u; j < NX; j++) { xv[j] = X[rb + colOff[j]] * colM[j]; }
        for (var kx = 0u; kx < K; kx++) {
          for (var o = 0u; o < OC; o++) {
            var a = acc[o][ky * K + kx];
            for (var p = 0u; p < PX; p++) { a = fma(gv[o][p], xv[p + kx], a); }
            acc[o][ky * K + kx] = a;
          }
        }
      }
    }
  }
  for (var o = 0u; o < OC; o++) {
    let n = o0 + o;
    if (n >= u.Cout) { break; }
    let base = s * u.n + (n * u.Cin + c) * KK;
    for (var t = 0u; t < KK; t++) { out[base + t] = acc[o][t]; }
  }
}

// out[i] = Σ_s part[s·u.n + i] over the u.splits partials, i < u.n.
@compute @workgroup_size(WG)
fn reduce(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  var s = 0.0;
  for (var k = 0u; k < u.splits; k++) { s += part[k * u.n + i]; }
  out[i] = s;
}

// Packs the forward weight for the unrolled forward kernel (generated in conv2dDirect.ts, `fwd_u`):
// out[(c·KK + t)·CP + n] = weight of (out channel n, in channel c, tap t), zero for n ≥ u.Cout, CP = u.CP (Cout
// rounded up to OC). Transposed (flags bit 1): the flipped, in/out-swapped forward weight.
@compute @workgroup_size(WG)
fn pack_w(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  let CP = u.CP;
  if (i >= u.Cin * KK * CP) { return; }
  let n = i % CP;
  let r = i / CP;
  let t = r % KK;
  let c = r / KK;
  var v = 0.0;
  if (n < u.Cout) {
    if ((u.flags & 2u) != 0u) { v = Wt[(c * u.Cout + n) * KK + (KK - 1u - t)]; }
    else { v = Wt[(n * u.Cin + c) * KK + t]; }
  }
  out[i] = v;
}
