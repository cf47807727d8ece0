// out[0] = x[u.index]: picks one GPU scalar without a read-back.
struct Params { index: u32 }
@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(1)
fn main() { out[0] = x[u.index]; }
