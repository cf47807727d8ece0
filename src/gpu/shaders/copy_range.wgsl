// (index.wgsl is prepended.) dst[dst_off + i] = src[src_off + i], i < n (float ranges; used to split packed
// gradient buffers).
struct Params { n: u32, src_off: u32, dst_off: u32 }
@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.n) { return; }
  dst[u.dst_off + i] = src[u.src_off + i];
}
