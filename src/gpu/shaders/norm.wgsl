// Global gradient norm pieces: `sumsq_partial` (per-workgroup Σ x², like reduce.wgsl), `accumulate`
// (acc[0] += x[0]) and `clip_factor` (torch clip_grad_norm_: min(1, max_norm / (‖g‖ + 1e-6))).
// One Params struct for the file: sumsq_partial reads n and chunk, clip_factor max_norm, accumulate none.
// The header (struct Params, bindings) is generated from the family declaration in src/gpu/ops/adam.ts.

// A 256-wide tree reduction (workgroup_sum.wgsl): the workgroup size stays a literal.
@compute @workgroup_size(256)
fn sumsq_partial(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let start = wid.x * u.chunk;
  let end = min(start + u.chunk, u.n);
  var s = 0.0;
  for (var i = start + lid.x; i < end; i += 256u) { s += x[i] * x[i]; }
  let total = workgroup_sum(lid.x, s);
  if (lid.x == 0u) { partial[wid.x] = total; }
}

@compute @workgroup_size(1)
fn accumulate() { acc[0] += x[0]; }

// clip = [‖g‖, factor] from sumsq = [Σ g²]
@compute @workgroup_size(1)
fn clip_factor() {
  let norm = sqrt(sumsq[0]);
  clip[0] = norm;
  clip[1] = min(1.0, u.max_norm / (norm + 1e-6));
}
