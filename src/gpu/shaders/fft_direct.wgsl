// Batched 2-D FFT for software (fallback) adapters: one invocation per line (row or column) of N complex
// values, held in a private array; no workgroup memory, no barriers (both are emulated, slowly, on a CPU
// adapter). Bit-reversed load, log2(N) in-place radix-2 butterfly stages, store. Same entry points as fft.wgsl;
// Params, bindings and the shared helpers come from fft_common.wgsl.
// Prepended by src/gpu/ops/fft.ts: index.wgsl (override WG, global_index) and, per N, the constants
//   const N: u32 = …u;  const LOG2N: u32 = …u;
// (function-scope arrays need a constant size, which a pipeline override cannot give).
const HALF: u32 = N / 2u;

// Transforms (unscaled) this invocation's line into s (natural order on return); returns the line, or
// u.lines when the invocation has none (no barriers here, so each invocation may leave on its own).
fn transform_own_line(gid: vec3<u32>, nwg: vec3<u32>, s: ptr<function, array<vec2<f32>, N>>) -> u32 {
  let line = global_index(gid, nwg);
  if (line >= u.lines) { return u.lines; }
  for (var j = 0u; j < N; j++) { (*s)[bitrev(j)] = src[elem(line, j)]; }
  // Conjugate twiddles for the inverse: w.y · sgn.
  let sgn = select(1.0, -1.0, u.inverse == 1u);
  for (var st = 0u; st < LOG2N; st++) {
    for (var t = 0u; t < HALF; t++) {
      let b = butterfly(st, t);
      var w = tw[b.z];
      w.y *= sgn;
      let x0 = (*s)[b.x];
      let x1 = cmul((*s)[b.y], w);
      (*s)[b.x] = x0 + x1;
      (*s)[b.y] = x0 - x1;
    }
  }
  return line;
}

@compute @workgroup_size(WG)
fn lines(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  var s: array<vec2<f32>, N>;
  let line = transform_own_line(gid, nwg, &s);
  if (line >= u.lines) { return; }
  for (var j = 0u; j < N; j++) { dst[elem(line, j)] = s[j] * u.scale; }
}

// Column pass that also writes the diffraction amplitude A = fftshift(|F|) / N; dst = F unscaled, as fft.wgsl's.
@compute @workgroup_size(WG)
fn cols_amp(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  var s: array<vec2<f32>, N>;
  let line = transform_own_line(gid, nwg, &s);
  if (line >= u.lines) { return; }
  let base = amp_column(line);
  for (var row = 0u; row < N; row++) { store_col_amp(line, base, row, s[row]); }
}
