// Shared by the two FFT modules, fft.wgsl (tiled) and fft_direct.wgsl (software adapters); src/gpu/ops/fft.ts
// concatenates it into each, so both keep one contract: Params, bindings, line → element indexing, butterfly
// indexing and the fused amplitude store. Each module defines N, LOG2N and HALF = N / 2.
// Twiddles w_k = exp(−2πik/N), k < N/2, are computed on the CPU in float64 (more accurate than f32 sin/cos).

struct Params { lines: u32, stride: u32, inverse: u32, scale: f32 }
@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> src: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> tw: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read_write> dst: array<vec2<f32>>;
@group(0) @binding(4) var<storage, read_write> amp: array<f32>; // cols_amp only

fn cmul(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> { return vec2<f32>(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x); }

fn bitrev(j: u32) -> u32 { return reverseBits(j) >> (32u - LOG2N); }

// Index of element j of line `line`: rows are contiguous; columns step by N inside one N×N image.
fn elem(line: u32, j: u32) -> u32 {
  if (u.stride == 1u) { return line * N + j; }
  let img = line / N;
  let col = line % N;
  return img * N * N + j * N + col;
}

// Butterfly t (< N/2) of stage st on bit-reversed data: its pair (i0, i0 + 2^st) and twiddle index.
fn butterfly(st: u32, t: u32) -> vec3<u32> {
  let half = 1u << st;
  let pos = t & (half - 1u);
  let i0 = ((t >> st) << (st + 1u)) + pos;
  return vec3<u32>(i0, i0 + half, pos << (LOG2N - 1u - st));
}

// cols_amp: where column `line`'s amplitudes go, A = fftshift(|F|)/N (pad_and_diffract, pad=False); the
// fftshifted column of its image, row 0 (row r is at + ((r + HALF) % N) · N).
fn amp_column(line: u32) -> u32 { return (line / N) * N * N + (line % N + HALF) % N; }

// cols_amp: stores element `row` of a transformed column, dst = F (unscaled) and its amplitude.
fn store_col_amp(line: u32, base: u32, row: u32, v: vec2<f32>) {
  dst[elem(line, row)] = v;
  amp[base + ((row + HALF) % N) * N] = length(v) / f32(N);
}
