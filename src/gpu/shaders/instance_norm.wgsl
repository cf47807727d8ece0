// Instance normalisation (torch nn.InstanceNorm2d, no running stats): per (b, c) row of H·W = hw floats,
// y = (x − μ)·r·w[c] + β[c] with μ the row mean, r = 1/sqrt(σ² + eps), σ² the biased variance (two passes).
// One 256-wide workgroup per row (row = b·C + c); grids over 65535 rows are folded into 2-D (gpu.grid).
// `*_plain` entry points are affine = False (w = 1, β = 0, no weight bindings).
// Backward (x̂ = (x − μ)·r, n = hw): gx = r·w·(g − Σg/n − x̂·Σ(g·x̂)/n); gβ[c] = Σ_b Σg, gw[c] = Σ_b Σ(g·x̂).
// The header (struct Params, bindings) is generated from the family declaration in src/gpu/ops/norm.ts.

var<workgroup> in_tree: array<vec2<f32>, 256>;

// Σ over the workgroup of two values at once (tree: error ~log2(256)·eps). The closing barrier lets a kernel call
// it again: nobody overwrites the tree before every invocation has read the total.
fn row_sum2(l: u32, s: vec2<f32>) -> vec2<f32> {
  in_tree[l] = s;
  workgroupBarrier();
  for (var k = 128u; k > 0u; k >>= 1u) {
    if (l < k) { in_tree[l] += in_tree[l + k]; }
    workgroupBarrier();
  }
  let total = in_tree[0];
  workgroupBarrier();
  return total;
}

fn row_of(wid: vec3<u32>, nwg: vec3<u32>) -> u32 { return wid.x + wid.y * nwg.x; }

// 1/sqrt(v) with one Newton step (the built-in is only promised to ~2 ulp).
fn rsqrt_acc(v: f32) -> f32 {
  let r = 1.0 / sqrt(v);
  return r + 0.5 * r * (1.0 - v * r * r);
}

// Statistics of `row` into stats[2·row..] = (μ, r), then out = (x − μ)·(r·wc) + bc.
fn normalize_row(row: u32, l: u32, wc: f32, bc: f32) {
  let base = row * u.hw;
  let n = f32(u.hw);
  var s = 0.0;
  for (var i = l; i < u.hw; i += 256u) { s += x[base + i]; }
  let mu = row_sum2(l, vec2<f32>(s, 0.0)).x / n;
  var q = 0.0;
  for (var i = l; i < u.hw; i += 256u) {
    let d = x[base + i] - mu;
    q += d * d;
  }
  let r = rsqrt_acc(row_sum2(l, vec2<f32>(q, 0.0)).x / n + u.eps);
  if (l == 0u) {
    stats[2u * row] = mu;
    stats[2u * row + 1u] = r;
  }
  let a = r * wc;
  for (var i = l; i < u.hw; i += 256u) { out[base + i] = (x[base + i] - mu) * a + bc; }
}

@compute @workgroup_size(256)
fn forward_affine(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
                  @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = row_of(wid, nwg);
  if (row >= u.rows) { return; }
  let c = row % u.C;
  normalize_row(row, lid.x, w[c], b[c]);
}

@compute @workgroup_size(256)
fn forward_plain(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
                 @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = row_of(wid, nwg);
  if (row >= u.rows) { return; }
  normalize_row(row, lid.x, 1.0, 0.0);
}

// gx of `row` (scaled by wc) and rowsum[2·row..] = (Σg, Σ g·x̂) for the parameter gradients.
fn grad_row(row: u32, l: u32, wc: f32) {
  let base = row * u.hw;
  let n = f32(u.hw);
  let mu = saved[2u * row];
  let r = saved[2u * row + 1u];
  var s = vec2<f32>(0.0, 0.0);
  for (var i = l; i < u.hw; i += 256u) {
    let gi = g[base + i];
    s += vec2<f32>(gi, gi * (x[base + i] - mu) * r);
  }
  let t = row_sum2(l, s);
  if (l == 0u) {
    rowsum[2u * row] = t.x;
    rowsum[2u * row + 1u] = t.y;
  }
  let m1 = t.x / n;
  let m2 = t.y / n;
  let a = r * wc;
  for (var i = l; i < u.hw; i += 256u) { gx[base + i] = a * (g[base + i] - m1 - (x[base + i] - mu) * r * m2); }
}

@compute @workgroup_size(256)
fn backward_affine(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
                   @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = row_of(wid, nwg);
  if (row >= u.rows) { return; }
  grad_row(row, lid.x, w[row % u.C]);
}

@compute @workgroup_size(256)
fn backward_plain(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
                  @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = row_of(wid, nwg);
  if (row >= u.rows) { return; }
  grad_row(row, lid.x, 1.0);
}

// One invocation per channel: gb[c] = Σ_b rowsum[2(b·C + c)], gw[c] = Σ_b rowsum[2(b·C + c) + 1].
@compute @workgroup_size(WG)
fn param_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let c = global_index(gid, nwg);
  if (c >= u.C) { return; }
  var sb = 0.0;
  var sw = 0.0;
  for (var row = c; row < u.rows; row += u.C) {
    sb += rowsum[2u * row];
    sw += rowsum[2u * row + 1u];
  }
  gb[c] = sb;
  gw[c] = sw;
}
