/**
 * The reference's spectral generators (hoidn/PtychoPINN ptycho_torch/generators/): `ffno` (FfnoGeneratorModule:
 * spatial lifter → a stack of factorized-FNO blocks sharing one spectral operator and one gate → local residual
 * refiners → 1×1 output head), `fno` (CascadedFNOGenerator: lifter → PtychoBlocks x + GELU(spectral(x) + conv3×3(x))
 * → 1×1 intermediate → conv3×3 + GELU refiner → head) and `fno_vanilla` (lifter → PtychoBlocks → head). The FNO
 * blocks use the reference's fallback spectral convolution (no neuraloperator package: positive row modes only).
 * Outputs: real_imag (the head's 2·C channels are C real then C imaginary planes), amp_phase (separate sigmoid and
 * π·tanh heads) or amp_phase_logits (the real_imag head's planes read as amplitude and phase logits).
 * Parameter names are the reference's unique state_dict keys under `model.generator.` (named_parameters order);
 * complex spectral weights are f32 with a trailing (re, im) axis. specs/generators.md documents the contract.
 */
import type { Gpu } from '../gpu/runtime';
import type { Tensor } from '../gpu/tensor';
import { activation, gelu } from '../gpu/ops/activation';
import { joinComplex } from '../gpu/ops/complex';
import { conv2d } from '../gpu/ops/conv2d';
import { add, scaleByScalar } from '../gpu/ops/elementwise';
import { sliceChannels } from '../gpu/ops/layout';
import { instanceNorm } from '../gpu/ops/norm';
import { factorizedSpectralConv2d, spectralConv2d } from '../gpu/ops/spectral';
import { Rng } from '../numerics/random';
import { FORWARD_MODEL_PARAMETERS } from './network';

export type SpectralArchitecture = 'ffno' | 'fno' | 'fno_vanilla';

export interface SpectralGeneratorSpec {
  architecture: SpectralArchitecture;
  N: number;
  /** Input and output channels (gridsize² when object_big). */
  C: number;
  /** fno_width: hidden channels. */
  width: number;
  /** fno_blocks. */
  blocks: number;
  /** fno_modes. */
  modes: number;
  /** fno_cnn_blocks (ffno: residual refiners; fno: conv + GELU refiners; unused by fno_vanilla). */
  cnnBlocks: number;
  /**
   * fno_input_transform: 'none', 'instancenorm' (InstanceNorm2d without affine, eps 1e-6), 'sqrt' (√max(x, 0)) or
   * 'log1p' (log1p(max(x, 0))), as the reference's InputTransform.
   */
  inputTransform: 'none' | 'instancenorm' | 'sqrt' | 'log1p';
  /**
   * generator_output_mode: 'real_imag' (re + i·im of the head's two plane sets), 'amp_phase' (output_amp, output_phase
   * heads) or 'amp_phase_logits' (the real_imag head; sigmoid of its first C planes, π·tanh of the next C).
   */
  outputMode: 'real_imag' | 'amp_phase' | 'amp_phase_logits';
}

export const SPECTRAL_PREFIX = 'model.generator.';

type Shapes = [string, number[]][];

function conv(out: Shapes, name: string, o: number, i: number, k: number): void {
  out.push([`${SPECTRAL_PREFIX}${name}.weight`, [o, i, k, k]], [`${SPECTRAL_PREFIX}${name}.bias`, [o]]);
}

/** The FFNO block's hidden width: max(channels, round(channels · mlp_ratio 2)). */
const mlpWidth = (w: number) => Math.max(w, Math.round(w * 2));

/** Parameter names and shapes (unique tensors, in the reference's named_parameters order). */
export function spectralParameterShapes(s: SpectralGeneratorSpec): Shapes {
  const out: Shapes = [];
  const w = s.width;
  conv(out, 'lifter.conv1', w, s.C, 3);
  conv(out, 'lifter.conv2', w, w, 3);
  if (s.architecture === 'ffno') {
    out.push([`${SPECTRAL_PREFIX}ffno_stack.shared_gate`, [1]]);
    out.push([`${SPECTRAL_PREFIX}ffno_stack.shared_spectral.weights_x`, [w, w, s.modes, 2]]);
    out.push([`${SPECTRAL_PREFIX}ffno_stack.shared_spectral.weights_y`, [w, w, s.modes, 2]]);
    for (let b = 0; b < s.blocks; b++) {
      out.push([`${SPECTRAL_PREFIX}ffno_stack.blocks.${b}.norm.weight`, [w]]);
      out.push([`${SPECTRAL_PREFIX}ffno_stack.blocks.${b}.norm.bias`, [w]]);
      conv(out, `ffno_stack.blocks.${b}.expand`, mlpWidth(w), w, 1);
      conv(out, `ffno_stack.blocks.${b}.project`, w, mlpWidth(w), 1);
    }
    for (let r = 0; r < s.cnnBlocks; r++) {
      conv(out, `refiners.${r}.conv1`, w, w, 3);
      conv(out, `refiners.${r}.conv2`, w, w, 3);
    }
  } else {
    const stack = s.architecture === 'fno' ? 'fno_blocks' : 'blocks';
    for (let b = 0; b < s.blocks; b++) {
      out.push([`${SPECTRAL_PREFIX}${stack}.${b}.spectral.weights`, [w, w, s.modes, s.modes, 2]]);
      conv(out, `${stack}.${b}.local_conv`, w, w, 3);
    }
    if (s.architecture === 'fno') {
      conv(out, 'intermediate', w, w, 1);
      for (let r = 0; r < s.cnnBlocks; r++) conv(out, `cnn_refiner.${r}.0`, w, w, 3);
    }
  }
  if (s.outputMode === 'amp_phase') {
    conv(out, 'output_amp', s.C, w, 1);
    conv(out, 'output_phase', s.C, w, 1);
  } else conv(out, 'output_proj', 2 * s.C, w, 1);
  return out;
}

