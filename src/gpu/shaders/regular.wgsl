// (index.wgsl is prepended.) Real-space regularisers of the reference compute_loss (amp_loss / phase_loss on the
// generator outputs): Total_Variation Σ|Δy| + Σ|Δx| and Mean_Deviation Σ|x − mean_HW(x)|, per sample, on
// (B, C, H, W) planes. The adjoints scale by the upstream gradient read from `g`.
// The header (struct Params, bindings) is generated from the family declaration in src/gpu/ops/regular.ts.

@compute @workgroup_size(WG)
fn tv_terms(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  let v = unflatten3(i, u.H, u.W); // (plane, h, w)
  var t = 0.0;
  if (v.y + 1u < u.H) { t += abs(x[i + u.W] - x[i]); }
  if (v.z + 1u < u.W) { t += abs(x[i + 1u] - x[i]); }
  out[i] = t;
}

@compute @workgroup_size(WG)
fn tv_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  let v = unflatten3(i, u.H, u.W); // (plane, h, w)
  var d = 0.0;
  if (v.y + 1u < u.H) { d -= sign(x[i + u.W] - x[i]); }
  if (v.z + 1u < u.W) { d -= sign(x[i + 1u] - x[i]); }
  if (v.y > 0u) { d += sign(x[i] - x[i - u.W]); }
  if (v.z > 0u) { d += sign(x[i] - x[i - 1u]); }
  out[i] = d * g[0];
}

// per-plane mean of x (one invocation per plane)
@compute @workgroup_size(WG)
fn plane_mean(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let p = global_index(gid, nwg);
  if (p >= u.planes) { return; }
  let hw = u.H * u.W;
  var acc = 0.0;
  for (var k = 0u; k < hw; k++) { acc += x[p * hw + k]; }
  out[p] = acc / f32(hw);
}

@compute @workgroup_size(WG)
fn absdev_terms(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  out[i] = abs(x[i] - m[i / (u.H * u.W)]);
}

// out = sign(x − m_plane)
@compute @workgroup_size(WG)
fn absdev_sign(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  out[i] = sign(x[i] - m[i / (u.H * u.W)]);
}

// d/dx_j Σ|x_i − m| = s_j − mean_plane(s), times g
@compute @workgroup_size(WG)
fn absdev_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  out[i] = (s[i] - s_mean[i / (u.H * u.W)]) * g[0];
}
