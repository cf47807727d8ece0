// out[dst_off + i] = x[src_off + i], i < n (float ranges; used to split packed gradient buffers).
struct Params { n: u32, src_off: u32, dst_off: u32, p0: u32 }
@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= u.n) { return; }
  out[u.dst_off + i] = x[u.src_off + i];
}
