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

// ln(1 + f) for f in [√½ − 1, √2 − 1]: 2·atanh(s), s = f/(2 + f), |s| ≤ 0.1716, series to s¹¹ (error < 1e-9 relative).
fn log1p_reduced(f: f32) -> f32 {
  let s = f / (2.0 + f);
  let s2 = s * s;
  return 2.0 * s * (1.0 + s2 * (0.3333333333333333 + s2 * (0.2 + s2 * (0.14285714285714285 + s2 * (0.1111111111111111 + s2 * 0.09090909090909091)))));
}

// log1p with ~1 ulp accuracy for x > −1 (WGSL's log only promises 2^-21 absolute near 1, and 1 + x rounds):
// small x directly; otherwise 1 + x = m·2^e with m in [√½, √2), plus the rounding of 1 + x as (x − (u − 1))/u.
fn log1p_acc(x: f32) -> f32 {
  if (x > -0.2928932 && x < 0.4142135) { return log1p_reduced(x); }
  let u = 1.0 + x;
  let fe = frexp(u);
  var m = fe.fract;
  var e = fe.exp;
  if (m < 0.70710678) { m = m * 2.0; e = e - 1; }
  let k = f32(e);
  return (k * 0.693145751953125 + (log1p_reduced(m - 1.0) + k * 1.4286068203094172e-6)) + (x - (u - 1.0)) / u;
}

// exp(−k·a²) for a ≥ 0 and k a power of two, without the rounding of a² (which would cost 2a²·2^-24 relative):
// a = hi + lo with hi's low 12 mantissa bits cleared, so k·hi² is exact and a² = hi² + lo·(a + hi).
fn exp_neg_sq(a: f32, k: f32) -> f32 {
  if (a > 1e4) { return 0.0; }
  let hi = bitcast<f32>(bitcast<u32>(a) & 0xfffff000u);
  let lo = a - hi;
  return exp_acc(-k * hi * hi) * exp_acc(-k * lo * (a + hi));
}

// erf(t)/t − 1 for t² = s ≤ 1 (least-squares fit in s, 3e-11 relative; the 1 is added exactly by the caller).
fn erf_small_r(s: f32) -> f32 {
  return 0.12837916612625122 + s * (-0.37612637877464294 + s * (0.11283782124519348 + s * (-0.026865392923355103
    + s * (0.0052209231071174145 + s * (-0.0008482507546432316 + s * (0.00011254641140112653
    + s * (-9.63499132922152e-06)))))));
}

// erfcx(t) = e^{t²}·erfc(t) for t ≥ 1: a degree-10 fit in t − 1.75 on [1, 2.5], and t·erfcx(t) as a degree-8 fit
// in 1/t² beyond (both ≈ 5e-10 relative in float64; ≈ 2e-7 evaluated in float32).
fn erfcx_tail(t: f32) -> f32 {
  if (t < 2.5) {
    let v = t - 1.75;
    return 0.284972220659256 + v * (-0.1309763491153717 + v * (0.05576362833380699 + v * (-0.022259926423430443
      + v * (0.008404340595006943 + v * (-0.0030216581653803587 + v * (0.0010391937103122473
      + v * (-0.00034075594157911837 + v * (0.00010913882579188794 + v * (-3.861607547150925e-05
      + v * 1.1158887900819536e-05)))))))));
  }
  let w = 1.0 / (t * t);
  return (0.564189612865448 + w * (-0.28209447860717773 + w * (0.42308419942855835 + w * (-1.0538012981414795
    + w * (3.5548758506774902 + w * (-13.437617301940918 + w * (45.08881759643555 + w * (-104.20215606689453
    + w * 115.06388854980469)))))))) / t;
}

// erf with ≈ 1 ulp error (float64 check over [−10, 10]): t + t·R(t²) for |t| < 1, else ±(1 − e^{−t²}·erfcx(|t|)).
fn erf_acc(t: f32) -> f32 {
  let a = abs(t);
  if (a < 1.0) { return t + t * erf_small_r(t * t); }
  if (a > 4.0) { return sign(t); }
  return sign(t) * (1.0 - exp_neg_sq(a, 1.0) * erfcx_tail(a));
}

// Standard normal CDF Φ(x) = ½(1 + erf(x/√2)), with relative accuracy in the lower tail (≈ 3e-7 there): the
// tail ½·e^{−x²/2}·erfcx(|x|/√2) takes e^{−x²/2} from x itself, not from the rounded x/√2.
fn normcdf_acc(x: f32) -> f32 {
  let t = x * 0.70710678118654752;
  let a = abs(t);
  if (a < 1.0) { return 0.5 + 0.5 * (t + t * erf_small_r(t * t)); }
  if (x < -20.0) { return 0.0; }
  if (x > 20.0) { return 1.0; }
  let tail = 0.5 * exp_neg_sq(abs(x), 0.5) * erfcx_tail(a);
  return select(tail, 1.0 - tail, x > 0.0);
}

// Standard normal density φ(x) = e^{−x²/2}/√(2π).
fn normpdf_acc(x: f32) -> f32 {
  return 0.3989422804014327 * exp_neg_sq(abs(x), 0.5);
}
