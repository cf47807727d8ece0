// (index.wgsl is prepended.) Bilinear sub-pixel translation (torch grid_sample, align_corners=True, zeros padding: each tap outside the
// image contributes 0) and PtychoPINN's training-time merge of a group's C patches onto an M×M canvas and the
// re-extraction of patches from it. Every adjoint is written as a gather (no float atomics in WGSL).
// Convention: translating by o moves content by +o:  out(x, y) = in(x − ox, y − oy), x = column, y = row.
// Offsets are [x, y] pairs; for the merge they are coords_relative = centroid − position (B, C, 2).
// One Params struct for the file: translate reads B (images), H, W; merge / extract B, C, N, M, top.
// The header (struct Params, bindings) is generated from the family declaration in src/gpu/ops/reassemble.ts.

// Bilinear sample of image `img` (h×w, complex) at (sx, sy) with zero taps outside.
fn sample(base: u32, h: u32, w: u32, sx: f32, sy: f32) -> vec2<f32> {
  let x0 = floor(sx);
  let y0 = floor(sy);
  let fx = sx - x0;
  let fy = sy - y0;
  var acc = vec2<f32>(0.0, 0.0);
  for (var dy = 0; dy < 2; dy++) {
    let yy = i32(y0) + dy;
    if (yy < 0 || yy >= i32(h)) { continue; }
    let wy = select(1.0 - fy, fy, dy == 1);
    for (var dx = 0; dx < 2; dx++) {
      let xx = i32(x0) + dx;
      if (xx < 0 || xx >= i32(w)) { continue; }
      let wx = select(1.0 - fx, fx, dx == 1);
      acc += src[base + u32(yy) * w + u32(xx)] * (wy * wx);
    }
  }
  return acc;
}

// The N×N central mask (1 on [N/4, N/4 + N/2)²) padded into M×M, bilinearly sampled at (sx, sy) of the padded frame.
fn mask_sample(sx: f32, sy: f32) -> f32 {
  let x0 = floor(sx);
  let y0 = floor(sy);
  let fx = sx - x0;
  let fy = sy - y0;
  let lo = i32(u.top + u.N / 4u);
  let hi = lo + i32(u.N / 2u);
  var acc = 0.0;
  for (var dy = 0; dy < 2; dy++) {
    let yy = i32(y0) + dy;
    if (yy < lo || yy >= hi) { continue; }
    let wy = select(1.0 - fy, fy, dy == 1);
    for (var dx = 0; dx < 2; dx++) {
      let xx = i32(x0) + dx;
      if (xx < lo || xx >= hi) { continue; }
      acc += wy * select(1.0 - fx, fx, dx == 1);
    }
  }
  return acc;
}

// Padded patch c of group b sampled at (sx, sy) in padded coordinates (zeros outside the N×N patch).
fn patch_sample(b: u32, c: u32, sx: f32, sy: f32) -> vec2<f32> {
  return sample((b * u.C + c) * u.N * u.N, u.N, u.N, sx - f32(u.top), sy - f32(u.top));
}

// ---- plain translation: src (B images, H×W), off (B) → dst
@compute @workgroup_size(WG)
fn translate(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  let hw = u.H * u.W;
  if (i >= u.B * hw) { return; }
  let n = i / hw;
  let y = (i % hw) / u.W;
  let x = i % u.W;
  let o = off[n];
  dst[i] = sample(n * hw, u.H, u.W, f32(x) - o.x, f32(y) - o.y);
}

// adjoint: input pixel P gathers from output pixels of g whose taps touch it
fn adj_taps(base: u32, h: u32, w: u32, px: i32, py: i32, sx0: f32, sy0: f32) -> vec2<f32> {
  // Output pixel q samples at q + s0; its x-tap floor is q + floor(s0x), weight (1−f) there and f one further.
  let fx = sx0 - floor(sx0);
  let fy = sy0 - floor(sy0);
  let bx = i32(floor(sx0));
  let by = i32(floor(sy0));
  var acc = vec2<f32>(0.0, 0.0);
  for (var dy = 0; dy < 2; dy++) {
    let qy = py - by - dy;
    if (qy < 0 || qy >= i32(h)) { continue; }
    let wy = select(1.0 - fy, fy, dy == 1);
    for (var dx = 0; dx < 2; dx++) {
      let qx = px - bx - dx;
      if (qx < 0 || qx >= i32(w)) { continue; }
      acc += g[base + u32(qy) * w + u32(qx)] * (wy * select(1.0 - fx, fx, dx == 1));
    }
  }
  return acc;
}

