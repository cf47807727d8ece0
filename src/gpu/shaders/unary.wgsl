// (index.wgsl is prepended.) Unary elementwise maps on flat float32 arrays: out = a·x + b (scale/shift).
// The header (struct Params, bindings) is generated from the family declaration in src/gpu/ops/elementwise.ts.

@compute @workgroup_size(WG)
fn affine(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  out[i] = u.a * x[i] + u.b;
}
