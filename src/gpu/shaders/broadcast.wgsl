// (index.wgsl is prepended.) out[i] = g[0] · s for every i (gradient of a full reduction).
// The header (struct Params, bindings) is generated from the family declaration in src/gpu/ops/reduce.ts.

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  out[i] = g[0] * u.s;
}
