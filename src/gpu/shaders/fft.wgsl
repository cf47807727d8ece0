// Batched 2-D FFT, one line (row or column) of N complex values per workgroup, entirely in workgroup
// memory: bit-reversed load, log2(N) radix-2 butterfly stages (one butterfly per invocation per stage),
// store. A 2-D transform = a row pass then a column pass (u.stride = 1 for rows, N for columns).
// Twiddles w_k = exp(−2πik/N), k < N/2, are computed on the CPU in float64 (more accurate than f32 sin/cos).
override N: u32 = 64u;
override LOG2N: u32 = 6u;
override WG_X: u32 = 32u; // the workgroup size, set from the declaration: N / 2 (one butterfly per invocation)
override HALF: u32 = WG_X; // N / 2

struct Params { lines: u32, stride: u32, inverse: u32, scale: f32 }
@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> src: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read> tw: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read_write> dst: array<vec2<f32>>;
@group(0) @binding(4) var<storage, read_write> amp: array<f32>; // cols_amp only

var<workgroup> s: array<vec2<f32>, N>;

fn cmul(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> { return vec2<f32>(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x); }

fn bitrev(j: u32) -> u32 { return reverseBits(j) >> (32u - LOG2N); }

// Index of element j of line `line`: rows are contiguous; columns step by N inside one N×N image.
fn elem(line: u32, j: u32) -> u32 {
  if (u.stride == 1u) { return line * N + j; }
  let img = line / N;
  let col = line % N;
  return img * N * N + j * N + col;
}

fn transform_line(line: u32, t: u32) {
  let j0 = t;
  let j1 = t + HALF;
  s[bitrev(j0)] = src[elem(line, j0)];
  s[bitrev(j1)] = src[elem(line, j1)];
  workgroupBarrier();
  for (var st = 0u; st < LOG2N; st++) {
    let half = 1u << st;
    let pos = t & (half - 1u);
    let i0 = ((t >> st) << (st + 1u)) + pos;
    let i1 = i0 + half;
    var w = tw[pos << (LOG2N - 1u - st)];
    if (u.inverse == 1u) { w.y = -w.y; }
    let a = s[i0];
    let b = cmul(s[i1], w);
    s[i0] = a + b;
    s[i1] = a - b;
    workgroupBarrier();
  }
}

fn line_id(wid: vec3<u32>, nwg: vec3<u32>) -> u32 { return wid.x + wid.y * nwg.x; }

@compute @workgroup_size(WG_X)
fn lines(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let line = line_id(wid, nwg);
  if (line >= u.lines) { return; } // uniform per workgroup: safe around barriers
  transform_line(line, lid.x);
  dst[elem(line, lid.x)] = s[lid.x] * u.scale;
  dst[elem(line, lid.x + HALF)] = s[lid.x + HALF] * u.scale;
}

// Column pass that also writes the diffraction amplitude A = fftshift(|F|) / N (pad_and_diffract, pad=False).
@compute @workgroup_size(WG_X)
fn cols_amp(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let line = line_id(wid, nwg);
  if (line >= u.lines) { return; }
  transform_line(line, lid.x);
  let img = line / N;
  let col = line % N;
  let scol = (col + HALF) % N;
  for (var k = 0u; k < 2u; k++) {
    let row = lid.x + k * HALF;
    let v = s[row];
    dst[elem(line, row)] = v;
    let srow = (row + HALF) % N;
    amp[img * N * N + srow * N + scol] = length(v) / f32(N);
  }
}
