// Real-space regularisers of the reference compute_loss (amp_loss / phase_loss on the generator outputs):
// Total_Variation Σ|Δy| + Σ|Δx| and Mean_Deviation Σ|x − mean_HW(x)|, per sample, on (B, C, H, W) planes.
// u.scale multiplies the adjoints (the upstream gradient is read from `g`).
struct Params { n: u32, H: u32, W: u32, planes: u32 }
@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> m: array<f32>;  // per-plane means (mean deviation), or unused
@group(0) @binding(3) var<storage, read> g: array<f32>;  // [upstream gradient · coefficient]
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

fn gi(gid: vec3<u32>, nwg: vec3<u32>) -> u32 { return gid.x + gid.y * nwg.x * 256u; }

@compute @workgroup_size(256)
fn tv_terms(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gi(gid, nwg);
  if (i >= u.n) { return; }
  let h = (i % (u.H * u.W)) / u.W;
  let w = i % u.W;
  var t = 0.0;
  if (h + 1u < u.H) { t += abs(x[i + u.W] - x[i]); }
  if (w + 1u < u.W) { t += abs(x[i + 1u] - x[i]); }
  out[i] = t;
}

@compute @workgroup_size(256)
fn tv_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gi(gid, nwg);
  if (i >= u.n) { return; }
  let h = (i % (u.H * u.W)) / u.W;
  let w = i % u.W;
  var d = 0.0;
  if (h + 1u < u.H) { d -= sign(x[i + u.W] - x[i]); }
  if (w + 1u < u.W) { d -= sign(x[i + 1u] - x[i]); }
  if (h > 0u) { d += sign(x[i] - x[i - u.W]); }
  if (w > 0u) { d += sign(x[i] - x[i - 1u]); }
  out[i] = d * g[0];
}

// per-plane mean of x (one invocation per plane)
@compute @workgroup_size(64)
fn plane_mean(@builtin(global_invocation_id) gid: vec3<u32>) {
  let p = gid.x;
  if (p >= u.planes) { return; }
  let hw = u.H * u.W;
  var s = 0.0;
  for (var k = 0u; k < hw; k++) { s += x[p * hw + k]; }
  out[p] = s / f32(hw);
}

@compute @workgroup_size(256)
fn absdev_terms(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gi(gid, nwg);
  if (i >= u.n) { return; }
  out[i] = abs(x[i] - m[i / (u.H * u.W)]);
}

// s = sign(x − m_plane)
@compute @workgroup_size(256)
fn absdev_sign(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gi(gid, nwg);
  if (i >= u.n) { return; }
  out[i] = sign(x[i] - m[i / (u.H * u.W)]);
}

// d/dx_j Σ|x_i − m| = s_j − mean_plane(s); x = s, m = plane means of s
@compute @workgroup_size(256)
fn absdev_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gi(gid, nwg);
  if (i >= u.n) { return; }
  out[i] = (x[i] - m[i / (u.H * u.W)]) * g[0];
}
