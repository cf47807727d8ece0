// Sum reduction: `partial` leaves one sum per workgroup (grid-stride over its chunk, then workgroup_sum.wgsl's
// tree), times u.scale; sumRaw repeats it on the partials until one sum is left.
// Float32 accumulation in a tree keeps the error ~log2(n)·eps instead of n·eps.
// The workgroup size (256) is literal: the workgroup buffer, the grid stride and the tree depend on it.
// The header (struct Params, bindings) is generated from the family declaration in src/gpu/ops/reduce.ts.

@compute @workgroup_size(256)
fn partial(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let start = wid.x * u.chunk;
  let end = min(start + u.chunk, u.n);
  var s = 0.0;
  for (var i = start + lid.x; i < end; i += 256u) { s += x[i]; }
  let total = workgroup_sum(lid.x, s);
  if (lid.x == 0u) { out[wid.x] = total * u.scale; }
}
