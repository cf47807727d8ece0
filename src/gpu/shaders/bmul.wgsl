// (index.wgsl is prepended.) Broadcast multiply out[b,c,p] = x[b,c,p] · s[b·sB + c·sC + p·sP] (p = flattened H·W; a zero stride broadcasts)
// and the gate's adjoint: gs[j] = Σ over the broadcast dims of g·x (a gather: one invocation per gate element).
// The header (struct Params, bindings) is generated from the family declaration in src/gpu/ops/layout.ts.

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.B * u.C * u.P) { return; }
  let v = unflatten3(i, u.C, u.P); // (b, c, p)
  out[i] = x[i] * s[v.x * u.sB + v.y * u.sC + v.z * u.sP];
}

// g = upstream gradient, x = the forward's x; out = gate gradient (nS elements)
@compute @workgroup_size(WG)
fn gate_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = global_index(gid, nwg);
  if (j >= u.nS) { return; }
  // Decode j into the non-broadcast coordinates (strides are 0 or the dense strides of the gate).
  var bl = 0u; var bh = u.B; var cl = 0u; var ch = u.C; var pl = 0u; var ph = u.P;
  var r = j;
  if (u.sB != 0u) { bl = r / u.sB; bh = bl + 1u; r = r % u.sB; }
  if (u.sC != 0u) { cl = r / u.sC; ch = cl + 1u; r = r % u.sC; }
  if (u.sP != 0u) { pl = r / u.sP; ph = pl + 1u; }
  var acc = 0.0;
  for (var b = bl; b < bh; b++) {
    for (var c = cl; c < ch; c++) {
      for (var p = pl; p < ph; p++) {
        let i = (b * u.C + c) * u.P + p;
        acc += g[i] * x[i];
      }
    }
  }
  out[j] = acc;
}
