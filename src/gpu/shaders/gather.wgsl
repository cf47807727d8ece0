// (index.wgsl is prepended.) Batch assembly on the GPU: out[b, :] = src[idx[b] − row_offset, :] for rows of `row`
// floats (indices as exact f32). `src` holds rows [row_offset, row_offset + rows) of the dataset (one chunk of a
// ChunkedRows, or a whole tensor with row_offset 0): a dispatch writes only the batch rows whose index falls in it,
// so one dispatch per chunk fills the batch.
// The header (struct Params, bindings) is generated from the family declaration in src/gpu/ops/gather.ts.

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = global_index(gid, nwg);
  if (i >= u.batch * u.row) { return; }
  let r = u32(idx[i / u.row]);
  if (r < u.row_offset || r - u.row_offset >= u.rows) { return; }
  out[i] = src[(r - u.row_offset) * u.row + i % u.row];
}
