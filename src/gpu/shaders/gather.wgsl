// (index.wgsl is prepended.) Batch assembly on the GPU: out[b, :] = src[idx[b], :] for rows of `row` floats
// (indices as exact f32).
struct Params { rows: u32, row: u32 }
@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read> idx: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.rows * u.row) { return; }
  let b = i / u.row;
  out[i] = src[u32(idx[b]) * u.row + i % u.row];
}
