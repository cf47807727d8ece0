// (index.wgsl and math.wgsl are prepended.)
// Complex elementwise ops on interleaved (re, im) data; real-pair gradient convention
// (for a real loss, grad z = ∂L/∂Re z + i ∂L/∂Im z, as PyTorch's .grad).
// n: element count (complex elements for complex arrays); nb: length of a broadcast complex factor; reps = n / nb.
// The header (struct Params, bindings) is generated from the family declaration in src/gpu/ops/complex.ts.

// z = amp · exp(i·phase)   (out = z as 2n floats)
@compute @workgroup_size(WG)
fn combine(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  let sc = sincos_acc(phase[i]);
  out[2u * i] = amp[i] * sc.y;
  out[2u * i + 1u] = amp[i] * sc.x;
}

// Adjoint of combine: g = gz (2n) → out = [g_amp (n) | g_phase (n)].
@compute @workgroup_size(WG)
fn combine_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  let gr = g[2u * i];
  let gi = g[2u * i + 1u];
  let sc = sincos_acc(phase[i]);
  let c = sc.y;
  let s = sc.x;
  out[i] = gr * c + gi * s;
  out[u.n + i] = amp[i] * (gi * c - gr * s);
}

// out = x · f[i mod nb] (complex; f broadcast over leading dims), or x · conj(f[i mod nb]) when u.conj_f = 1:
// run on x = g, that is the adjoint of cmul w.r.t. x.
@compute @workgroup_size(WG)
fn cmul(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  let j = i % u.nb;
  let ar = x[2u * i]; let ai = x[2u * i + 1u];
  let br = f[2u * j]; let bi = select(f[2u * j + 1u], -f[2u * j + 1u], u.conj_f == 1u);
  out[2u * i] = ar * br - ai * bi;
  out[2u * i + 1u] = ar * bi + ai * br;
}

// Adjoint w.r.t. the broadcast factor: out[j] = Σ_r g[j + r·nb] · conj(x[j + r·nb]), j < nb (a gather).
@compute @workgroup_size(WG)
fn cmul_grad_b(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = global_index(gid, nwg);
  if (j >= u.nb) { return; }
  var sr = 0.0;
  var si = 0.0;
  for (var r = 0u; r < u.reps; r++) {
    let i = j + r * u.nb;
    let gr = g[2u * i]; let gi = g[2u * i + 1u];
    let xr = x[2u * i]; let xi = -x[2u * i + 1u];
    sr += gr * xr - gi * xi;
    si += gr * xi + gi * xr;
  }
  out[2u * j] = sr;
  out[2u * j + 1u] = si;
}

// |z| (out real n), and its adjoint out = g·z/|z| (g real n, out complex 2n)
@compute @workgroup_size(WG)
fn cabs(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  out[i] = length(vec2<f32>(z[2u * i], z[2u * i + 1u]));
}

@compute @workgroup_size(WG)
fn cabs_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  let zi = vec2<f32>(z[2u * i], z[2u * i + 1u]);
  let m = length(zi);
  var gz = vec2<f32>(0.0, 0.0);
  if (m > 0.0) { gz = zi * (g[i] / m); }
  out[2u * i] = gz.x;
  out[2u * i + 1u] = gz.y;
}

// |z|² and its adjoint out = 2z·g (g real)
@compute @workgroup_size(WG)
fn cabs2(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  out[i] = z[2u * i] * z[2u * i] + z[2u * i + 1u] * z[2u * i + 1u];
}

@compute @workgroup_size(WG)
fn cabs2_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  out[2u * i] = 2.0 * z[2u * i] * g[i];
  out[2u * i + 1u] = 2.0 * z[2u * i + 1u] * g[i];
}

// split: out_re = Re z, out_im = Im z ; join: out = re + i·im
@compute @workgroup_size(WG)
fn split(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  out_re[i] = z[2u * i];
  out_im[i] = z[2u * i + 1u];
}

@compute @workgroup_size(WG)
fn join(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  out[2u * i] = re[i];
  out[2u * i + 1u] = im[i];
}
