/**
 * NCHW layout ops used by the generator: channel slice / concat (Decoder_last's x[:, :-c] and x[:, -c:]),
 * zero pad / crop (ConstantPad2d(N/4)), and broadcast multiplication by a gate or mask (CBAM gates, the
 * probe_big border mask). Each op's adjoint is another op of this file.
 */
import layoutWgsl from '../shaders/layout.wgsl?raw';
import bmulWgsl from '../shaders/bmul.wgsl?raw';
import type { Gpu } from '../runtime';
import { kernelFamily } from '../kernelDecl';
import { record } from '../tape';
import type { Tensor } from '../tensor';

const windowParams = {
  B: 'u32',
  C_in: 'u32',
  C_out: 'u32',
  c_off: 'i32',
  H_in: 'u32',
  W_in: 'u32',
  H_out: 'u32',
  W_out: 'u32',
  dy: 'i32',
  dx: 'i32',
} as const;
const layout = kernelFamily({
  prefix: 'layout_',
  params: windowParams,
  bindings: { x: 'read', out: 'rw' },
  code: layoutWgsl,
});
/** out[b,c,y,x] = x[b, c+c_off, y+dy, x+dx] (0 outside); its adjoint is the window with negated offsets */
const WINDOW = layout('window', windowParams, { x: 'read', out: 'rw' }, (p) => p.B * p.C_out * p.H_out * p.W_out);
/** out[:, c_off:c_off+C_in] = x (other channels untouched) */
const PLACE = layout('place', windowParams, { x: 'read', out: 'rw' }, (p) => p.B * p.C_in * p.H_in * p.W_in);
const bmulParams = { B: 'u32', C: 'u32', P: 'u32', sB: 'u32', sC: 'u32', sP: 'u32', nS: 'u32' } as const;
const bmul = kernelFamily({
  prefix: 'bmul_',
  params: bmulParams,
  bindings: {
    x: 'read',
    s: 'read',
    out: 'rw',
    g: 'read', // gate_grad: the upstream gradient
  },
  code: bmulWgsl,
});
/** out = x · s (s broadcast by strides sB, sC, sP); its adjoint w.r.t. x is the same kernel applied to g: gx = g · s */
const BMUL = bmul('forward', bmulParams, { x: 'read', s: 'read', out: 'rw' }, (p) => p.B * p.C * p.P, { name: 'bmul' });
/** Adjoint of bmul w.r.t. the gate: gs[j] = Σ over the broadcast dims of g·x */
const BMUL_GATE = bmul('gate_grad', bmulParams, { g: 'read', x: 'read', out: 'rw' }, 'nS');

function dims(x: Tensor, op: string): [number, number, number, number] {
  if (x.shape.length !== 4 || x.dtype !== 'f32') throw new Error(`${op}: expected a real NCHW tensor, got ${x}`);
  return x.shape as unknown as [number, number, number, number];
}

/**
 * A window of an NCHW tensor: out[b,c,y,x] = in[b, c+cOff, y+dy, x+dx] (0 outside), out (B, cOut, hOut, wOut).
 * Shared with the float64 reference (src/gpu/ops/layers.ref.ts).
 */
export interface Window {
  readonly cOut: number;
  readonly cOff: number;
  readonly hOut: number;
  readonly wOut: number;
  readonly dy: number;
  readonly dx: number;
}

/** The window `w` of x (no tape). */
export function windowRaw(gpu: Gpu, x: Tensor, w: Window): Tensor {
  const [B, C, H, W] = dims(x, 'window');
  const { cOut, cOff, hOut, wOut, dy, dx } = w;
  const out = gpu.tensor([B, cOut, hOut, wOut], 'f32');
  gpu.run(
    WINDOW,
    { x, out },
    { B, C_in: C, C_out: cOut, c_off: cOff, H_in: H, W_in: W, H_out: hOut, W_out: wOut, dy, dx },
  );
  return out;
}

/** The window `w` of x, with its adjoint on the tape: the window back to x's shape with negated offsets. */
function windowOp(gpu: Gpu, op: string, x: Tensor, w: Window): Tensor {
  const [, C, H, W] = dims(x, op);
  const out = windowRaw(gpu, x, w);
  const back = { cOut: C, cOff: -w.cOff, hOut: H, wOut: W, dy: -w.dy, dx: -w.dx };
  record(gpu, op, [x], [out], ([g]) => [g && windowRaw(gpu, g, back)]);
  return out;
}

/** x[:, start:start+count] */
export function sliceChannels(gpu: Gpu, x: Tensor, start: number, count: number): Tensor {
  const [, C, H, W] = dims(x, 'sliceChannels');
  if (start < 0 || start + count > C) throw new RangeError(`sliceChannels: [${start}, ${start + count}) of ${C}`);
  return windowOp(gpu, 'sliceChannels', x, { cOut: count, cOff: start, hOut: H, wOut: W, dy: 0, dx: 0 });
}

