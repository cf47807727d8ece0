// Prepended to 1-D kernels. WG is the workgroup size, set by the runtime from the kernel's declaration
// (src/gpu/kernelDecl.ts); grids over 65535 workgroups are folded into 2-D by gpu.grid(), and global_index
// unfolds them.
override WG: u32 = 64u;

fn global_index(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

// Row-major flat index ↔ coordinates, for kernels with one invocation per element (u32 arithmetic wraps,
// so any grouping of the products gives the same index).
// (n, y, x) of element i of an (·, H, W) array, as vec3(n, y, x).
fn unflatten3(i: u32, H: u32, W: u32) -> vec3<u32> {
  let plane = H * W;
  return vec3<u32>(i / plane, (i % plane) / W, i % W);
}

// (b, c, y, x) of element i of a (·, C, H, W) array, as vec4(b, c, y, x).
fn unflatten4(i: u32, C: u32, H: u32, W: u32) -> vec4<u32> {
  let plane = H * W;
  return vec4<u32>(i / (C * plane), (i / plane) % C, (i % plane) / W, i % W);
}

// Flat index of v = (b, c, y, x) in a (·, C, H, W) array.
fn flatten4(v: vec4<u32>, C: u32, H: u32, W: u32) -> u32 {
  return ((v.x * C + v.y) * H + v.z) * W + v.w;
}
