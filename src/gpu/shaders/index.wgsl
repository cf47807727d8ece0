// Prepended to 1-D kernels. WG is the workgroup size, set by the runtime from the kernel's declaration
// (src/gpu/kernelDecl.ts); grids over 65535 workgroups are folded into 2-D by gpu.grid(), and global_index
// unfolds them.
override WG: u32 = 64u;

fn global_index(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}