@compute @workgroup_size(WG)
fn translate_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  let hw = u.H * u.W;
  if (i >= u.B * hw) { return; }
  let n = i / hw;
  let o = off[n];
  dst[i] = adj_taps(n * hw, u.H, u.W, i32(i % u.W), i32((i % hw) / u.W), -o.x, -o.y);
}

// ---- merge: per canvas pixel (b, Y, X): Σ_c T_c·W_c, T_c/W_c sampled at (X + ox, Y + oy) (translation by −off)
@compute @workgroup_size(WG)
fn merge(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  let mm = u.M * u.M;
  if (i >= u.B * mm) { return; }
  let b = i / mm;
  let Y = f32((i % mm) / u.M);
  let X = f32(i % u.M);
  var num = vec2<f32>(0.0, 0.0);
  var wsum = 0.0;
  for (var c = 0u; c < u.C; c++) {
    let o = off[b * u.C + c];
    let w = mask_sample(X + o.x, Y + o.y);
    if (w != 0.0) { num += patch_sample(b, c, X + o.x, Y + o.y) * w; }
    wsum += w;
  }
  den_out[i] = wsum;
  dst[i] = select(vec2<f32>(0.0, 0.0), num / (wsum + 0.001), wsum > 1e-6);
}

// merge adjoint w.r.t. patches: patch pixel (b, c, i, j) at padded (P_y, P_x) = (top + i, top + j) gathers
// g(Y,X)·W_c(Y,X)·[den > 1e-6]/(den + 0.001) over the canvas pixels whose sample point touches it.
@compute @workgroup_size(WG)
fn merge_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = global_index(gid, nwg);
  let nn = u.N * u.N;
  if (t >= u.B * u.C * nn) { return; }
  let bc = t / nn;
  let b = bc / u.C;
  let px = i32(u.top + t % u.N);
  let py = i32(u.top + (t % nn) / u.N);
  let o = off[bc];
  let fx = o.x - floor(o.x);
  let fy = o.y - floor(o.y);
  let bx = i32(floor(o.x));
  let by = i32(floor(o.y));
  var acc = vec2<f32>(0.0, 0.0);
  for (var dy = 0; dy < 2; dy++) {
    let Yq = py - by - dy;
    if (Yq < 0 || Yq >= i32(u.M)) { continue; }
    let wy = select(1.0 - fy, fy, dy == 1);
    for (var dx = 0; dx < 2; dx++) {
      let Xq = px - bx - dx;
      if (Xq < 0 || Xq >= i32(u.M)) { continue; }
      let q = b * u.M * u.M + u32(Yq) * u.M + u32(Xq);
      let d = den[q];
      if (d <= 1e-6) { continue; }
      let w = mask_sample(f32(Xq) + o.x, f32(Yq) + o.y);
      acc += g[q] * (wy * select(1.0 - fx, fx, dx == 1) * w / (d + 0.001));
    }
  }
  dst[t] = acc;
}

// ---- extraction: patch (b, c, i, j) = canvas sampled at (top + j − ox, top + i − oy) (translation by +off, crop)
@compute @workgroup_size(WG)
fn extract(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = global_index(gid, nwg);
  let nn = u.N * u.N;
  if (t >= u.B * u.C * nn) { return; }
  let bc = t / nn;
  let b = bc / u.C;
  let o = off[bc];
  let j = f32(t % u.N);
  let i = f32((t % nn) / u.N);
  dst[t] = sample(b * u.M * u.M, u.M, u.M, f32(u.top) + j - o.x, f32(u.top) + i - o.y);
}

// extraction adjoint: canvas pixel (b, Y, X) gathers from every patch c of g the taps that touched it.
@compute @workgroup_size(WG)
fn extract_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let q = global_index(gid, nwg);
  let mm = u.M * u.M;
  if (q >= u.B * mm) { return; }
  let b = q / mm;
  let Y = i32((q % mm) / u.M);
  let X = i32(q % u.M);
  var acc = vec2<f32>(0.0, 0.0);
  for (var c = 0u; c < u.C; c++) {
    let o = off[b * u.C + c];
    // patch pixel (i, j) samples canvas at (j + top − ox, i + top − oy): offset s0 = top − o.
    acc += adj_taps((b * u.C + c) * u.N * u.N, u.N, u.N, X, Y, f32(u.top) - o.x, f32(u.top) - o.y);
  }
  dst[q] = acc;
}