/** Spectral weights are complex64 in the reference: stored here as f32 with a trailing (re, im) axis. */
export const isComplexSpectralParameter = (name: string): boolean => /spectral\.weights(_[xy])?$/.test(name);

/** The FFNO stack's `generator.`-local keys of block b under `stack` ('ffno_stack.blocks.' or its alias 'blocks.'). */
function ffnoBlockKeys(names: string[], stack: string, b: number): [string, string][] {
  const own = `${SPECTRAL_PREFIX}ffno_stack.blocks.${b}.`;
  return [
    ...(['weights_x', 'weights_y'] as const).map((w): [string, string] => [
      `${SPECTRAL_PREFIX}${stack}${b}.shared_spectral.${w}`,
      `${SPECTRAL_PREFIX}ffno_stack.shared_spectral.${w}`,
    ]),
    ...names
      .filter((n) => n.startsWith(own))
      .map((n): [string, string] => [`${SPECTRAL_PREFIX}${stack}${b}.${n.slice(own.length)}`, n]),
  ];
}

/**
 * The reference's full state_dict of a spectral PtychoPINN, in its order, as [key, our unique parameter name]: every
 * generator tensor under `model.generator.` and again under `model.autoencoder.` (the same module); FFNO also lists
 * the shared spectral weights under each block (`ffno_stack.blocks.{b}.shared_spectral.*`) and the blocks again
 * under the generator's alias `blocks.{b}.`; then the forward model's four scalars. Aliases share one storage.
 */
export function spectralStateDictKeys(s: SpectralGeneratorSpec): [string, string][] {
  const names = spectralParameterShapes(s).map(([n]) => n);
  let gen: [string, string][] = names.map((n) => [n, n]);
  if (s.architecture === 'ffno') {
    const inBlocks = (n: string) => n.startsWith(`${SPECTRAL_PREFIX}ffno_stack.blocks.`);
    const head = names.slice(0, names.findIndex((n) => n.endsWith('ffno_stack.shared_spectral.weights_y')) + 1);
    const tail = names.slice(head.length).filter((n) => !inBlocks(n));
    const stacked = (stack: string) =>
      Array.from({ length: s.blocks }, (_, b) => ffnoBlockKeys(names, stack, b)).flat();
    gen = [
      ...head.map((n): [string, string] => [n, n]),
      ...stacked('ffno_stack.blocks.'),
      ...stacked('blocks.'),
      ...tail.map((n): [string, string] => [n, n]),
    ];
  }
  const autoencoder = gen.map(([k, n]): [string, string] => [
    `model.autoencoder.${k.slice(SPECTRAL_PREFIX.length)}`,
    n,
  ]);
  return [...gen, ...autoencoder, ...FORWARD_MODEL_PARAMETERS.map(([n]): [string, string] => [n, n])];
}

export type SpectralParams = Map<string, Tensor>;

function param(params: SpectralParams, name: string): Tensor {
  const t = params.get(`${SPECTRAL_PREFIX}${name}`);
  if (!t) throw new Error(`spectral generator: missing parameter ${SPECTRAL_PREFIX}${name}`);
  return t;
}

const convOf = (gpu: Gpu, params: SpectralParams, name: string, x: Tensor) =>
  conv2d(gpu, x, param(params, `${name}.weight`), param(params, `${name}.bias`));

/** The generator's output: the complex object patches (real_imag) or amplitude and phase (amp_phase, amp_phase_logits). */
export type SpectralOutput = { object: Tensor } | { amp: Tensor; phase: Tensor };

/** Forward: x (B, C, N, N) normalised diffraction amplitude → object patches (B, C, N, N). */
export function spectralGeneratorForward(
  gpu: Gpu,
  params: SpectralParams,
  s: SpectralGeneratorSpec,
  x: Tensor,
): SpectralOutput {
  let h = inputTransform(gpu, s, x);
  h = convOf(gpu, params, 'lifter.conv2', gelu(gpu, convOf(gpu, params, 'lifter.conv1', h)));
  if (s.architecture === 'ffno') h = ffnoStack(gpu, params, s, h);
  else h = fnoStack(gpu, params, s, h);
  if (s.outputMode === 'amp_phase')
    return {
      amp: activation(gpu, convOf(gpu, params, 'output_amp', h), 'sigmoid'),
      phase: activation(gpu, convOf(gpu, params, 'output_phase', h), 'piTanh'),
    };
  const o = convOf(gpu, params, 'output_proj', h);
  const first = sliceChannels(gpu, o, 0, s.C);
  const second = sliceChannels(gpu, o, s.C, s.C);
  if (s.outputMode === 'amp_phase_logits')
    return { amp: activation(gpu, first, 'sigmoid'), phase: activation(gpu, second, 'piTanh') };
  return { object: joinComplex(gpu, first, second) };
}

