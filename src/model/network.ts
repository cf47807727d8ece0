/**
 * The PtychoPINN generator as the PyTorch reference builds it (ptycho_torch/model.py):
 * encoder ConvPoolBlocks (conv3×3+ReLU ×2, CBAM, max-pool 2) over a filter ladder set by N, two separate
 * decoders (amplitude, phase) of ConvUpBlocks (conv3×3+ReLU ×2, nearest ×2), and Decoder_last: path 1 predicts the
 * central N/2×N/2 (activation, zero pad N/4), path 2 (probe_big) the border through a ConvUpBlock + conv + SiLU
 * masked to the border. Parameter names are the reference's state_dict keys; weights are OIHW.
 * Extensions of ours (documented in specs): N = 32 (same ladder as 64) and n_filters_scale 0.25 / 0.5.
 */
import { perDevice } from '../gpu/deviceCache';
import type { Gpu } from '../gpu/runtime';
import type { Tensor } from '../gpu/tensor';
import { activation, type Activation } from '../gpu/ops/activation';
import { cbam, type CbamParams } from '../gpu/ops/cbam';
import { conv2d } from '../gpu/ops/conv2d';
import { add } from '../gpu/ops/elementwise';
import { broadcastMul, pad2d, sliceChannels } from '../gpu/ops/layout';
import { maxPool2x2, upsample2x } from '../gpu/ops/pool';
import type { InitScheme } from './init';

export interface GeneratorSpec {
  N: number;
  /** Channels in/out: gridsize² when object_big, else 1. */
  C: number;
  nFiltersScale: number;
  cbam: boolean;
  probeBig: boolean;
  /** 'sigmoid' (reference default) | 'swish' | 'softplus' | 'relu' — honoured as named (the torch backend maps every non-sigmoid name to SiLU). */
  ampActivation: 'sigmoid' | 'swish' | 'softplus' | 'relu';
  /** How fresh weights are drawn (src/model/init.ts); not part of the shape. Default 'torch_default'. */
  init?: InitScheme;
}

export const PREFIX = 'model.autoencoder.';

function ch(base: number, s: number): number {
  return Math.max(1, Math.round(base * s));
}

export function encoderFilters(spec: GeneratorSpec): number[] {
  const s = spec.nFiltersScale;
  switch (spec.N) {
    case 32:
    case 64:
      return [32, 64, 128].map((b) => ch(b, s));
    case 128:
      return [16, 32, 64, 128].map((b) => ch(b, s));
    case 256:
      return [8, 16, 32, 64, 128].map((b) => ch(b, s));
    default:
      throw new Error(`generator: N=${spec.N} not supported (32, 64, 128, 256)`);
  }
}

export function decoderFilters(spec: GeneratorSpec): number[] {
  const s = spec.nFiltersScale;
  const tail: Record<number, number[]> = { 32: [64, 32], 64: [64, 32], 128: [128, 64, 32], 256: [256, 128, 64, 32] };
  return [ch(128, s), ...tail[spec.N].map((b) => ch(b, s))];
}

/** CBAM hidden width: c // 16 as the reference; at least 1 for our small-scale extension. */
function cbamHidden(c: number): number {
  return Math.max(1, Math.floor(c / 16));
}

/** Ordered (state_dict order) parameter names and shapes, without the `model.autoencoder.` prefix handled by callers. */
export function parameterShapes(spec: GeneratorSpec): [string, number[]][] {
  const out: [string, number[]][] = [];
  const conv = (name: string, o: number, i: number, k = 3, bias = true) => {
    out.push([`${name}.weight`, [o, i, k, k]]);
    if (bias) out.push([`${name}.bias`, [o]]);
  };
  let cin = spec.C;
  encoderFilters(spec).forEach((f, i) => {
    const b = `${PREFIX}encoder.blocks.${i}`;
    conv(`${b}.conv1`, f, cin);
    conv(`${b}.conv2`, f, f);
    if (spec.cbam) {
      const h = cbamHidden(f);
      out.push([`${b}.attention.ChannelGate.mlp.1.weight`, [h, f]], [`${b}.attention.ChannelGate.mlp.1.bias`, [h]]);
      out.push([`${b}.attention.ChannelGate.mlp.3.weight`, [f, h]], [`${b}.attention.ChannelGate.mlp.3.bias`, [f]]);
      out.push([`${b}.attention.SpatialGate.compress.weight`, [1, 2, 7, 7]]);
    }
    cin = f;
  });
  const dec = decoderFilters(spec);
  for (const [head, last] of [
    ['decoder_amp', 'amp'],
    ['decoder_phase', 'phase'],
  ]) {
    for (let j = 0; j + 1 < dec.length; j++) {
      conv(`${PREFIX}${head}.blocks.${j}.conv1`, dec[j + 1], dec[j]);
      conv(`${PREFIX}${head}.blocks.${j}.conv2`, dec[j + 1], dec[j + 1]);
    }
    const w = dec[dec.length - 1];
    const C = spec.C;
    if (w - C < 1)
      throw new Error(
        `generator: last decoder width ${w} must exceed C=${C} (raise n_filters_scale or lower gridsize)`,
      );
    conv(`${PREFIX}${head}.${last}.conv1`, C, w - C);
    if (spec.probeBig) {
      conv(`${PREFIX}${head}.${last}.conv_up_block.conv1`, w, C);
      conv(`${PREFIX}${head}.${last}.conv_up_block.conv2`, w, w);
      conv(`${PREFIX}${head}.${last}.conv2`, C, w);
    }
  }
  out.push(...FORWARD_MODEL_PARAMETERS.map(([n, s]): [string, number[]] => [n, [...s]]));
  return out;
}

