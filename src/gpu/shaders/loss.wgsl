// (index.wgsl is prepended.) PtychoPINN losses (reference: ptycho_torch PtychoPINN_Lightning.compute_loss, amplitude mode).
// Poisson NLL per element: λ − k·ln λ + lgamma(k+1), λ = (S_b·pred)², k = (S_b·obs)², k = 0 ⇒ λ (xlogy).
// Evaluated in a cancellation-free form for k ≥ 10: k·(d − ln(1+d)) + [lgamma(k+1) − k ln k + k], d = λ/k − 1,
// where the bracket is Stirling's remainder ½ln(2πk) + 1/(12k) − 1/(360k³) + 1/(1260k⁵). In float32 the direct
// form loses ~log10(k ln k) digits to cancellation; this one keeps ~1e-6 relative per element.
// The header (struct Params, bindings) is generated from the family declaration in src/gpu/ops/loss.ts.

const HALF_LN_2PI: f32 = 0.91893853320467274;

// ln Γ(x) for x ≥ 1 (shift to ≥ 10, then Stirling).
fn lgamma_ge1(x0: f32) -> f32 {
  var x = x0;
  var shift = 0.0;
  var prod = 1.0;
  while (x < 10.0) { prod *= x; x += 1.0; }
  shift = log(prod);
  let z = 1.0 / x;
  let z2 = z * z;
  let series = z * (1.0 / 12.0 - z2 * (1.0 / 360.0 - z2 * (1.0 / 1260.0)));
  return (x - 0.5) * log(x) - x + HALF_LN_2PI + series - shift;
}

// d − ln(1 + d), accurate near d = 0.
fn dlog1p_gap(d: f32) -> f32 {
  if (abs(d) < 0.1) {
    // d²/2 − d³/3 + d⁴/4 − … (to d⁹: relative truncation < 3e-8 at |d| = 0.1)
    var term = d * d;
    var s = 0.0;
    var sign = 1.0;
    for (var j = 2u; j <= 9u; j++) {
      s += sign * term / f32(j);
      term *= d;
      sign = -sign;
    }
    return s;
  }
  return d - log(1.0 + d);
}

fn poisson_term(lam: f32, k: f32) -> f32 {
  if (k <= 0.0) { return lam; }
  if (k >= 10.0) {
    let d = lam / k - 1.0;
    let kinv = 1.0 / k;
    let k2 = kinv * kinv;
    let rem = 0.5 * log(6.283185307179586 * k) + kinv * (1.0 / 12.0 - k2 * (1.0 / 360.0 - k2 * (1.0 / 1260.0)));
    return k * dlog1p_gap(d) + rem;
  }
  return lam - k * log(lam) + lgamma_ge1(k + 1.0);
}

@compute @workgroup_size(WG)
fn poisson_terms(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  let s = scale[i / u.per_sample];
  let p = s * pred[i];
  let o = s * obs[i];
  out[i] = poisson_term(p * p, o * o);
}

@compute @workgroup_size(WG)
fn mae_terms(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  let s = scale[i / u.per_sample];
  out[i] = abs(s * pred[i] - s * obs[i]);
}

// loss = total · inv_count / (mean_obs + 1e-8)
@compute @workgroup_size(1)
fn finish() {
  loss[0] = total[0] * u.inv_count / (mean_obs[0] + 1e-8);
}

// Gradients w.r.t. pred. `scale` holds S (B); the upstream gradient g and mean_obs come packed in `gm`.

@compute @workgroup_size(WG)
fn poisson_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  let s = scale[i / u.per_sample];
  let p = pred[i];
  let o = s * obs[i];
  let k = o * o;
  let c = gm[0] * u.inv_count / (gm[1] + 1e-8);
  // d/dp [λ − k ln λ] with λ = s²p²: 2s²p − 2k/p  (k = 0 ⇒ 2s²p)
  var d = 2.0 * s * s * p;
  if (k > 0.0) { d -= 2.0 * k / p; }
  out[i] = c * d;
}

@compute @workgroup_size(WG)
fn mae_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  let s = scale[i / u.per_sample];
  let r = s * pred[i] - s * obs[i];
  let c = gm[0] * u.inv_count / (gm[1] + 1e-8);
  out[i] = c * s * sign(r);
}

// Supervised mode (torch nn.L1Loss, mean): terms |pred − target|, gradient sign(pred − target)·g / n.
@compute @workgroup_size(WG)
fn l1_terms(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  out[i] = abs(pred[i] - expected[i]);
}

@compute @workgroup_size(WG)
fn l1_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  out[i] = g[0] * u.inv_count * sign(pred[i] - expected[i]);
}
