// (index.wgsl is prepended.) Elementwise arithmetic on flat float32 arrays (complex tensors are treated as 2n
// floats). u.n = number of floats; 1-D grid folded into 2-D (global_index).
// The header (struct Params, bindings) is generated from the family declaration in src/gpu/ops/elementwise.ts.

// out = a·x + b·y
@compute @workgroup_size(WG)
fn axpby(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  out[i] = u.a * x[i] + u.b * y[i];
}

// out = x · y (real, elementwise; u.a, u.b unused)
@compute @workgroup_size(WG)
fn mul(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  out[i] = x[i] * y[i];
}
