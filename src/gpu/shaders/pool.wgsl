// (index.wgsl is prepended.) 2×2 max-pool (stride 2) and nearest ×2 up-sampling on NCHW planes, with adjoints
// written as gathers. u.planes = B·C, (h, w) = input size of the op's forward.
// The header (struct Params, bindings) is generated from the family declaration in src/gpu/ops/pool.ts.

// out (planes, h/2, w/2) = max over each 2×2 window (first max in row-major order wins, as PyTorch).
@compute @workgroup_size(WG)
fn maxpool(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let oh = u.h / 2u; let ow = u.w / 2u;
  let i = global_index(gid, nwg);
  if (i >= u.planes * oh * ow) { return; }
  let p = i / (oh * ow); let r = (i % (oh * ow)) / ow; let c = i % ow;
  let base = p * u.h * u.w + 2u * r * u.w + 2u * c;
  var m = x[base];
  m = max(m, x[base + 1u]);
  m = max(m, x[base + u.w]);
  m = max(m, x[base + u.w + 1u]);
  out[i] = m;
}

// grad x (planes, h, w): each input pixel takes g of its window iff it is the window's (first) argmax.
@compute @workgroup_size(WG)
fn maxpool_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.planes * u.h * u.w) { return; }
  let oh = u.h / 2u; let ow = u.w / 2u;
  let p = i / (u.h * u.w); let y = (i % (u.h * u.w)) / u.w; let xx = i % u.w;
  let r = y / 2u; let c = xx / 2u;
  if (r >= oh || c >= ow) { out[i] = 0.0; return; } // odd trailing row/col: not pooled
  let base = p * u.h * u.w + 2u * r * u.w + 2u * c;
  var arg = base;
  var m = x[base];
  let cands = array<u32, 3>(base + 1u, base + u.w, base + u.w + 1u);
  for (var k = 0u; k < 3u; k++) { if (x[cands[k]] > m) { m = x[cands[k]]; arg = cands[k]; } }
  out[i] = select(0.0, g[p * oh * ow + r * ow + c], arg == i);
}

// nearest ×2: out (planes, 2h, 2w)
@compute @workgroup_size(WG)
fn upsample(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  let H = 2u * u.h; let W = 2u * u.w;
  if (i >= u.planes * H * W) { return; }
  let p = i / (H * W); let y = (i % (H * W)) / W; let xx = i % W;
  out[i] = x[p * u.h * u.w + (y / 2u) * u.w + xx / 2u];
}

// adjoint: sum of g over each 2×2 block → (planes, h, w)
@compute @workgroup_size(WG)
fn upsample_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.planes * u.h * u.w) { return; }
  let W = 2u * u.w;
  let p = i / (u.h * u.w); let r = (i % (u.h * u.w)) / u.w; let c = i % u.w;
  let b = p * 4u * u.h * u.w + 2u * r * W + 2u * c;
  out[i] = g[b] + g[b + 1u] + g[b + W] + g[b + W + 1u];
}
