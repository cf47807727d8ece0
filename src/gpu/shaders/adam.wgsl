// (index.wgsl is prepended.) torch.optim.Adam step, in place (p, m, v): with g' = clip·g + wd·p,
//   m = β1 m + (1−β1) g';  v = β2 v + (1−β2) g'²;  p −= (lr/bc1) · m / (sqrt(v)/sqrt(bc2) + ε).
// `clip` = [global gradient norm, clipping factor] (factor 1 when not clipping), computed on the GPU: no read-back.
// `hyper` = [lr, bc1, sqrt(bc2)]: what changes from step to step lives in a buffer written once per step, so the
// uniform block (and the bind group) of every parameter's dispatch stays the same across steps.
// The header (struct Params, bindings) is generated from the family declaration in src/gpu/ops/adam.ts.

@compute @workgroup_size(WG)
fn step(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  let gi = clip[1] * g[i] + u.wd * p[i];
  let mi = u.beta1 * m[i] + (1.0 - u.beta1) * gi;
  let vi = u.beta2 * v[i] + (1.0 - u.beta2) * gi * gi;
  m[i] = mi;
  v[i] = vi;
  p[i] = p[i] - (hyper[0] / hyper[1]) * mi / (sqrt(vi) / hyper[2] + u.eps);
}
