// (index.wgsl is prepended.) Layout ops on NCHW f32 tensors: channel windows (slice / place) and spatial windows (pad / crop), each the
// other's adjoint, all as gathers.
// The header (struct Params, bindings) is generated from the family declaration in src/gpu/ops/layout.ts.

// out[b, c, y, x] = in[b, c + c_off, y + dy, x + dx] (0 outside the input), out shape (B, C_out, H_out, W_out).
// Slicing channels: c_off ≥ 0, dy = dx = 0. Cropping: dy, dx ≥ 0. Padding: dy, dx < 0.
@compute @workgroup_size(WG)
fn window(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.B * u.C_out * u.H_out * u.W_out) { return; }
  let o = unflatten4(i, u.C_out, u.H_out, u.W_out);
  let s = vec3<i32>(o.yzw) + vec3<i32>(u.c_off, u.dy, u.dx); // source (c, y, x)
  var v = 0.0;
  if (all(s >= vec3<i32>(0)) && all(s < vec3<i32>(i32(u.C_in), i32(u.H_in), i32(u.W_in)))) {
    v = x[flatten4(vec4<u32>(o.x, vec3<u32>(s)), u.C_in, u.H_in, u.W_in)];
  }
  out[i] = v;
}

// Writes in (B, C_in, H, W) into channels [c_off, c_off + C_in) of out (B, C_out, H, W) (other channels untouched).
@compute @workgroup_size(WG)
fn place(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.B * u.C_in * u.H_in * u.W_in) { return; }
  let v = unflatten4(i, u.C_in, u.H_in, u.W_in);
  out[flatten4(v + vec4<u32>(0u, u32(u.c_off), 0u, 0u), u.C_out, u.H_in, u.W_in)] = x[i];
}
