// (index.wgsl is prepended; the header is generated from the family in src/gpu/ops/spectral.ts.)
// Spectral-convolution primitives as direct DFTs onto a few kept modes (src/gpu/ops/spectral.ts). An axis
// transform views its array as (outer, L, inner) with the transformed axis of length L in the middle; complex
// arrays are vec2 (re, im) pairs (`out` complex, `outr` real). One invocation per output element; every sum is a gather.

// tw[j] = (cos, sin)(2π·j/len), j < len, computed in float64 on the CPU (one table per device and len). The
// factor e^{±2πi·k·l/len} depends only on (k·l) mod len, so the sums below walk the table with an index stepped by k
// (or l) mod len: no trigonometry and no division in the loops.
fn twiddle(j: u32, sgn: f32) -> vec2<f32> {
  let e = tw[j];
  return vec2<f32>(e.x, sgn * e.y);
}

// (j + step) mod len for j, step < len.
fn step_mod(j: u32, step: u32, len: u32) -> u32 {
  let t = j + step;
  return select(t, t - len, t >= len);
}

// The irfft weights of a length-len transform: (c/len for interior bins, c/len at DC and Nyquist) with c = 2 and
// 1 (Hermitian bins count twice); (1, 1) when unscaled.
fn bin_weights(len: u32, scaled: u32) -> vec2<f32> {
  if (scaled == 0u) { return vec2<f32>(1.0, 1.0); }
  return vec2<f32>(2.0 / f32(len), 1.0 / f32(len));
}

fn bin_weight(k: u32, len: u32, wts: vec2<f32>) -> f32 {
  return select(wts.x, wts.y, k == 0u || 2u * k == len);
}

// Real → complex onto the first m modes: out[o,k,j] = s_k Σ_l x[o,l,j]·e^{−2πikl/len}, s_k = bin_weight.
// Unscaled it is rfft(·)[:m]; scaled it is the adjoint of `expand` (scaled).
@compute @workgroup_size(WG)
fn project(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  let j = i % u.inner;
  let k = (i / u.inner) % u.m;
  let o = i / (u.inner * u.m);
  let base = o * u.len * u.inner + j;
  var acc = vec2<f32>(0.0, 0.0);
  var t = 0u; // (k·l) mod len
  for (var l = 0u; l < u.len; l++) {
    acc += x[base + l * u.inner] * twiddle(t, -1.0);
    t = step_mod(t, k, u.len);
  }
  out[i] = bin_weight(k, u.len, bin_weights(u.len, u.scaled)) * acc;
}

// Complex (m modes) → real: outr[o,l,j] = Σ_k s_k·Re(z[o,k,j]·e^{+2πikl/len}). Scaled it is torch's irfft with
// only those bins nonzero (imaginary parts of DC and Nyquist drop out: their twiddles are real); unscaled it is
// the adjoint of `project` (unscaled).
@compute @workgroup_size(WG)
fn expand(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  let j = i % u.inner;
  let l = (i / u.inner) % u.len;
  let o = i / (u.inner * u.len);
  let base = o * u.m * u.inner + j;
  let wts = bin_weights(u.len, u.scaled);
  var acc = 0.0;
  var t = 0u; // (k·l) mod len
  for (var k = 0u; k < u.m; k++) {
    let v = z[base + k * u.inner];
    let e = twiddle(t, 1.0);
    acc += bin_weight(k, u.len, wts) * (v.x * e.x - v.y * e.y);
    t = step_mod(t, l, u.len);
  }
  outr[i] = acc;
}

fn cmul(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  return vec2<f32>(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x);
}

fn conj(a: vec2<f32>) -> vec2<f32> {
  return vec2<f32>(a.x, -a.y);
}

// Complex → complex: out[o,k,j] = scale·Σ_{l<lin} z[o,l,j]·e^{sgn·2πikl/len}, k < lout. Its adjoint is itself
// with sgn negated and lin, lout swapped.
@compute @workgroup_size(WG)
fn cdft(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  let j = i % u.inner;
  let k = (i / u.inner) % u.lout;
  let o = i / (u.inner * u.lout);
  let base = o * u.lin * u.inner + j;
  var acc = vec2<f32>(0.0, 0.0);
  var t = 0u; // (k·l) mod len
  for (var l = 0u; l < u.lin; l++) {
    acc += cmul(z[base + l * u.inner], twiddle(t, u.sgn));
    t = step_mod(t, k, u.len);
  }
  out[i] = u.scale * acc;
}

// The weight index of mode position p = (r·ns + s)·nc + c of a (·, np) mode array: r·wrow + c.
fn weight_index(p: u32) -> u32 {
  return (p / (u.ns * u.nc)) * u.wrow + p % u.nc;
}

// Channel mixing per mode: trans = 0: out[b,y,p] = Σ_x z[b,x,p]·w[x,y,widx(p)] (weights (cx, cy, wlen));
// trans = 1: out[b,y,p] = Σ_x z[b,x,p]·conj(w[y,x,widx(p)]) (weights (cy, cx, wlen)), the adjoint w.r.t. z.
@compute @workgroup_size(WG)
fn mix(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  let p = i % u.np;
  let y = (i / u.np) % u.cy;
  let b = i / (u.np * u.cy);
  let widx = weight_index(p);
  // w[x,y] for trans 0 steps by cy·wlen per channel x; w[y,x] for trans 1 by wlen.
  let t0 = select(y * u.wlen, y * u.cx * u.wlen, u.trans == 1u) + widx;
  let dt = select(u.cy * u.wlen, u.wlen, u.trans == 1u);
  let sg = select(1.0, -1.0, u.trans == 1u);
  var acc = vec2<f32>(0.0, 0.0);
  for (var c = 0u; c < u.cx; c++) {
    let wv = w[t0 + c * dt];
    acc += cmul(z[(b * u.cx + c) * u.np + p], vec2<f32>(wv.x, sg * wv.y));
  }
  out[i] = acc;
}

// Adjoint of mix w.r.t. the weights (cx, cy, wlen): out[x,y,j] = Σ_b Σ_s g[b,y,p]·conj(z[b,x,p]) over the
// positions p = (r·ns + s)·nc + c with r = j / wrow, c = j % wrow; 0 for weights no position uses.
@compute @workgroup_size(WG)
fn mix_grad_w(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  let j = i % u.wlen;
  let y = (i / u.wlen) % u.cy;
  let xc = i / (u.wlen * u.cy);
  let r = j / u.wrow;
  let c = j % u.wrow;
  var acc = vec2<f32>(0.0, 0.0);
  if (r < u.nr && c < u.nc) {
    for (var b = 0u; b < u.batch; b++) {
      for (var s = 0u; s < u.ns; s++) {
        let p = (r * u.ns + s) * u.nc + c;
        acc += cmul(g[(b * u.cy + y) * u.np + p], conj(z[(b * u.cx + xc) * u.np + p]));
      }
    }
  }
  out[i] = acc;
}
