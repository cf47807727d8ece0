// Batched 2-D FFT for software (fallback) adapters: one invocation per line (row or column) of N complex
// values, held in a private array; no workgroup memory, no barriers (both are emulated, slowly, on a CPU
// adapter). Bit-reversed load, log2(N) in-place radix-2 butterfly stages, store. Same entry points, Params,
// bindings, line → element indexing and twiddles (w_k = exp(−2πik/N), k < N/2) as fft.wgsl.
// Prepended by src/gpu/ops/fft.ts: index.wgsl (override WG, global_index) and, per N, the constants
//   const N: u32 = …u;  const LOG2N: u32 = …u;
// (function-scope arrays need a constant size, which a pipeline override cannot give).
const HALF: u32 = N / 2u;

struct Params { lines: u32, stride: u32, inverse: u32, scale: f32 }
@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> src: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> tw: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read_write> dst: array<vec2<f32>>;
@group(0) @binding(4) var<storage, read_write> amp: array<f32>; // cols_amp only

fn cmul(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> { return vec2<f32>(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x); }

fn bitrev(j: u32) -> u32 { return reverseBits(j) >> (32u - LOG2N); }

// Index of element j of line `line`: rows are contiguous; columns step by N inside one N×N image (as fft.wgsl).
fn elem(line: u32, j: u32) -> u32 {
  if (u.stride == 1u) { return line * N + j; }
  let img = line / N;
  let col = line % N;
  return img * N * N + j * N + col;
}

// The unscaled transform of line `line` into s (natural order on return).
fn transform_line(line: u32, s: ptr<function, array<vec2<f32>, N>>) {
  for (var j = 0u; j < N; j++) { (*s)[bitrev(j)] = src[elem(line, j)]; }
  // Conjugate twiddles for the inverse: w.y · sgn.
  let sgn = select(1.0, -1.0, u.inverse == 1u);
  for (var st = 0u; st < LOG2N; st++) {
    let half = 1u << st;
    let tstep = LOG2N - 1u - st; // twiddle index = pos << tstep
    for (var t = 0u; t < HALF; t++) {
      let pos = t & (half - 1u);
      let i0 = ((t >> st) << (st + 1u)) + pos;
      let i1 = i0 + half;
      var w = tw[pos << tstep];
      w.y *= sgn;
      let a = (*s)[i0];
      let b = cmul((*s)[i1], w);
      (*s)[i0] = a + b;
      (*s)[i1] = a - b;
    }
  }
}

@compute @workgroup_size(WG)
fn lines(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let line = global_index(gid, nwg);
  if (line >= u.lines) { return; }
  var s: array<vec2<f32>, N>;
  transform_line(line, &s);
  for (var j = 0u; j < N; j++) { dst[elem(line, j)] = s[j] * u.scale; }
}

// Column pass that also writes the diffraction amplitude A = fftshift(|F|) / N (pad_and_diffract, pad=False);
// dst = F unscaled, as fft.wgsl's cols_amp.
@compute @workgroup_size(WG)
fn cols_amp(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let line = global_index(gid, nwg);
  if (line >= u.lines) { return; }
  var s: array<vec2<f32>, N>;
  transform_line(line, &s);
  let img = line / N;
  let col = line % N;
  let scol = (col + HALF) % N;
  for (var row = 0u; row < N; row++) {
    let v = s[row];
    dst[elem(line, row)] = v;
    let srow = (row + HALF) % N;
    amp[img * N * N + srow * N + scol] = length(v) / f32(N);
  }
}
