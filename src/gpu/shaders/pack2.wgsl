// out = [a[0], b[0]]: gathers two GPU scalars into one buffer without a read-back.
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(1)
fn main() {
  out[0] = a[0];
  out[1] = b[0];
}
