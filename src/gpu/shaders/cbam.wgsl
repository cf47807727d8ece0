// (index.wgsl is prepended.) CBAM's shared MLP layer (PyTorch CBAM, reduction 16): a small dense layer and its
// adjoints, x (B, cin), w (cout, cin). The pools and gates are in cbam_fused.wgsl.
struct Params { B: u32, cin: u32, cout: u32 }
@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;             // output gradient
@group(0) @binding(3) var<storage, read> w: array<f32>;             // dense weight (cout, cin)
@group(0) @binding(4) var<storage, read> bias: array<f32>;          // dense bias (cout)
@group(0) @binding(5) var<storage, read_write> out: array<f32>;

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
