// (index.wgsl and math.wgsl are prepended; the header is generated from the family in src/gpu/ops/spectral.ts.)
// Spectral-convolution primitives as direct DFTs onto a few kept modes (src/gpu/ops/spectral.ts). An axis
// transform views its array as (outer, L, inner) with the transformed axis of length L in the middle; complex
// arrays are interleaved (re, im) floats. One invocation per output element; every sum is a gather.

// (cos, sin) of sgn·2π·j/len, with j reduced mod len to [−len/2, len/2] before the accurate sincos.
fn twiddle(j: u32, len: u32, sgn: f32) -> vec2<f32> {
  let jr = j % len;
  var t = i32(jr);
  if (2u * jr > len) { t = t - i32(len); }
  let sc = sincos_acc(sgn * 6.283185307179586 * f32(t) / f32(len));
  return vec2<f32>(sc.y, sc.x);
}

// The irfft weight of bin k of a length-len transform: c_k/len with c_k = 1 at DC and Nyquist, 2 between
// (Hermitian bins count twice); 1 when unscaled.
fn bin_weight(k: u32, len: u32, scaled: u32) -> f32 {
  if (scaled == 0u) { return 1.0; }
  let c = select(2.0, 1.0, k == 0u || 2u * k == len);
  return c / f32(len);
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
  var sr = 0.0;
  var si = 0.0;
  for (var l = 0u; l < u.len; l++) {
    let v = x[base + l * u.inner];
    let e = twiddle(k * l, u.len, -1.0);
    sr += v * e.x;
    si += v * e.y;
  }
  let s = bin_weight(k, u.len, u.scaled);
  out[2u * i] = s * sr;
  out[2u * i + 1u] = s * si;
}

// Complex (m modes) → real: out[o,l,j] = Σ_k s_k·Re(z[o,k,j]·e^{+2πikl/len}). Scaled it is torch's irfft with
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
  var acc = 0.0;
  for (var k = 0u; k < u.m; k++) {
    let q = 2u * (base + k * u.inner);
    let e = twiddle(k * l, u.len, 1.0);
    acc += bin_weight(k, u.len, u.scaled) * (z[q] * e.x - z[q + 1u] * e.y);
  }
  out[i] = acc;
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
  var sr = 0.0;
  var si = 0.0;
  for (var l = 0u; l < u.lin; l++) {
    let q = 2u * (base + l * u.inner);
    let e = twiddle(k * l, u.len, u.sgn);
    sr += z[q] * e.x - z[q + 1u] * e.y;
    si += z[q] * e.y + z[q + 1u] * e.x;
  }
  out[2u * i] = u.scale * sr;
  out[2u * i + 1u] = u.scale * si;
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
  var sr = 0.0;
  var si = 0.0;
  for (var c = 0u; c < u.cx; c++) {
    let q = 2u * ((b * u.cx + c) * u.np + p);
    let t = 2u * (select((c * u.cy + y) * u.wlen, (y * u.cx + c) * u.wlen, u.trans == 1u) + widx);
    let wr = w[t];
    let wi = select(w[t + 1u], -w[t + 1u], u.trans == 1u);
    sr += z[q] * wr - z[q + 1u] * wi;
    si += z[q] * wi + z[q + 1u] * wr;
  }
  out[2u * i] = sr;
  out[2u * i + 1u] = si;
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
  var sr = 0.0;
  var si = 0.0;
  if (r < u.nr && c < u.nc) {
    for (var b = 0u; b < u.batch; b++) {
      for (var s = 0u; s < u.ns; s++) {
        let p = (r * u.ns + s) * u.nc + c;
        let qg = 2u * ((b * u.cy + y) * u.np + p);
        let qz = 2u * ((b * u.cx + xc) * u.np + p);
        let zr = z[qz];
        let zi = -z[qz + 1u];
        sr += g[qg] * zr - g[qg + 1u] * zi;
        si += g[qg] * zi + g[qg + 1u] * zr;
      }
    }
  }
  out[2u * i] = sr;
  out[2u * i + 1u] = si;
}
