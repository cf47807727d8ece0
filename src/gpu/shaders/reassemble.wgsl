// (index.wgsl is prepended.) Bilinear sub-pixel translation (torch grid_sample, align_corners=True, zeros padding: each tap outside the
// image contributes 0) and PtychoPINN's training-time merge of a group's C patches onto an M×M canvas and the
// re-extraction of patches from it. Every adjoint is written as a gather (no float atomics in WGSL).
// Convention: translating by o moves content by +o:  out(x, y) = in(x − ox, y − oy), x = column, y = row.
// Offsets are [x, y] pairs; for the merge they are coords_relative = centroid − position (B, C, 2).
// One Params struct for the file: translate reads B (images), H, W; merge / extract B, C, N, M, top.
// The header (struct Params, bindings) is generated from the family declaration in src/gpu/ops/reassemble.ts.

// Tap k (0..3, x fastest: the summation order) of a bilinear sample at s: pixel p = floor(s) + d, d ∈ {0, 1}²,
// weight w = Π (d ? f : 1 − f) with f = s − floor(s). WGSL has no closures, so each sampler loops over k itself.
struct Tap { p: vec2<i32>, w: f32 }

fn tap(s: vec2<f32>, k: i32) -> Tap {
  let c = floor(s);
  let f = s - c;
  let d = vec2<i32>(k & 1, k >> 1);
  return Tap(vec2<i32>(c) + d, select(1.0 - f.y, f.y, d.y == 1) * select(1.0 - f.x, f.x, d.x == 1));
}

// The adjoint's view of tap k: the output pixel q (sampled at q + s0) whose tap k lands on pixel p, with its weight.
fn adj_tap(p: vec2<i32>, s0: vec2<f32>, k: i32) -> Tap {
  let t = tap(s0, k);
  return Tap(p - t.p, t.w);
}

// Pixel p lies in [lo, hi) on both axes.
fn in_rect(p: vec2<i32>, lo: vec2<i32>, hi: vec2<i32>) -> bool {
  return all(p >= lo) && all(p < hi);
}

// Flat index of pixel p (checked inside first) of the row-major image of width w at base.
fn pixel(base: u32, w: u32, p: vec2<i32>) -> u32 {
  return base + u32(p.y) * w + u32(p.x);
}

// The (x, y) end of an h×w image, for in_rect: taps outside it are zeros (zeros padding).
fn image_rect(h: u32, w: u32) -> vec2<i32> {
  return vec2<i32>(i32(w), i32(h));
}

// Bilinear sample of image src[base..] (h×w, complex) at s = (x, y), zero taps outside.
fn sample(base: u32, h: u32, w: u32, s: vec2<f32>) -> vec2<f32> {
  var acc = vec2<f32>(0.0, 0.0);
  for (var k = 0; k < 4; k++) {
    let t = tap(s, k);
    if (in_rect(t.p, vec2<i32>(0), image_rect(h, w))) { acc += src[pixel(base, w, t.p)] * t.w; }
  }
  return acc;
}

// The N×N central mask (1 on [N/4, N/4 + N/2)²) padded into M×M, bilinearly sampled at s of the padded frame.
fn mask_sample(s: vec2<f32>) -> f32 {
  let lo = i32(u.top + u.N / 4u);
  let hi = lo + i32(u.N / 2u);
  var acc = 0.0;
  for (var k = 0; k < 4; k++) {
    let t = tap(s, k);
    if (in_rect(t.p, vec2<i32>(lo), vec2<i32>(hi))) { acc += t.w; }
  }
  return acc;
}

// Padded patch c of group b sampled at s in padded coordinates (zeros outside the N×N patch).
fn patch_sample(b: u32, c: u32, s: vec2<f32>) -> vec2<f32> {
  return sample((b * u.C + c) * u.N * u.N, u.N, u.N, s - f32(u.top));
}

// ---- plain translation: src (B images, H×W), off (B) → dst
@compute @workgroup_size(WG)
fn translate(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.B * u.H * u.W) { return; }
  let v = unflatten3(i, u.H, u.W); // (n, y, x)
  dst[i] = sample(v.x * u.H * u.W, u.H, u.W, vec2<f32>(v.zy) - off[v.x]);
}