/** The reference registers these with every generator (unused on the amplitude path; alpha/beta only with a trainable intensity scale). */
export const FORWARD_MODEL_PARAMETERS: readonly (readonly [string, readonly number[]])[] = [
  ['model.forward_model.alpha', [1]],
  ['model.forward_model.beta', [1]],
  ['model.forward_model.rect_scaler.s1', [1]],
  ['model.forward_model.rect_scaler.s2', [1]],
];

export type Params = Map<string, Tensor>;

function p(params: Params, name: string): Tensor {
  const t = params.get(name);
  if (!t) throw new Error(`generator: missing parameter ${name}`);
  return t;
}

const borderMasks = perDevice<number, Tensor>();

/** The probe_big border mask (1 outside, 0 inside [N/4, N − N/4)²), one persistent tensor per device and N. */
function borderMask(gpu: Gpu, N: number): Tensor {
  return borderMasks(gpu, N, () => {
    const m = new Float32Array(N * N);
    const lo = N / 4,
      hi = N - N / 4;
    for (let y = 0; y < N; y++)
      for (let x = 0; x < N; x++) m[y * N + x] = y >= lo && y < hi && x >= lo && x < hi ? 0 : 1;
    return gpu.keep(gpu.tensor([N, N], 'f32', m));
  });
}

function ampAct(spec: GeneratorSpec): Activation {
  return ({ sigmoid: 'sigmoid', swish: 'silu', softplus: 'softplus', relu: 'relu' } as const)[spec.ampActivation];
}

/** Generator forward: x (B, C, N, N) normalised diffraction amplitude → amp, phase (B, C, N, N). */
export function generatorForward(
  gpu: Gpu,
  params: Params,
  spec: GeneratorSpec,
  x: Tensor,
): { amp: Tensor; phase: Tensor } {
  let h = x;
  encoderFilters(spec).forEach((_, i) => {
    const b = `${PREFIX}encoder.blocks.${i}`;
    h = conv2d(gpu, h, p(params, `${b}.conv1.weight`), p(params, `${b}.conv1.bias`), { relu: true });
    h = conv2d(gpu, h, p(params, `${b}.conv2.weight`), p(params, `${b}.conv2.bias`), { relu: true });
    if (spec.cbam) {
      const a = `${b}.attention.`;
      const cp = {
        'ChannelGate.mlp.1.weight': p(params, `${a}ChannelGate.mlp.1.weight`),
        'ChannelGate.mlp.1.bias': p(params, `${a}ChannelGate.mlp.1.bias`),
        'ChannelGate.mlp.3.weight': p(params, `${a}ChannelGate.mlp.3.weight`),
        'ChannelGate.mlp.3.bias': p(params, `${a}ChannelGate.mlp.3.bias`),
        'SpatialGate.compress.weight': p(params, `${a}SpatialGate.compress.weight`),
      } satisfies CbamParams;
      h = cbam(gpu, h, cp, conv2d);
    }
    h = maxPool2x2(gpu, h);
  });
  const decode = (head: string, last: string, act: Activation) => {
    let d = h;
    const dec = decoderFilters(spec);
    for (let j = 0; j + 1 < dec.length; j++) {
      const b = `${PREFIX}${head}.blocks.${j}`;
      d = conv2d(gpu, d, p(params, `${b}.conv1.weight`), p(params, `${b}.conv1.bias`), { relu: true });
      d = conv2d(gpu, d, p(params, `${b}.conv2.weight`), p(params, `${b}.conv2.bias`), { relu: true });
      d = upsample2x(gpu, d);
    }
    const w = dec[dec.length - 1];
    const C = spec.C;
    const L = `${PREFIX}${head}.${last}`;
    const x1 = pad2d(
      gpu,
      activation(
        gpu,
        conv2d(gpu, sliceChannels(gpu, d, 0, w - C), p(params, `${L}.conv1.weight`), p(params, `${L}.conv1.bias`)),
        act,
      ),
      spec.N / 4,
    );
    if (!spec.probeBig) return x1;
    let t = sliceChannels(gpu, d, w - C, C);
    t = conv2d(gpu, t, p(params, `${L}.conv_up_block.conv1.weight`), p(params, `${L}.conv_up_block.conv1.bias`), {
      relu: true,
    });
    t = conv2d(gpu, t, p(params, `${L}.conv_up_block.conv2.weight`), p(params, `${L}.conv_up_block.conv2.bias`), {
      relu: true,
    });
    t = upsample2x(gpu, t);
    const x2 = broadcastMul(
      gpu,
      activation(gpu, conv2d(gpu, t, p(params, `${L}.conv2.weight`), p(params, `${L}.conv2.bias`)), 'silu'),
      borderMask(gpu, spec.N),
    );
    return add(gpu, x1, x2);
  };
  return { amp: decode('decoder_amp', 'amp', ampAct(spec)), phase: decode('decoder_phase', 'phase', 'piTanh') };
}
