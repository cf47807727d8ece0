// (index.wgsl is prepended.) Display preview of a complex image: box-downsample by `f` (partial boxes at the
// right/bottom edges) to amplitude = mean |z| and phase = arg Σ z over the box. Output (h, w, 2) = [amplitude,
// phase] per pixel.
// The header (struct Params, bindings) is generated from the family declaration in src/gpu/ops/preview.ts.

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.w * u.h) { return; }
  let X0 = (i % u.w) * u.f;
  let Y0 = (i / u.w) * u.f;
  let X1 = min(X0 + u.f, u.W);
  let Y1 = min(Y0 + u.f, u.H);
  var s = vec2<f32>(0.0, 0.0);
  var m = 0.0;
  for (var y = Y0; y < Y1; y++) {
    for (var x = X0; x < X1; x++) {
      let v = z[y * u.W + x];
      s += v;
      m += length(v);
    }
  }
  out[i] = vec2<f32>(m / f32((X1 - X0) * (Y1 - Y0)), atan2(s.y, s.x));
}
