// (index.wgsl is prepended.) out = a[0]·x + b[0] (the PyTorch forward model's trainable intensity scale
// α·pred + β), out = a[0]·x (`scale_by`: a trainable scalar gate) and their x-adjoint gx = g·a[0].
// The header (struct Params, bindings) is generated from the family declaration in src/gpu/ops/elementwise.ts.

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  out[i] = a[0] * x[i] + b[0];
}

@compute @workgroup_size(WG)
fn scale_by(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  out[i] = a[0] * x[i];
}

// gx = g · a[0]
@compute @workgroup_size(WG)
fn grad_x(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  gx[i] = g[i] * a[0];
}
