// (index.wgsl is prepended.) CBAM's shared MLP layer (PyTorch CBAM, reduction 16): a small dense layer and its
// adjoints, x (B, cin), w (cout, cin). The pools and gates are in cbam_fused.wgsl.
// The header (struct Params, bindings) is generated from the family declaration in src/gpu/ops/cbam.ts.

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