/** torch.cat(xs, dim=1) */
export function concatChannels(gpu: Gpu, xs: Tensor[]): Tensor {
  const [B, , H, W] = dims(xs[0], 'concatChannels');
  const Ctot = xs.reduce((s, t) => s + dims(t, 'concatChannels')[1], 0);
  const out = gpu.tensor([B, Ctot, H, W], 'f32');
  let off = 0;
  const offs: number[] = [];
  for (const t of xs) {
    const c = t.shape[1];
    if (t.shape[0] !== B || t.shape[2] !== H || t.shape[3] !== W) throw new Error(`concatChannels: ${t} vs ${xs[0]}`);
    gpu.run(
      PLACE,
      { x: t, out },
      { B, C_in: c, C_out: Ctot, c_off: off, H_in: H, W_in: W, H_out: H, W_out: W, dy: 0, dx: 0 },
    );
    offs.push(off);
    off += c;
  }
  record(gpu, 'concatChannels', xs, [out], ([g]) =>
    xs.map((t, i) =>
      g ? windowRaw(gpu, g, { cOut: t.shape[1], cOff: offs[i], hOut: H, wOut: W, dy: 0, dx: 0 }) : null,
    ),
  );
  return out;
}

/** Zero padding by p on all four sides (ConstantPad2d(p)). */
export function pad2d(gpu: Gpu, x: Tensor, p: number): Tensor {
  const [, C, H, W] = dims(x, 'pad2d');
  return windowOp(gpu, 'pad2d', x, { cOut: C, cOff: 0, hOut: H + 2 * p, wOut: W + 2 * p, dy: -p, dx: -p });
}

/** x[:, :, top:top+h, left:left+w] */
export function crop2d(gpu: Gpu, x: Tensor, top: number, left: number, h: number, w: number): Tensor {
  const [, C] = dims(x, 'crop2d');
  return windowOp(gpu, 'crop2d', x, { cOut: C, cOff: 0, hOut: h, wOut: w, dy: top, dx: left });
}

/**
 * x (B,C,H,W) times a gate broadcast over some dims: gate shapes (B,C,1,1) channel gate, (B,1,H,W) spatial gate,
 * (H,W) constant mask. Gradients flow to x and to the gate (when it requires one).
 */
export function broadcastMul(gpu: Gpu, x: Tensor, gate: Tensor): Tensor {
  const [B, C, H, W] = dims(x, 'broadcastMul');
  const P = H * W;
  const s = gate.shape;
  let strides: [number, number, number];
  if (s.length === 4 && s[0] === B && s[1] === C && s[2] === 1 && s[3] === 1) strides = [C, 1, 0];
  else if (s.length === 4 && s[0] === B && s[1] === 1 && s[2] === H && s[3] === W) strides = [P, 0, 1];
  else if (s.length === 2 && s[0] === H && s[1] === W) strides = [0, 0, 1];
  else throw new Error(`broadcastMul: gate ${gate} does not broadcast over ${x}`);
  const u = { B, C, P, sB: strides[0], sC: strides[1], sP: strides[2], nS: gate.size };
  const out = gpu.tensor(x.shape, 'f32');
  gpu.run(BMUL, { x, s: gate, out }, u);
  record(gpu, 'broadcastMul', [x, gate], [out], ([g]) => {
    if (!g) return [null, null];
    // Linear in x: the adjoint w.r.t. x is the forward kernel run on g.
    const gx = x.requiresGrad ? gpu.tensor(x.shape, 'f32') : null;
    const gg = gate.requiresGrad ? gpu.tensor(gate.shape, 'f32') : null;
    if (gx) gpu.run(BMUL, { x: g, s: gate, out: gx }, u);
    if (gg) gpu.run(BMUL_GATE, { g, x, out: gg }, u);
    return [gx, gg];
  });
  return out;
}

/** Same data, new shape (a copy: tensors own their buffers). */
export function reshape(gpu: Gpu, x: Tensor, shape: number[]): Tensor {
  const out = gpu.tensor(shape, x.dtype);
  if (out.size !== x.size) throw new Error(`reshape: ${x} → [${shape.join(',')}]`);
  gpu.copyRange(x, 0, out, 0, x.floats);
  record(gpu, 'reshape', [x], [out], ([g]) => {
    if (!g) return [null];
    const gx = gpu.tensor(x.shape, x.dtype);
    gpu.copyRange(g, 0, gx, 0, x.floats);
    return [gx];
  });
  return out;
}
