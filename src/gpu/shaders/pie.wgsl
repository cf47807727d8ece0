// The iterative solver's kernels (src/gpu/ops/pie.ts): a batch of scan positions is extracted from the object
// canvas (bilinear, sub-pixel), lit by the probe, propagated (FFT, elsewhere), pulled towards the measured modulus
// in Fourier space, propagated back, and its exit-wave change Δψ updates the object (rPIE-style, summed over the
// batch), the probe and the positions. Complex values are vec2 (re, im). Canvas coordinates: patch pixel (i, j) of
// position p samples the object at (pos[p].x − N/2 + j, pos[p].y − N/2 + i), as src/pipeline/container.ts does.
// The header (struct Params, bindings) is generated from the family declaration in src/gpu/ops/pie.ts.

fn cmul(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  return vec2<f32>(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x);
}

// conj(a) · b
fn cmulc(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  return vec2<f32>(a.x * b.x + a.y * b.y, a.x * b.y - a.y * b.x);
}

// Branch-free (a clamped load, zeroed outside): inlined many times per kernel, branches make SwiftShader's
// compile of the position step run for minutes.
fn obj_at(y: i32, x: i32) -> vec2<f32> {
  let inside = y >= 0 && x >= 0 && y < i32(u.H) && x < i32(u.W);
  let k = u32(clamp(y, 0, i32(u.H) - 1)) * u.W + u32(clamp(x, 0, i32(u.W) - 1));
  return select(vec2<f32>(0.0, 0.0), obj[k], inside);
}

// The object bilinearly sampled at (sy, sx).
fn obj_bilinear(sy: f32, sx: f32) -> vec2<f32> {
  let y0 = floor(sy);
  let x0 = floor(sx);
  let fy = sy - y0;
  let fx = sx - x0;
  let iy = i32(y0);
  let ix = i32(x0);
  return obj_at(iy, ix) * ((1.0 - fy) * (1.0 - fx)) + obj_at(iy, ix + 1) * ((1.0 - fy) * fx) +
    obj_at(iy + 1, ix) * (fy * (1.0 - fx)) + obj_at(iy + 1, ix + 1) * (fy * fx);
}

// Per batch element b and patch pixel (i, j): the object patch and the exit wave ψ = P · O_patch.
@compute @workgroup_size(WG)
fn extract(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = global_index(gid, nwg);
  let NN = u.N * u.N;
  if (t >= u.B * NN) { return; }
  let b = t / NN;
  let k = t % NN;
  let i = k / u.N;
  let j = k % u.N;
  let p = pos[batch[b]];
  let half = f32(u.N / 2u);
  let o = obj_bilinear(p.y - half + f32(i), p.x - half + f32(j));
  opatch[t] = o;
  psi[t] = cmul(probe[k], o);
}

var<workgroup> sums: array<vec4<f32>, 256>;

