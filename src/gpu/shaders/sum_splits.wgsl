// Shared by conv2d.wgsl and conv2d_direct.wgsl: src/gpu/ops/conv2d.ts and conv2dDirect.ts append it to each module,
// whose header declares u.n, u.splits, part and out (WGSL has no float atomics, so split sums take a pass).
// out[i] = Σ_s part[s·u.n + i], s < u.splits, i < u.n.
@compute @workgroup_size(WG)
fn sum_splits(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  var s = 0.0;
  for (var k = 0u; k < u.splits; k++) { s += part[k * u.n + i]; }
  out[i] = s;
}