/** The reference's InputTransform on the network input (before the lifter). */
function inputTransform(gpu: Gpu, s: SpectralGeneratorSpec, x: Tensor): Tensor {
  switch (s.inputTransform) {
    case 'none':
      return x;
    case 'instancenorm':
      return instanceNorm(gpu, x, { eps: 1e-6 });
    case 'sqrt':
      return activation(gpu, x, 'sqrtClamped');
    case 'log1p':
      return activation(gpu, x, 'log1pClamped');
  }
}

/** FFNO: x + gate · project(GELU(expand(norm(spectral(x))))) per block (one spectral operator and gate), refiners. */
function ffnoStack(gpu: Gpu, params: SpectralParams, s: SpectralGeneratorSpec, x: Tensor): Tensor {
  const wx = param(params, 'ffno_stack.shared_spectral.weights_x');
  const wy = param(params, 'ffno_stack.shared_spectral.weights_y');
  const gate = param(params, 'ffno_stack.shared_gate');
  let h = x;
  for (let b = 0; b < s.blocks; b++) {
    const blk = `ffno_stack.blocks.${b}`;
    let u = factorizedSpectralConv2d(gpu, h, wx, wy);
    u = instanceNorm(gpu, u, { weight: param(params, `${blk}.norm.weight`), bias: param(params, `${blk}.norm.bias`) });
    u = convOf(gpu, params, `${blk}.project`, gelu(gpu, convOf(gpu, params, `${blk}.expand`, u)));
    h = add(gpu, h, scaleByScalar(gpu, u, gate));
  }
  for (let r = 0; r < s.cnnBlocks; r++)
    h = add(
      gpu,
      h,
      convOf(gpu, params, `refiners.${r}.conv2`, gelu(gpu, convOf(gpu, params, `refiners.${r}.conv1`, h))),
    );
  return h;
}

/** FNO / constant-resolution FNO: PtychoBlocks x + GELU(spectral(x) + conv3×3(x)); fno adds its refiner. */
function fnoStack(gpu: Gpu, params: SpectralParams, s: SpectralGeneratorSpec, x: Tensor): Tensor {
  const stack = s.architecture === 'fno' ? 'fno_blocks' : 'blocks';
  let h = x;
  for (let b = 0; b < s.blocks; b++) {
    const spectral = spectralConv2d(gpu, h, param(params, `${stack}.${b}.spectral.weights`));
    h = add(gpu, h, gelu(gpu, add(gpu, spectral, convOf(gpu, params, `${stack}.${b}.local_conv`, h))));
  }
  if (s.architecture === 'fno') {
    h = convOf(gpu, params, 'intermediate', h);
    for (let r = 0; r < s.cnnBlocks; r++) h = gelu(gpu, convOf(gpu, params, `cnn_refiner.${r}.0`, h));
  }
  return h;
}

/**
 * Fresh weights as the reference draws them: convolutions PyTorch's default (weight and bias U(±1/√fan_in)), the
 * spectral weights (1/√channels)·randn complex (real and imaginary parts N(0, 1/2)), instance-norm weight 1 and
 * bias 0, the FFNO gate 0.1.
 */
export function initSpectralParameters(s: SpectralGeneratorSpec, seed: number): Map<string, Float32Array> {
  const rng = new Rng(seed);
  const out = new Map<string, Float32Array>();
  const shapes = spectralParameterShapes(s);
  const fanIn = new Map(
    shapes.filter(([n]) => n.endsWith('.weight')).map(([n, sh]) => [n.slice(0, -7), sh[1] * sh[2] * (sh[3] ?? 1)]),
  );
  for (const [name, shape] of shapes) {
    const a = new Float32Array(shape.reduce((x, y) => x * y, 1));
    if (name.includes('shared_spectral.') || name.endsWith('.spectral.weights')) {
      const sd = Math.SQRT1_2 / Math.sqrt(s.width);
      for (let i = 0; i < a.length; i++) a[i] = sd * rng.normal();
    } else if (name.endsWith('shared_gate')) a.fill(0.1);
    else if (name.endsWith('.norm.weight')) a.fill(1);
    else if (name.endsWith('.norm.bias')) a.fill(0);
    else {
      const layer = name.slice(0, name.lastIndexOf('.'));
      const bound = 1 / Math.sqrt(fanIn.get(layer) ?? 1);
      for (let i = 0; i < a.length; i++) a[i] = rng.range(-bound, bound);
    }
    out.set(name, a);
  }
  return out;
}