// One workgroup (256) per batch element: the Fourier-modulus step on the unshifted transform F, in place:
// F ← D = F' − F with F' the measured modulus m put on F's phase (amplitude), or the Poisson-likelihood step
// D = ½·(m²/|F|² − 1)·F (capped). Per pattern p: err[3p..] = [Σ(|F| − m)², Σ m², Σ |F|²].
@compute @workgroup_size(64)
fn project(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let b = wid.x + wid.y * 65535u;
  if (b >= u.B) { return; }
  let p = batch[b];
  let NN = u.N * u.N;
  var s = vec4<f32>(0.0);
  for (var k = lid.x; k < NN; k += 64u) {
    let f = fourier[b * NN + k];
    let a = length(f);
    let m = modulus[p * NN + k];
    s += vec4<f32>((a - m) * (a - m), m * m, a * a, 0.0);
    var d = vec2<f32>(0.0);
    if (u.poisson == 1u) {
      let r = min(m * m / (a * a + u.eps), 4.0);
      d = f * (0.5 * (r - 1.0));
    } else if (a > 0.0) {
      d = f * (m / a - 1.0);
    } else {
      d = vec2<f32>(m, 0.0);
    }
    fourier[b * NN + k] = d;
  }
  sums[lid.x] = s;
  workgroupBarrier();
  for (var w = 32u; w > 0u; w >>= 1u) {
    if (lid.x < w) { sums[lid.x] += sums[lid.x + w]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) {
    err[3u * p] = sums[0].x;
    err[3u * p + 1u] = sums[0].y;
    err[3u * p + 2u] = sums[0].z;
  }
}

// One tap of the object update: (conj(P)·Δψ_b, |P|², 1) × w at patch pixel (i, j), zero outside the patch.
fn update_tap(b: u32, i: i32, j: i32, w: f32) -> vec4<f32> {
  let n = i32(u.N);
  let inside = i >= 0 && j >= 0 && i < n && j < n;
  let k = u32(clamp(i, 0, n - 1)) * u.N + u32(clamp(j, 0, n - 1));
  let pr = probe[k];
  let ww = select(0.0, w, inside);
  return vec4<f32>(cmulc(pr, dpsi[b * u.N * u.N + k]) * ww, dot(pr, pr) * ww, ww);
}

// The object update, as a gather over 16×16 canvas tiles (CSR lists of the batch elements whose footprint
// overlaps each tile, built on the CPU): num = Σ_b adjᵀ(conj(P)·Δψ_b), den = Σ_b adjᵀ(|P|²), cnt = Σ_b adjᵀ(1)
// with adjᵀ the transpose of the bilinear extraction; O += step · num / ((1 − α)·den + α·max|P|²·√max(cnt, 1))
// where den > 0. cnt is how many of the batch's patches cover the pixel: summing their ePIE steps (÷ 1) diverges
// on dense scans, averaging them (÷ cnt) converges slowly; ÷ √cnt was best on the benchmark (specs/solver.md).
@compute @workgroup_size(16, 16)
fn object_update(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let tile = wid.x + wid.y * 65535u;
  if (tile + 1u >= arrayLength(&tileStart)) { return; }
  let tx = tile % u.tilesX;
  let ty = tile / u.tilesX;
  let X = tx * 16u + lid.x;
  let Y = ty * 16u + lid.y;
  if (X >= u.W || Y >= u.H) { return; }
  let half = f32(u.N / 2u);
  var num = vec2<f32>(0.0, 0.0);
  var den = 0.0;
  var cnt = 0.0;
  for (var e = tileStart[tile]; e < tileStart[tile + 1u]; e++) {
    let b = tileList[e];
    let p = pos[batch[b]];
    let sy = p.y - half;
    let sx = p.x - half;
    let by = floor(sy);
    let bx = floor(sx);
    let fy = sy - by;
    let fx = sx - bx;
    // The four patch pixels whose bilinear footprint holds this canvas pixel, without branches (SwiftShader runs
    // invocations in lock-step lanes: a divergent branch costs both paths).
    let i = i32(Y) - i32(by);
    let j = i32(X) - i32(bx);
    let t = update_tap(b, i, j, (1.0 - fy) * (1.0 - fx)) + update_tap(b, i, j - 1, (1.0 - fy) * fx) +
      update_tap(b, i - 1, j, fy * (1.0 - fx)) + update_tap(b, i - 1, j - 1, fy * fx);
    num += t.xy;
    den += t.z;
    cnt += t.w;
  }
  if (den > 0.0) {
    let k = Y * u.W + X;
    obj[k] += num * (u.step / ((1.0 - u.alpha) * den + u.alpha * stats[0] * sqrt(max(cnt, 1.0))));
  }
}

// The probe update's sums, one invocation per probe pixel: acc[k] = [Σ_b conj(O_b)·Δψ_b (2), Σ_b |O_b|², 0].
@compute @workgroup_size(WG)
fn probe_accumulate(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let k = global_index(gid, nwg);
  let NN = u.N * u.N;
  if (k >= NN) { return; }
  var num = vec2<f32>(0.0, 0.0);
  var den = 0.0;
  for (var b = 0u; b < u.B; b++) {
    let o = opatch[b * NN + k];
    num += cmulc(o, dpsi[b * NN + k]);
    den += dot(o, o);
  }
  acc[k] = vec4<f32>(num, den, 0.0);
}

// One workgroup: P += step · num / ((1 − α)·den + α·max den) (skipped when step = 0), then stats[0] = max |P|²
// (the object update's regulariser) and stats[1] = Σ |P|².
@compute @workgroup_size(256)
fn probe_apply(@builtin(local_invocation_id) lid: vec3<u32>) {
  let NN = u.N * u.N;
  var mx = 0.0;
  if (u.step != 0.0) {
    for (var k = lid.x; k < NN; k += 256u) { mx = max(mx, acc[k].z); }
    sums[lid.x] = vec4<f32>(mx, 0.0, 0.0, 0.0);
    workgroupBarrier();
    for (var w = 128u; w > 0u; w >>= 1u) {
      if (lid.x < w) { sums[lid.x].x = max(sums[lid.x].x, sums[lid.x + w].x); }
      workgroupBarrier();
    }
    let dmax = sums[0].x;
    workgroupBarrier();
    for (var k = lid.x; k < NN; k += 256u) {
      let a = acc[k];
      probe[k] += a.xy * (u.step / ((1.0 - u.alpha) * a.z + u.alpha * dmax + 1e-30));
    }
  }
  var pm = 0.0;
  var ps = 0.0;
  for (var k = lid.x; k < NN; k += 256u) {
    let q = dot(probe[k], probe[k]);
    pm = max(pm, q);
    ps += q;
  }
  sums[lid.x] = vec4<f32>(pm, ps, 0.0, 0.0);
  workgroupBarrier();
  for (var w = 128u; w > 0u; w >>= 1u) {
    if (lid.x < w) {
      sums[lid.x] = vec4<f32>(max(sums[lid.x].x, sums[lid.x + w].x), sums[lid.x].y + sums[lid.x + w].y, 0.0, 0.0);
    }
    workgroupBarrier();
  }
  if (lid.x == 0u) {
    stats[0] = sums[0].x;
    stats[1] = sums[0].y;
  }
}

// The bilinear value at fractional offset (fy, fx) from neighbourhood cell (r, c).
fn bil4(nb: ptr<function, array<vec2<f32>, 16>>, r: i32, c: i32, fy: f32, fx: f32) -> vec2<f32> {
  return (*nb)[r * 4 + c] * ((1.0 - fy) * (1.0 - fx)) + (*nb)[r * 4 + c + 1] * ((1.0 - fy) * fx) +
    (*nb)[r * 4 + c + 4] * (fy * (1.0 - fx)) + (*nb)[r * 4 + c + 5] * (fy * fx);
}

// One invocation per batch element (a serial loop over the patch: B is small, and it needs no barriers): the
// least-squares shift (dx, dy) that moves ψ = P·O(r + pos) towards ψ + Δψ to first order, with g_x = P·∂O/∂x
// (central differences of the bilinear object):
// [Σ|g_x|² Σ Re g_x*g_y; · Σ|g_y|²] (dx, dy) = (Σ Re g_x*Δψ, Σ Re g_y*Δψ), each component clamped to ±maxShift.
@compute @workgroup_size(WG)
fn position_step(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let b = global_index(gid, nwg);
  if (b >= u.B) { return; }
  let p = pos[batch[b]];
  let NN = u.N * u.N;
  let half = f32(u.N / 2u);
  var a = vec4<f32>(0.0);
  var r = vec2<f32>(0.0);
  for (var k = 0u; k < NN; k++) {
    let sy = p.y - half + f32(k / u.N);
    let sx = p.x - half + f32(k % u.N);
    let pr = probe[k];
    // The 4×4 neighbourhood (rows y0 − 1 … y0 + 2, columns x0 − 1 … x0 + 2) holds every tap of the four
    // bilinear samples at (sy, sx ± 1) and (sy ± 1, sx).
    let y0 = floor(sy);
    let x0 = floor(sx);
    let fy = sy - y0;
    let fx = sx - x0;
    var nb: array<vec2<f32>, 16>;
    for (var r = 0; r < 4; r++) {
      for (var c = 0; c < 4; c++) { nb[r * 4 + c] = obj_at(i32(y0) - 1 + r, i32(x0) - 1 + c); }
    }
    let gx = cmul(pr, (bil4(&nb, 1, 2, fy, fx) - bil4(&nb, 1, 0, fy, fx)) * 0.5);
    let gy = cmul(pr, (bil4(&nb, 2, 1, fy, fx) - bil4(&nb, 0, 1, fy, fx)) * 0.5);
    let d = dpsi[b * NN + k];
    a += vec4<f32>(dot(gx, gx), dot(gx, gy), dot(gy, gy), 0.0);
    r += vec2<f32>(dot(gx, d), dot(gy, d));
  }
  // A small ridge keeps flat regions (no gradient) from moving.
  let ridge = 1e-3 * (a.x + a.z) + 1e-20;
  let axx = a.x + ridge;
  let ayy = a.z + ridge;
  let det = axx * ayy - a.y * a.y;
  let dx = (ayy * r.x - a.y * r.y) / det;
  let dy = (axx * r.y - a.y * r.x) / det;
  shift[b] = clamp(vec2<f32>(dx, dy) * u.step, vec2<f32>(-u.maxShift), vec2<f32>(u.maxShift));
}

// pos[batch[b]] += shift[b] (after the object update, which used the positions Δψ was computed at).
@compute @workgroup_size(WG)
fn position_apply(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let b = global_index(gid, nwg);
  if (b >= u.B) { return; }
  pos[batch[b]] += shift[b];
}

// Momentum over sweeps (mPIE, Maiden, Johnson & Li 2017): at each iteration's end v ← η·v + (O − O_prev),
// O ← O + η·v, O_prev ← O. One invocation per canvas pixel.
@compute @workgroup_size(WG)
fn momentum(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.H * u.W) { return; }
  let v = velocity[i] * u.step + (obj[i] - previous[i]);
  velocity[i] = v;
  let o = obj[i] + v * u.step;
  obj[i] = o;
  previous[i] = o;
}
