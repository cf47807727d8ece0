// CBAM pieces (PyTorch CBAM, reduction 16): reductions over H·W per (b, c) and over C per (b, pixel),
// mean and max (max keeps the first argmax, as PyTorch), their adjoints as gathers, and a small dense layer.
// Layout: x (B, C, P) with P = H·W.
struct Params { B: u32, C: u32, P: u32, mode: u32, cin: u32, cout: u32, p0: u32, p1: u32 }
@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read_write> arg: array<f32>; // argmax (exact integers in f32)

fn gi(gid: vec3<u32>, nwg: vec3<u32>) -> u32 { return gid.x + gid.y * nwg.x * 256u; }

// Over P for each (b, c): mode 0 mean, 1 max. out (B·C), arg (B·C).
@compute @workgroup_size(256)
fn plane_reduce(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = gi(gid, nwg);
  if (j >= u.B * u.C) { return; }
  let base = j * u.P;
  if (u.mode == 0u) {
    var s = 0.0;
    for (var p = 0u; p < u.P; p++) { s += x[base + p]; }
    out[j] = s / f32(u.P);
  } else {
    var m = x[base];
    var a = 0u;
    for (var p = 1u; p < u.P; p++) { if (x[base + p] > m) { m = x[base + p]; a = p; } }
    out[j] = m;
    arg[j] = f32(a);
  }
}

// Adjoint: gx[b,c,p] = g[b,c]/P (mean) or g[b,c]·[p == argmax] (max). y = g, x unused (arg read as storage).
@compute @workgroup_size(256)
fn plane_reduce_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gi(gid, nwg);
  if (i >= u.B * u.C * u.P) { return; }
  let j = i / u.P;
  if (u.mode == 0u) { out[i] = y[j] / f32(u.P); }
  else { out[i] = select(0.0, y[j], u32(arg[j]) == i % u.P); }
}

// Over C for each (b, p): mode 0 mean, 1 max. out (B·P), arg (B·P).
@compute @workgroup_size(256)
fn channel_reduce(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = gi(gid, nwg);
  if (j >= u.B * u.P) { return; }
  let b = j / u.P;
  let p = j % u.P;
  let base = b * u.C * u.P + p;
  if (u.mode == 0u) {
    var s = 0.0;
    for (var c = 0u; c < u.C; c++) { s += x[base + c * u.P]; }
    out[j] = s / f32(u.C);
  } else {
    var m = x[base];
    var a = 0u;
    for (var c = 1u; c < u.C; c++) { if (x[base + c * u.P] > m) { m = x[base + c * u.P]; a = c; } }
    out[j] = m;
    arg[j] = f32(a);
  }
}

@compute @workgroup_size(256)
fn channel_reduce_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gi(gid, nwg);
  if (i >= u.B * u.C * u.P) { return; }
  let b = i / (u.C * u.P);
  let c = (i / u.P) % u.C;
  let j = b * u.P + i % u.P;
  if (u.mode == 0u) { out[i] = y[j] / f32(u.C); }
  else { out[i] = select(0.0, y[j], u32(arg[j]) == c); }
}

// Dense layer out[b, o] = Σ_i x[b, i]·W[o, i] + bias[o]   (y = W (cout, cin), arg = bias)
@compute @workgroup_size(256)
fn linear(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = gi(gid, nwg);
  if (j >= u.B * u.cout) { return; }
  let b = j / u.cout;
  let o = j % u.cout;
  var s = arg[o];
  for (var i = 0u; i < u.cin; i++) { s += x[b * u.cin + i] * y[o * u.cin + i]; }
  out[j] = s;
}

// gx[b, i] = Σ_o g[b, o]·W[o, i]   (x = g, y = W)
@compute @workgroup_size(256)
fn linear_grad_x(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = gi(gid, nwg);
  if (j >= u.B * u.cin) { return; }
  let b = j / u.cin;
  let i = j % u.cin;
  var s = 0.0;
  for (var o = 0u; o < u.cout; o++) { s += x[b * u.cout + o] * y[o * u.cin + i]; }
  out[j] = s;
}

// gW[o, i] = Σ_b g[b, o]·x[b, i]  (x = g, y = layer input); j < cout·cin; then gbias[o] = Σ_b g[b, o] (j ≥ cout·cin)
@compute @workgroup_size(256)
fn linear_grad_w(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = gi(gid, nwg);
  let nw = u.cout * u.cin;
  if (j >= nw + u.cout) { return; }
  var s = 0.0;
  if (j < nw) {
    let o = j / u.cin;
    let i = j % u.cin;
    for (var b = 0u; b < u.B; b++) { s += x[b * u.cout + o] * y[b * u.cin + i]; }
  } else {
    let o = j - nw;
    for (var b = 0u; b < u.B; b++) { s += x[b * u.cout + o]; }
  }
  out[j] = s;
}
