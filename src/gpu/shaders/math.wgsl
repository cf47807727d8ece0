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

// exp with ~1 ulp accuracy: exp(x) = 2^k · exp(r), r = x − k ln2 (Cody–Waite), degree-6 polynomial on |r| ≤ ln2/2.
fn exp_acc(x: f32) -> f32 {
  if (x > 88.72) { return 0x1.fffffep+127f; } // overflow: saturate (an inf literal is not valid WGSL)
  if (x < -103.0) { return 0.0; }
  let k = round(x * 1.4426950408889634);
  let r = (x - k * 0.693145751953125) - k * 1.4286068203094172e-6;
  let p = 1.0 + r * (1.0 + r * (0.5 + r * (0.16666666666666666 + r * (0.041666666666666664 + r * (0.008333333333333333 + r * 0.001388888888888889)))));
  // ldexp in two steps keeps k ≤ −127 (denormal results) representable.
  let k1 = i32(k) / 2;
  return ldexp(ldexp(p, k1), i32(k) - k1);
}

// Logistic sigmoid, accurate on both tails: 1/(1+e^{−x}) for x ≥ 0, e^{x}/(1+e^{x}) otherwise.
fn sigmoid_acc(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + exp_acc(-x)); }
  let e = exp_acc(x);
  return e / (1.0 + e);
}

// tanh via expm1-free forms: small |x| uses an odd polynomial (no cancellation), else 1 − 2/(e^{2x}+1).
fn tanh_acc(x: f32) -> f32 {
  let a = abs(x);
  var t: f32;
  if (a < 0.55) {
    let x2 = x * x;
    // tanh series to x^13: relative error < 1e-7 for |x| < 0.55
    t = x * (1.0 + x2 * (-0.3333333333333333 + x2 * (0.13333333333333333 + x2 * (-0.05396825396825397 + x2 * (0.021869488536155203 + x2 * (-0.008863235529902197 + x2 * 0.003592128036572481))))));
    return t;
  }
  if (a > 9.1) { return sign(x); }
  t = 1.0 - 2.0 / (exp_acc(2.0 * a) + 1.0);
  return sign(x) * t;
}

// softplus = ln(1 + e^x), stable: max(x, 0) + ln(1 + e^{−|x|}) (log1p-accurate for small e^{−|x|}).
fn softplus_acc(x: f32) -> f32 {
  let e = exp_acc(-abs(x));
  var l: f32;
  if (e < 1e-4) { l = e * (1.0 - 0.5 * e); } else { l = log(1.0 + e); }
  return max(x, 0.0) + l;
}
