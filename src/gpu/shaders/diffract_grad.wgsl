// (index.wgsl is prepended.)
// Adjoint of A = fftshift(|F|)/N with respect to F (real-pair convention): G = g_unshifted · F / (|F|·N),
// 0 where F = 0 (torch gives NaN there; zero intensity does not occur with measured data).
// The header (struct Params, bindings) is generated from the family declaration in src/gpu/ops/fft.ts.

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  let NN = u.N * u.N;
  let img = i / NN;
  let r = (i % NN) / u.N;
  let c = i % u.N;
  let h = u.N / 2u;
  let gi = g[img * NN + ((r + h) % u.N) * u.N + (c + h) % u.N];
  let f = F[i];
  let m = length(f);
  if (m > 0.0) { out[i] = f * (gi / (m * f32(u.N))); } else { out[i] = vec2<f32>(0.0, 0.0); }
}
