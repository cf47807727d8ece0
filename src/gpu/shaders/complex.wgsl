// (math.wgsl is prepended.)
// Complex elementwise ops on interleaved (re, im) data; real-pair gradient convention
// (for a real loss, grad z = ∂L/∂Re z + i ∂L/∂Im z, as PyTorch's .grad).
struct Params { n: u32, nb: u32, reps: u32, p0: u32 }
@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read_write> out2: array<f32>;

fn idx(gid: vec3<u32>, nwg: vec3<u32>) -> u32 { return gid.x + gid.y * nwg.x * 256u; }

// z = amp · exp(i·phase)   (a = amp, b = phase, out = z as 2n floats)
@compute @workgroup_size(256)
fn combine(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = idx(gid, nwg);
  if (i >= u.n) { return; }
  let sc = sincos_acc(b[i]);
  out[2u * i] = a[i] * sc.y;
  out[2u * i + 1u] = a[i] * sc.x;
}

// adjoint of combine: a = amp, b = phase, out2 = gz (2n) → out = g_amp, then g_phase written in place of …
// bindings: a = amp|phase packed? No: a = amp, b = phase, out2 (read) = gz, out = [g_amp (n) | g_phase (n)].
@compute @workgroup_size(256)
fn combine_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = idx(gid, nwg);
  if (i >= u.n) { return; }
  let gr = out2[2u * i];
  let gi = out2[2u * i + 1u];
  let sc = sincos_acc(b[i]);
  let c = sc.y;
  let s = sc.x;
  out[i] = gr * c + gi * s;
  out[u.n + i] = a[i] * (gi * c - gr * s);
}

// out = a · b[i mod nb] (complex; b broadcast over leading dims)
@compute @workgroup_size(256)
fn cmul(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = idx(gid, nwg);
  if (i >= u.n) { return; }
  let j = i % u.nb;
  let ar = a[2u * i]; let ai = a[2u * i + 1u];
  let br = b[2u * j]; let bi = b[2u * j + 1u];
  out[2u * i] = ar * br - ai * bi;
  out[2u * i + 1u] = ar * bi + ai * br;
}

// out = a · conj(b[i mod nb])  (adjoint of cmul w.r.t. its first input, a = g)
@compute @workgroup_size(256)
fn cmul_conj(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = idx(gid, nwg);
  if (i >= u.n) { return; }
  let j = i % u.nb;
  let ar = a[2u * i]; let ai = a[2u * i + 1u];
  let br = b[2u * j]; let bi = -b[2u * j + 1u];
  out[2u * i] = ar * br - ai * bi;
  out[2u * i + 1u] = ar * bi + ai * br;
}

// Adjoint w.r.t. the broadcast factor: out[j] = Σ_r g[j + r·nb] · conj(x[j + r·nb]), j < nb (a gather).
@compute @workgroup_size(256)
fn cmul_grad_b(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = idx(gid, nwg);
  if (j >= u.nb) { return; }
  var sr = 0.0;
  var si = 0.0;
  for (var r = 0u; r < u.reps; r++) {
    let i = j + r * u.nb;
    let gr = a[2u * i]; let gi = a[2u * i + 1u];
    let xr = b[2u * i]; let xi = -b[2u * i + 1u];
    sr += gr * xr - gi * xi;
    si += gr * xi + gi * xr;
  }
  out[2u * j] = sr;
  out[2u * j + 1u] = si;
}

// |z| (out real n), and its adjoint g·z/|z| (a = z, b = g real, out = 2n)
@compute @workgroup_size(256)
fn cabs(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = idx(gid, nwg);
  if (i >= u.n) { return; }
  out[i] = length(vec2<f32>(a[2u * i], a[2u * i + 1u]));
}

@compute @workgroup_size(256)
fn cabs_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = idx(gid, nwg);
  if (i >= u.n) { return; }
  let z = vec2<f32>(a[2u * i], a[2u * i + 1u]);
  let m = length(z);
  var g = vec2<f32>(0.0, 0.0);
  if (m > 0.0) { g = z * (b[i] / m); }
  out[2u * i] = g.x;
  out[2u * i + 1u] = g.y;
}

// |z|² and its adjoint 2z·g (a = z, b = g real)
@compute @workgroup_size(256)
fn cabs2(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = idx(gid, nwg);
  if (i >= u.n) { return; }
  out[i] = a[2u * i] * a[2u * i] + a[2u * i + 1u] * a[2u * i + 1u];
}

@compute @workgroup_size(256)
fn cabs2_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = idx(gid, nwg);
  if (i >= u.n) { return; }
  out[2u * i] = 2.0 * a[2u * i] * b[i];
  out[2u * i + 1u] = 2.0 * a[2u * i + 1u] * b[i];
}

// split: out = Re z, out2 = Im z ; join: out = a + i b
@compute @workgroup_size(256)
fn split(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = idx(gid, nwg);
  if (i >= u.n) { return; }
  out[i] = a[2u * i];
  out2[i] = a[2u * i + 1u];
}

@compute @workgroup_size(256)
fn join(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = idx(gid, nwg);
  if (i >= u.n) { return; }
  out[2u * i] = a[i];
  out[2u * i + 1u] = b[i];
}
