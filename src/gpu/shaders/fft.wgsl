// Batched 2-D FFT, one line (row or column) of N complex values per workgroup, entirely in workgroup
// memory: bit-reversed load, log2(N) radix-2 butterfly stages (one butterfly per invocation per stage),
// store. A 2-D transform = a row pass then a column pass (u.stride = 1 for rows, N for columns).
// Params, bindings and the shared helpers come from fft_common.wgsl (concatenated by src/gpu/ops/fft.ts).
override N: u32 = 64u;
override LOG2N: u32 = 6u;
override WG_X: u32 = 32u; // the workgroup size, set from the declaration: N / 2 (one butterfly per invocation)
override HALF: u32 = WG_X; // N / 2

var<workgroup> s: array<vec2<f32>, N>;

fn transform_line(line: u32, t: u32) {
  let j0 = t;
  let j1 = t + HALF;
  s[bitrev(j0)] = src[elem(line, j0)];
  s[bitrev(j1)] = src[elem(line, j1)];
  workgroupBarrier();
  for (var st = 0u; st < LOG2N; st++) {
    let b = butterfly(st, t);
    var w = tw[b.z];
    if (u.inverse == 1u) { w.y = -w.y; }
    let x0 = s[b.x];
    let x1 = cmul(s[b.y], w);
    s[b.x] = x0 + x1;
    s[b.y] = x0 - x1;
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
  let base = amp_column(line);
  store_col_amp(line, base, lid.x, s[lid.x]);
  store_col_amp(line, base, lid.x + HALF, s[lid.x + HALF]);
}
