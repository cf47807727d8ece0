// Accurate float32 math prepended to kernels that need it. WGSL's built-in sin/cos only promise 2^-11
// absolute error (SwiftShader is that loose), far from PyTorch's float32 (≈1 ulp): phases up to π would be
// off by ~4e-4. Cody–Waite reduction by π/2 and Cephes minimax polynomials on [−π/4, π/4] give ≈1e-7.
fn sincos_acc(x: f32) -> vec2<f32> {
  let k = round(x * 0.63661977236758134);
  var r = x - k * 1.5707963705062866;
  r = r - k * (-4.3711388286737929e-8);
  let r2 = r * r;
  let s = r + r * r2 * (-1.6666654611e-1 + r2 * (8.3321608736e-3 + r2 * (-1.9515295891e-4)));
  let c = 1.0 - 0.5 * r2 + r2 * r2 * (4.166664568298827e-2 + r2 * (-1.388731625493765e-3 + r2 * 2.443315711809948e-5));
  let q = i32(k) & 3;
  if (q == 0) { return vec2<f32>(s, c); }
  if (q == 1) { return vec2<f32>(c, -s); }
  if (q == 2) { return vec2<f32>(-s, -c); }
  return vec2<f32>(-c, s);
}
