// Instance normalisation (torch nn.InstanceNorm2d, no running stats): per (b, c) row of H·W = hw floats,
// y = (x − μ)·r·w[c] + β[c] with μ the row mean, r = 1/sqrt(σ² + eps), σ² the biased variance.
// One 32-wide workgroup per row (row = b·C + c); grids over 65535 rows are folded into 2-D (gpu.grid).
// Invocation l holds the elements l, l + 32, …: their count, mean and Σ(x − mean)² (two passes over its own few
// elements), merged across the workgroup in one reduction with Chan's pairwise formula, so the statistics keep the
// accuracy of two passes over the row with one workgroup reduction (software adapters emulate every barrier).
// `*_plain` entry points are affine = False (w = 1, β = 0, no weight bindings).
// Backward (x̂ = (x − μ)·r, n = hw): gx = r·w·(g − Σg/n − x̂·Σ(g·x̂)/n); gβ[c] = Σ_b Σg, gw[c] = Σ_b Σ(g·x̂).
// The header (struct Params, bindings) is generated from the family declaration in src/gpu/ops/norm.ts.

const LANES = 32u; // the row kernels' workgroup size
const GROUP = 8u; // the reduction: LANES / GROUP groups of GROUP partials, then the group totals
const NGROUP = LANES / GROUP;

var<workgroup> in_part: array<vec3<f32>, LANES>;
var<workgroup> in_group: array<vec3<f32>, NGROUP>;

fn row_of(wid: vec3<u32>, nwg: vec3<u32>) -> u32 { return wid.x + wid.y * nwg.x; }

// Chan et al.: (count, mean, M2) of the union of two disjoint sets; an empty set is (0, 0, 0).
fn merge(a: vec3<f32>, b: vec3<f32>) -> vec3<f32> {
  let n = a.x + b.x;
  let d = b.y - a.y;
  let f = b.x / max(n, 1.0);
  return vec3<f32>(n, a.y + d * f, a.z + b.z + d * d * a.x * f);
}

// Two-level reduction of the 32 invocations' values (mode 0: merge, 1: sum); every invocation gets the total.
// Two barriers in all; call it once per kernel (a second call would overwrite what others may still read).
fn row_reduce(l: u32, s: vec3<f32>, mode: u32) -> vec3<f32> {
  in_part[l] = s;
  workgroupBarrier();
  if (l < NGROUP) {
    var t = in_part[l * GROUP];
    for (var k = 1u; k < GROUP; k++) {
      let v = in_part[l * GROUP + k];
      t = select(merge(t, v), t + v, mode == 1u);
    }
    in_group[l] = t;
  }
  workgroupBarrier();
  var t = in_group[0];
  for (var k = 1u; k < NGROUP; k++) {
    let v = in_group[k];
    t = select(merge(t, v), t + v, mode == 1u);
  }
  return t;
}

// 1/sqrt(v) with one Newton step (the built-in is only promised to ~2 ulp).
fn rsqrt_acc(v: f32) -> f32 {
  let r = 1.0 / sqrt(v);
  return r + 0.5 * r * (1.0 - v * r * r);
}

// Statistics of `row` into stats[2·row..] = (μ, r), then out = (x − μ)·(r·wc) + bc.
fn normalize_row(row: u32, l: u32, wc: f32, bc: f32) {
  let base = row * u.hw;
  var s = 0.0;
  var k = 0.0;
  for (var i = l; i < u.hw; i += LANES) {
    s += x[base + i];
    k += 1.0;
  }
  let m = s / max(k, 1.0);
  var q = 0.0;
  for (var i = l; i < u.hw; i += LANES) {
    let d = x[base + i] - m;
    q += d * d;
  }
  let t = row_reduce(l, vec3<f32>(k, m, q), 0u);
  let mu = t.y;
  let r = rsqrt_acc(t.z / f32(u.hw) + u.eps);
  if (l == 0u) {
    stats[2u * row] = mu;
    stats[2u * row + 1u] = r;
  }
  let a = r * wc;
  for (var i = l; i < u.hw; i += LANES) { out[base + i] = (x[base + i] - mu) * a + bc; }
}

@compute @workgroup_size(32)
fn forward_affine(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
                  @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = row_of(wid, nwg);
  if (row >= u.rows) { return; }
  let c = row % u.C;
  normalize_row(row, lid.x, w[c], b[c]);
}

@compute @workgroup_size(32)
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
  for (var i = l; i < u.hw; i += LANES) {
    let gi = g[base + i];
    s += vec2<f32>(gi, gi * (x[base + i] - mu) * r);
  }
  let t = row_reduce(l, vec3<f32>(s, 0.0), 1u);
  if (l == 0u) {
    rowsum[2u * row] = t.x;
    rowsum[2u * row + 1u] = t.y;
  }
  let m1 = t.x / n;
  let m2 = t.y / n;
  let a = r * wc;
  for (var i = l; i < u.hw; i += LANES) { gx[base + i] = a * (g[base + i] - m1 - (x[base + i] - mu) * r * m2); }
}

@compute @workgroup_size(32)
fn backward_affine(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
                   @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = row_of(wid, nwg);
  if (row >= u.rows) { return; }
  grad_row(row, lid.x, w[row % u.C]);
}

@compute @workgroup_size(32)
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
