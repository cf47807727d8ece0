// Stitching predicted patches into the object (barycentric reassembly). Each patch's central crop (mt × mt)
// is splatted bilinearly with weight w·q (q = |P|² of the cropped probe, or 1) into a numerator and a weights
// canvas; object = num / (weights + eps). A splat is a scatter, so it is written as a gather: one workgroup per
// 16×16 canvas tile walks the list of patches whose footprint overlaps the tile (built on the CPU, CSR form).
// The header (struct Params, bindings) is generated from the family declaration in src/gpu/ops/stitch.ts.

@compute @workgroup_size(16, 16)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let tile = wid.x + wid.y * 65535u;
  if (tile + 1u >= arrayLength(&tileStart)) { return; }
  let tx = tile % u.tilesX;
  let ty = tile / u.tilesX;
  let X = tx * 16u + lid.x;
  let Y = ty * 16u + lid.y;
  if (X >= u.W || Y >= u.H) { return; }
  let off = u.N / 2u - u.mt / 2u;
  var num = vec2<f32>(0.0, 0.0);
  var den = 0.0;
  for (var e = tileStart[tile]; e < tileStart[tile + 1u]; e++) {
    let p = tileList[e];
    let pl = place[p];
    for (var dy = 0; dy < 2; dy++) {
      let i = i32(Y) - i32(pl.y) - dy;
      if (i < 0 || i >= i32(u.mt)) { continue; }
      let wy = select(1.0 - pl.w, pl.w, dy == 1);
      for (var dx = 0; dx < 2; dx++) {
        let j = i32(X) - i32(pl.x) - dx;
        if (j < 0 || j >= i32(u.mt)) { continue; }
        let w = wy * select(1.0 - pl.z, pl.z, dx == 1) * q[u32(i) * u.mt + u32(j)];
        num += patches[(p * u.N + off + u32(i)) * u.N + off + u32(j)] * w;
        den += w;
      }
    }
  }
  let k = Y * u.W + X;
  wsum[k] = den;
  obj[k] = select(vec2<f32>(0.0, 0.0), num / (den + u.eps), den > 0.0);
}
