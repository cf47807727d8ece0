// out = [a[0], b[0]]: gathers two GPU scalars into one buffer without a read-back.
// The header (struct Params, bindings) is generated from the family declaration in src/gpu/ops/loss.ts.

@compute @workgroup_size(1)
fn main() {
  out[0] = a[0];
  out[1] = b[0];
}