// Adjoint of a sample at q + s0 for every output pixel q of g: input pixel p gathers the taps that touched it.
fn adj_taps(base: u32, h: u32, w: u32, p: vec2<i32>, s0: vec2<f32>) -> vec2<f32> {
  var acc = vec2<f32>(0.0, 0.0);
  for (var k = 0; k < 4; k++) {
    let q = adj_tap(p, s0, k);
    if (in_rect(q.p, vec2<i32>(0), image_rect(h, w))) { acc += g[pixel(base, w, q.p)] * q.w; }
  }
  return acc;
}

@compute @workgroup_size(WG)
fn translate_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.B * u.H * u.W) { return; }
  let v = unflatten3(i, u.H, u.W); // (n, y, x)
  dst[i] = adj_taps(v.x * u.H * u.W, u.H, u.W, vec2<i32>(v.zy), -off[v.x]);
}

// ---- merge: per canvas pixel (b, Y, X): Σ_c T_c·W_c, T_c/W_c sampled at (X + ox, Y + oy) (translation by −off)
@compute @workgroup_size(WG)
fn merge(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.B * u.M * u.M) { return; }
  let v = unflatten3(i, u.M, u.M); // (b, Y, X)
  var num = vec2<f32>(0.0, 0.0);
  var wsum = 0.0;
  for (var c = 0u; c < u.C; c++) {
    let s = vec2<f32>(v.zy) + off[v.x * u.C + c];
    let w = mask_sample(s);
    if (w != 0.0) { num += patch_sample(v.x, c, s) * w; }
    wsum += w;
  }
  den_out[i] = wsum;
  dst[i] = select(vec2<f32>(0.0, 0.0), num / (wsum + 0.001), wsum > 1e-6);
}

// merge adjoint w.r.t. patches: patch pixel (b, c, i, j) at padded p = (top + j, top + i) gathers
// g(Y,X)·W_c(Y,X)·[den > 1e-6]/(den + 0.001) over the canvas pixels whose sample point touches it.
@compute @workgroup_size(WG)
fn merge_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = global_index(gid, nwg);
  if (t >= u.B * u.C * u.N * u.N) { return; }
  let v = unflatten3(t, u.N, u.N); // (b·C + c, i, j)
  let p = vec2<i32>(v.zy + u.top);
  let o = off[v.x];
  let canvas = (v.x / u.C) * u.M * u.M;
  var acc = vec2<f32>(0.0, 0.0);
  for (var k = 0; k < 4; k++) {
    let q = adj_tap(p, o, k);
    if (!in_rect(q.p, vec2<i32>(0), image_rect(u.M, u.M))) { continue; }
    let qi = pixel(canvas, u.M, q.p);
    let d = den[qi];
    if (d <= 1e-6) { continue; }
    acc += g[qi] * (q.w * mask_sample(vec2<f32>(q.p) + o) / (d + 0.001));
  }
  dst[t] = acc;
}

// ---- extraction: patch (b, c, i, j) = canvas sampled at (top + j − ox, top + i − oy) (translation by +off, crop)
@compute @workgroup_size(WG)
fn extract(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = global_index(gid, nwg);
  if (t >= u.B * u.C * u.N * u.N) { return; }
  let v = unflatten3(t, u.N, u.N); // (b·C + c, i, j)
  dst[t] = sample((v.x / u.C) * u.M * u.M, u.M, u.M, f32(u.top) + vec2<f32>(v.zy) - off[v.x]);
}

// extraction adjoint: canvas pixel (b, Y, X) gathers from every patch c of g the taps that touched it.
@compute @workgroup_size(WG)
fn extract_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let q = global_index(gid, nwg);
  if (q >= u.B * u.M * u.M) { return; }
  let v = unflatten3(q, u.M, u.M); // (b, Y, X)
  let p = vec2<i32>(v.zy);
  var acc = vec2<f32>(0.0, 0.0);
  for (var c = 0u; c < u.C; c++) {
    // patch pixel (i, j) samples canvas at (j + top − ox, i + top − oy): offset s0 = top − o.
    let bc = v.x * u.C + c;
    acc += adj_taps(bc * u.N * u.N, u.N, u.N, p, f32(u.top) - off[bc]);
  }
  dst[q] = acc;
}
