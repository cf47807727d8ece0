// (index.wgsl is prepended.)
// fftshift / ifftshift over the last two axes of (…, H, W) arrays of f32 (W2 = 1) or vec2 (W2 = 2) floats.
// out[…, (r + sh) % H, (c + sw) % W] = in[…, r, c]; fftshift: sh = H/2 (floor), ifftshift: sh = ceil(H/2)… we
// pass the destination offsets directly.
// The header (struct Params, bindings) is generated from the family declaration in src/gpu/ops/fft.ts.

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg); // element index (complex counts once)
  if (i >= u.n) { return; }
  let plane = u.h * u.w;
  let img = i / plane;
  let r = (i % plane) / u.w;
  let c = i % u.w;
  let j = img * plane + ((r + u.sh) % u.h) * u.w + (c + u.sw) % u.w;
  for (var k = 0u; k < u.comps; k++) { out[j * u.comps + k] = x[i * u.comps + k]; }
}
