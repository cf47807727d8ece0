// (math.wgsl and index.wgsl are prepended.) Pointwise activations and their derivatives, on flat f32 arrays.
// mode: 0 relu, 1 sigmoid, 2 silu, 3 softplus, 4 tanh, 5 π·tanh, 6 gelu (exact, erf-based: x·Φ(x), torch's
// nn.GELU() default; derivative Φ(x) + x·φ(x)), 7 √max(x, 0) and 8 log1p(max(x, 0)) (the spectral generators'
// input transforms; their derivative is taken as 0 where x ≤ 0 and for √ at 0, where torch's is ∞ — the input
// never needs a gradient).
// The header (struct Params, bindings) is generated from the family declaration in src/gpu/ops/activation.ts.

const PI: f32 = 3.14159265358979;

fn act(v: f32) -> f32 {
  switch (u.mode) {
    case 0u: { return max(v, 0.0); }
    case 1u: { return sigmoid_acc(v); }
    case 2u: { return v * sigmoid_acc(v); }
    case 3u: { return softplus_acc(v); }
    case 4u: { return tanh_acc(v); }
    case 5u: { return PI * tanh_acc(v); }
    case 7u: { return sqrt(max(v, 0.0)); }
    case 8u: { return log1p_acc(max(v, 0.0)); }
    default: { return v * normcdf_acc(v); }
  }
}

// 1 − tanh² without cancellation near saturation: 4e^{−2|x|}/(1 + e^{−2|x|})².
fn sech2(v: f32) -> f32 {
  let e = exp_acc(-2.0 * abs(v));
  let d = 1.0 + e;
  return 4.0 * e / (d * d);
}

fn dact(v: f32) -> f32 {
  switch (u.mode) {
    case 0u: { return select(0.0, 1.0, v > 0.0); }
    case 1u: { let s = sigmoid_acc(v); return s * (1.0 - s); }
    case 2u: { let s = sigmoid_acc(v); return s * (1.0 + v * (1.0 - s)); }
    case 3u: { return sigmoid_acc(v); }
    case 4u: { return sech2(v); }
    case 5u: { return PI * sech2(v); }
    case 7u: { return select(0.0, 0.5 / sqrt(v), v > 0.0); }
    case 8u: { return select(0.0, 1.0 / (1.0 + v), v >= 0.0); }
    default: { return normcdf_acc(v) + v * normpdf_acc(v); }
  }
}

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  out[i] = act(x[i]);
}

// out = g · f'(x)
@compute @workgroup_size(WG)
fn backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  out[i] = g[i] * dact(x[i]);
}
