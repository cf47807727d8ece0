// (index.wgsl is prepended.) CBAM's small layers fused (src/gpu/ops/cbam.ts): both global pools in one pass, the
// channel gate x·σ(a_avg + a_max) and the spatial gate x·σ(s) each in one pass, both channel pools written as the
// 2-channel map the 7×7 conv reads, and their adjoints. Layout: x (B, C, P), P = H·W; max keeps the first argmax.
// The header (struct Params, bindings) is generated from the family declaration in src/gpu/ops/cbam.ts.

fn sigmoid(z: f32) -> f32 { return 1.0 / (1.0 + exp(-z)); }

// Global mean and max over P per (b, c): out (2B, C) = [means; maxima], arg (B·C).
@compute @workgroup_size(WG)
fn plane_stats(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = global_index(gid, nwg);
  if (j >= u.B * u.C) { return; }
  let base = j * u.P;
  var s = x[base];
  var m = x[base];
  var a = 0u;
  for (var p = 1u; p < u.P; p++) {
    let v = x[base + p];
    s += v;
    if (v > m) { m = v; a = p; }
  }
  out[j] = s / f32(u.P);
  out[u.B * u.C + j] = m;
  arg[j] = f32(a);
}

// Adjoint of plane_stats: gx[b,c,p] = g[b,c]/P + g[B+b,c]·[p = argmax].
@compute @workgroup_size(WG)
fn plane_stats_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.B * u.C * u.P) { return; }
  let j = i / u.P;
  out[i] = g[j] / f32(u.P) + select(0.0, g[u.B * u.C + j], u32(saved_arg[j]) == i % u.P);
}

// Channel gate: out[b,c,p] = x[b,c,p]·σ(a[b,c] + a[B+b,c]) with a (2B, C) the shared MLP of [means; maxima].
// Linear in x: its adjoint w.r.t. x is this kernel run on g.
@compute @workgroup_size(WG)
fn channel_gate(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.B * u.C * u.P) { return; }
  let j = i / u.P;
  out[i] = x[i] * sigmoid(gate[j] + gate[u.B * u.C + j]);
}

// Adjoint of channel_gate w.r.t. a: ga[b,c] = ga[B+b,c] = σ(1−σ)·Σ_p g·x, one invocation per (b, c).
@compute @workgroup_size(WG)
fn channel_gate_grad_a(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = global_index(gid, nwg);
  if (j >= u.B * u.C) { return; }
  let base = j * u.P;
  var acc = 0.0;
  for (var p = 0u; p < u.P; p++) { acc += g[base + p] * x[base + p]; }
  let s = sigmoid(gate[j] + gate[u.B * u.C + j]);
  let d = s * (1.0 - s) * acc;
  out[j] = d;
  out[u.B * u.C + j] = d;
}

// Channel max and mean per (b, p), written as the (B, 2, P) map [max; mean] the spatial gate's conv reads; arg (B·P).
@compute @workgroup_size(WG)
fn channel_stats(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = global_index(gid, nwg);
  if (j >= u.B * u.P) { return; }
  let b = j / u.P;
  let p = j % u.P;
  let base = b * u.C * u.P + p;
  var m = x[base];
  var s = x[base];
  var a = 0u;
  for (var c = 1u; c < u.C; c++) {
    let v = x[base + c * u.P];
    s += v;
    if (v > m) { m = v; a = c; }
  }
  out[(2u * b) * u.P + p] = m;
  out[(2u * b + 1u) * u.P + p] = s / f32(u.C);
  arg[j] = f32(a);
}

// Adjoint of channel_stats: gx[b,c,p] = g[b,0,p]·[c = argmax] + g[b,1,p]/C.
@compute @workgroup_size(WG)
fn channel_stats_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.B * u.C * u.P) { return; }
  let v = unflatten3(i, u.C, u.P); // (b, c, p)
  let b = v.x;
  let p = v.z;
  out[i] = select(0.0, g[(2u * b) * u.P + p], u32(saved_arg[b * u.P + p]) == v.y) + g[(2u * b + 1u) * u.P + p] / f32(u.C);
}

// Spatial gate: out[b,c,p] = x[b,c,p]·σ(s[b,p]); its adjoint w.r.t. x is this kernel run on g.
@compute @workgroup_size(WG)
fn spatial_gate(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.B * u.C * u.P) { return; }
  out[i] = x[i] * sigmoid(gate[(i / (u.C * u.P)) * u.P + i % u.P]);
}

// Adjoint of spatial_gate w.r.t. s: gs[b,p] = σ(1−σ)·Σ_c g·x, one invocation per (b, p).
@compute @workgroup_size(WG)
fn spatial_gate_grad_s(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = global_index(gid, nwg);
  if (j >= u.B * u.P) { return; }
  let base = (j / u.P) * u.C * u.P + j % u.P;
  var acc = 0.0;
  for (var c = 0u; c < u.C; c++) { acc += g[base + c * u.P] * x[base + c * u.P]; }
  let s = sigmoid(gate[j]);
  out[j] = s * (1.0 - s) * acc;
}
