// Sum of the values the 256 invocations of one workgroup hold, as a tree in workgroup memory: float32 error
// ~log2(256)·eps instead of 256·eps. Every invocation of a 256-wide workgroup calls it (it has barriers) and gets
// the sum; call it once per kernel (a second call would overwrite the tree while others may still read it).
var<workgroup> wg_tree: array<f32, 256>;

fn workgroup_sum(l: u32, s: f32) -> f32 {
  wg_tree[l] = s;
  workgroupBarrier();
  for (var w = 128u; w > 0u; w >>= 1u) {
    if (l < w) { wg_tree[l] += wg_tree[l + w]; }
    workgroupBarrier();
  }
  return wg_tree[0];
}
