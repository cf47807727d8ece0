// (index.wgsl is prepended.) Layout ops on NCHW f32 tensors: channel windows (slice / place) and spatial windows (pad / crop), each the
// other's adjoint, all as gathers.
// The header (struct Params, bindings) is generated from the family declaration in src/gpu/ops/layout.ts.

// out[b, c, y, x] = in[b, c + c_off, y + dy, x + dx] (0 outside the input), out shape (B, C_out, H_out, W_out).
// Slicing channels: c_off ≥ 0, dy = dx = 0. Cropping: dy, dx ≥ 0. Padding: dy, dx < 0.
@compute @workgroup_size(WG)
fn window(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  let plane = u.H_out * u.W_out;
  if (i >= u.B * u.C_out * plane) { return; }
  let b = i / (u.C_out * plane);
  let c = (i / plane) % u.C_out;
  let y = i32((i % plane) / u.W_out) + u.dy;
  let xx = i32(i % u.W_out) + u.dx;
  let cs = i32(c) + u.c_off;
  var v = 0.0;
  if (y >= 0 && y < i32(u.H_in) && xx >= 0 && xx < i32(u.W_in) && cs >= 0 && cs < i32(u.C_in)) {
    v = x[((b * u.C_in + u32(cs)) * u.H_in + u32(y)) * u.W_in + u32(xx)];
  }
  out[i] = v;
}

// Writes in (B, C_in, H, W) into channels [c_off, c_off + C_in) of out (B, C_out, H, W) (other channels untouched).
@compute @workgroup_size(WG)
fn place(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  let plane = u.H_in * u.W_in;
  if (i >= u.B * u.C_in * plane) { return; }
  let b = i / (u.C_in * plane);
  let c = (i / plane) % u.C_in;
  out[(b * u.C_out + c + u32(u.c_off)) * plane + i % plane] = x[i];
}
