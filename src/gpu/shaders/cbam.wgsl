// (index.wgsl is prepended.) CBAM pieces (PyTorch CBAM, reduction 16): reductions over H·W per (b, c) and over C
// per (b, pixel), mean and max (max keeps the first argmax, as PyTorch), their adjoints as gathers, and a small
// dense layer. Layout: x (B, C, P) with P = H·W; the dense layer x (B, cin), w (cout, cin).
struct Params { B: u32, C: u32, P: u32, cin: u32, cout: u32 }
@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;             // output gradient
@group(0) @binding(3) var<storage, read> w: array<f32>;             // dense weight (cout, cin)
@group(0) @binding(4) var<storage, read> bias: array<f32>;          // dense bias (cout)
@group(0) @binding(5) var<storage, read_write> arg: array<f32>;     // argmax written by the max pools (exact integers in f32)
@group(0) @binding(6) var<storage, read> saved_arg: array<f32>;     // that argmax, read by their adjoints
@group(0) @binding(7) var<storage, read_write> out: array<f32>;

// Mean over P for each (b, c): out (B·C).
@compute @workgroup_size(WG)
fn plane_mean(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = global_index(gid, nwg);
  if (j >= u.B * u.C) { return; }
  let base = j * u.P;
  var s = 0.0;
  for (var p = 0u; p < u.P; p++) { s += x[base + p]; }
  out[j] = s / f32(u.P);
}

// Max over P for each (b, c): out (B·C), arg (B·C).
@compute @workgroup_size(WG)
fn plane_max(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = global_index(gid, nwg);
  if (j >= u.B * u.C) { return; }
  let base = j * u.P;
  var m = x[base];
  var a = 0u;
  for (var p = 1u; p < u.P; p++) { if (x[base + p] > m) { m = x[base + p]; a = p; } }
  out[j] = m;
  arg[j] = f32(a);
}

// Adjoint of plane_mean: gx[b,c,p] = g[b,c]/P.
@compute @workgroup_size(WG)
fn plane_mean_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.B * u.C * u.P) { return; }
  out[i] = g[i / u.P] / f32(u.P);
}

// Adjoint of plane_max: gx[b,c,p] = g[b,c]·[p == argmax].
@compute @workgroup_size(WG)
fn plane_max_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.B * u.C * u.P) { return; }
  let j = i / u.P;
  out[i] = select(0.0, g[j], u32(saved_arg[j]) == i % u.P);
}

// Mean over C for each (b, p): out (B·P).
@compute @workgroup_size(WG)
fn channel_mean(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = global_index(gid, nwg);
  if (j >= u.B * u.P) { return; }
  let base = (j / u.P) * u.C * u.P + j % u.P;
  var s = 0.0;
  for (var c = 0u; c < u.C; c++) { s += x[base + c * u.P]; }
  out[j] = s / f32(u.C);
}

// Max over C for each (b, p): out (B·P), arg (B·P).
@compute @workgroup_size(WG)
fn channel_max(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = global_index(gid, nwg);
  if (j >= u.B * u.P) { return; }
  let base = (j / u.P) * u.C * u.P + j % u.P;
  var m = x[base];
  var a = 0u;
  for (var c = 1u; c < u.C; c++) { if (x[base + c * u.P] > m) { m = x[base + c * u.P]; a = c; } }
  out[j] = m;
  arg[j] = f32(a);
}

// Adjoint of channel_mean: gx[b,c,p] = g[b,p]/C.
@compute @workgroup_size(WG)
fn channel_mean_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.B * u.C * u.P) { return; }
  out[i] = g[(i / (u.C * u.P)) * u.P + i % u.P] / f32(u.C);
}

// Adjoint of channel_max: gx[b,c,p] = g[b,p]·[c == argmax].
@compute @workgroup_size(WG)
fn channel_max_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.B * u.C * u.P) { return; }
  let c = (i / u.P) % u.C;
  let j = (i / (u.C * u.P)) * u.P + i % u.P;
  out[i] = select(0.0, g[j], u32(saved_arg[j]) == c);
}

// Dense layer out[b, o] = Σ_i x[b, i]·w[o, i] + bias[o]
@compute @workgroup_size(WG)
fn linear(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = global_index(gid, nwg);
  if (j >= u.B * u.cout) { return; }
  let b = j / u.cout;
  let o = j % u.cout;
  var s = bias[o];
  for (var i = 0u; i < u.cin; i++) { s += x[b * u.cin + i] * w[o * u.cin + i]; }
  out[j] = s;
}

// gx[b, i] = Σ_o g[b, o]·w[o, i]
@compute @workgroup_size(WG)
fn linear_grad_x(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = global_index(gid, nwg);
  if (j >= u.B * u.cin) { return; }
  let b = j / u.cin;
  let i = j % u.cin;
  var s = 0.0;
  for (var o = 0u; o < u.cout; o++) { s += g[b * u.cout + o] * w[o * u.cin + i]; }
  out[j] = s;
}

// gw[o, i] = Σ_b g[b, o]·x[b, i] (x = layer input); j < cout·cin; then gbias[o] = Σ_b g[b, o] (j ≥ cout·cin)
@compute @workgroup_size(WG)
fn linear_grad_w(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = global_index(gid, nwg);
  let nw = u.cout * u.cin;
  if (j >= nw + u.cout) { return; }
  var s = 0.0;
  if (j < nw) {
    let o = j / u.cin;
    let i = j % u.cin;
    for (var b = 0u; b < u.B; b++) { s += g[b * u.cout + o] * x[b * u.cin + i]; }
  } else {
    let o = j - nw;
    for (var b = 0u; b < u.B; b++) { s += g[b * u.cout + o]; }
  }
  out[j] = s;
}
