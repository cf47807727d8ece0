/**
 * PtychoPINN = generator + physics + loss (PtychoPINN_Lightning: forward + compute_loss, unsupervised
 * amplitude mode). Owns the parameter tensors and, once `setData` is called, the dataset resident on the GPU.
 */
import type { Gpu } from '../gpu/runtime';
import { TensorArena } from '../gpu/arena';
import type { Tensor } from '../gpu/tensor';
import { ChunkedRows } from '../gpu/chunkedRows';
import { combineComplex } from '../gpu/ops/complex';
import { gatherRows } from '../gpu/ops/gather';
import { add, scale, scaleShift } from '../gpu/ops/elementwise';
import { l1Loss, ptychoLoss, type LossMode } from '../gpu/ops/loss';
import { paddedCanvasSize } from '../config/geometry';
import { PtychoError } from '../errors';
import { regulariser, type Regulariser } from '../gpu/ops/regular';
import { initParameters } from './init';
import { FORWARD_MODEL_PARAMETERS, generatorForward, parameterShapes, type GeneratorSpec } from './network';
import {
  initSpectralParameters,
  spectralGeneratorForward,
  spectralParameterShapes,
  type SpectralGeneratorSpec,
} from './fnoGenerators';
import { effectiveProbe, forwardPhysics, softProbeMask } from './physics';
import type { TrainableModel } from './train';

export interface PtychoPINNSpec {
  /** The generator's settings; its channel count follows from gridsize and objectBig (generatorOf). */
  generator: Omit<GeneratorSpec, 'C'>;
  /** A spectral generator (ffno, fno, fno_vanilla: src/model/fnoGenerators.ts) instead of the CNN, when set. */
  spectral?: SpectralGeneratorSpec;
  gridsize: number;
  objectBig: boolean;
  probeScale: number;
  probeMask: boolean;
  lossMode: LossMode;
  /** 'pinn' (physics, unsupervised; default) or 'supervised' (L1 to ground-truth patches: 2·amp + 4·phase). */
  modelType?: 'pinn' | 'supervised';
  /** Optional real-space terms added to the loss (torch amp_loss / phase_loss × coefficient, batch mean). */
  ampLoss?: { kind: Regulariser; coeff: number } | null;
  phaseLoss?: { kind: Regulariser; coeff: number } | null;
  /**
   * The PyTorch ModelConfig flag intensity_scale_trainable: pred ← α·pred + β with the state_dict's
   * model.forward_model.alpha / beta trained (both start at 1, as in the reference). Off by default, as in the
   * PyTorch backend (the canonical TrainingConfig flag of the same name is the TF log-scale and is not mapped).
   */
  intensityScaleTrainable?: boolean;
}

/** The generator a spec builds: C = gridsize² channels when the object is merged (objectBig), else 1. */
export function generatorOf(spec: PtychoPINNSpec): GeneratorSpec {
  return { ...spec.generator, C: spec.objectBig ? spec.gridsize * spec.gridsize : 1 };
}

/** Every parameter of a spec's model (generator, then the forward-model scalars), in state_dict order. */
export function modelParameterShapes(spec: PtychoPINNSpec): [string, number[]][] {
  if (!spec.spectral) return parameterShapes(generatorOf(spec));
  return [
    ...spectralParameterShapes(spec.spectral),
    ...FORWARD_MODEL_PARAMETERS.map(([n, s]): [string, number[]] => [n, [...s]]),
  ];
}

function initialParameters(spec: PtychoPINNSpec, seed: number): Map<string, Float32Array> {
  if (!spec.spectral) return initParameters(generatorOf(spec), seed);
  const w = initSpectralParameters(spec.spectral, seed);
  for (const [n, s] of FORWARD_MODEL_PARAMETERS) w.set(n, new Float32Array(s[0]).fill(1));
  return w;
}

/** The merge canvas side M of a spec: N + (gridsize − 1)·4 (src/config/geometry.ts). */
export function canvasOf(spec: PtychoPINNSpec): number {
  return paddedCanvasSize(spec.generator.N, spec.gridsize);
}

export interface ResidentData {
  /** (G, C, N, N) normalised diffraction amplitude. */
  X: Float32Array;
  /** (G, C, 2) coords_relative [x, y]. */
  coordsRelative: Float32Array;
  /** (N, N) complex probeGuess (raw; the model divides by probe_scale). */
  probe: Float32Array;
  /** Physics scale S. */
  S: number;
  /** (G, C, N, N) complex ground-truth patches: required in supervised mode. */
  Y?: Float32Array;
  /** Largest GPU buffer per chunk of X (default: the device's binding limit); benchmarks force small limits. */
  maxChunkBytes?: number;
}

/**
 * A grouped dataset resident on the GPU: diffraction amplitudes, coords_relative, the effective probe and the
 * physics scale (plus ground-truth patches in supervised mode). A model trains on one set and may predict
 * another (the whole scan, for the live preview) without re-uploading either.
 */
export class ResidentSet {
  /** (G, C, N, N), split by groups to fit the storage-binding limit (one chunk unless the set is large). */
  readonly X: ChunkedRows;
  readonly coords: Tensor;
  readonly probe: Tensor;
  readonly S: number;
  readonly nGroups: number;
  readonly targetAmp: ChunkedRows | null = null;
  readonly targetPhase: ChunkedRows | null = null;
  private sCache = new Map<number, Tensor>();

  constructor(
    private readonly gpu: Gpu,
    spec: PtychoPINNSpec,
    d: ResidentData,
  ) {
    const { N, C } = generatorOf(spec);
    const G = d.X.length / (C * N * N);
    if (!Number.isInteger(G) || d.coordsRelative.length !== G * C * 2 || d.probe.length !== 2 * N * N) {
      throw new Error(
        `PtychoPINN.setData: X (${d.X.length}), coords (${d.coordsRelative.length}) and probe (${d.probe.length}) do not fit N=${N}, C=${C}`,
      );
    }
    this.X = new ChunkedRows(gpu, G, [C, N, N], d.X, { maxChunkBytes: d.maxChunkBytes });
    this.coords = gpu.keep(gpu.tensor([G, C, 2], 'f32', d.coordsRelative));
    const mask = spec.probeMask ? softProbeMask(N) : undefined;
    this.probe = gpu.keep(gpu.tensor([N, N], 'c64', effectiveProbe(d.probe, N, spec.probeScale, mask)));
    this.S = d.S;
    this.nGroups = G;
    if (spec.modelType === 'supervised' && d.Y && d.Y.length === 2 * G * C * N * N) {
      const amp = new Float32Array(G * C * N * N),
        ph = new Float32Array(G * C * N * N);
      for (let i = 0; i < amp.length; i++) {
        amp[i] = Math.hypot(d.Y[2 * i], d.Y[2 * i + 1]);
        ph[i] = Math.atan2(d.Y[2 * i + 1], d.Y[2 * i]);
      }
      this.targetAmp = new ChunkedRows(gpu, G, [C, N, N], amp, { maxChunkBytes: d.maxChunkBytes });
      this.targetPhase = new ChunkedRows(gpu, G, [C, N, N], ph, { maxChunkBytes: d.maxChunkBytes });
    }
  }

  /** S broadcast to a batch of b (cached per batch size). */
  scaleTensor(b: number): Tensor {
    let t = this.sCache.get(b);
    if (!t) {
      t = this.gpu.keep(this.gpu.tensor([b], 'f32', new Float32Array(b).fill(this.S)));
      this.sCache.set(b, t);
    }
    return t;
  }

  /** Bytes held on the GPU. */
  get byteLength(): number {
    return [this.X, this.coords, this.probe, this.targetAmp, this.targetPhase].reduce(
      (s, t) => s + (t?.byteLength ?? 0),
      0,
    );
  }

  dispose(): void {
    for (const t of [this.X, this.coords, this.probe, this.targetAmp, this.targetPhase]) t?.dispose();
    for (const t of this.sCache.values()) t.dispose();
    this.sCache.clear();
  }
}

export class PtychoPINN implements TrainableModel {
  readonly params = new Map<string, Tensor>();
  readonly parameters: Tensor[] = [];
  readonly parameterNames: string[] = [];
  /** Where `parameters` live (views of one buffer, in the same order). */
  readonly arena: TensorArena;
  /** The set `batchLoss` trains on (and `predictPatches` predicts by default). */
  private data: ResidentSet | null = null;

  private currentSpec: PtychoPINNSpec;

  constructor(
    private readonly gpu: Gpu,
    spec: PtychoPINNSpec,
    weights?: Map<string, Float32Array>,
    seed = 42,
  ) {
    this.currentSpec = spec;
    const init = weights ?? initialParameters(spec, seed);
    const shapes = modelParameterShapes(spec);
    // The forward-model scalars are registered by the reference but unused on the amplitude path,
    // except α, β with a trainable intensity scale.
    const trainable = ([name]: readonly [string, readonly number[]]) =>
      !name.startsWith('model.forward_model.') ||
      (spec.intensityScaleTrainable && (name === 'model.forward_model.alpha' || name === 'model.forward_model.beta'));
    // Trainable parameters live in one arena: the optimizer steps them all in one dispatch.
    const trained = shapes.filter(trainable);
    this.arena = new TensorArena(
      gpu,
      trained.map(([, shape]) => shape),
    );
    for (const [name, shape] of shapes) {
      const w = init.get(name);
      if (!w) throw new Error(`PtychoPINN: weights lack ${name}`);
      if (w.length !== shape.reduce((a, b) => a * b, 1))
        throw new Error(`PtychoPINN: ${name} has ${w.length} values, expected shape [${shape}]`);
      const slot = trained.findIndex(([n]) => n === name);
      const t = slot >= 0 ? this.arena.views[slot] : gpu.keep(gpu.tensor(shape, 'f32'));
      gpu.upload(t, w);
      t.name = name;
      this.params.set(name, t);
      if (slot >= 0) {
        t.requiresGrad = true;
        this.parameters.push(t);
        this.parameterNames.push(name);
      }
    }
  }

  get spec(): PtychoPINNSpec {
    return this.currentSpec;
  }

  /**
   * Change the settings that do not shape the parameters (loss, probe scale / mask, supervised mode). The resident
   * training data depend on them (effective probe, targets) and are dropped: call setData again.
   */
  respec(spec: PtychoPINNSpec): void {
    this.currentSpec = spec;
    this.disposeData();
  }

  get N(): number {
    return this.spec.generator.N;
  }

  get C(): number {
    return generatorOf(this.spec).C;
  }

  /** Groups in the training set. */
  get nGroups(): number {
    return this.data?.nGroups ?? 0;
  }

  /** Upload the grouped training dataset once; it stays on the GPU for all epochs. */
  /** The training set resident on the GPU (null before setData). */
  get resident(): ResidentSet | null {
    return this.data;
  }

  setData(d: ResidentData): void {
    const set = new ResidentSet(this.gpu, this.spec, d);
    this.disposeData();
    this.data = set;
  }

  /** Another dataset resident on the GPU (owned by the caller), e.g. every scan position for inference. */
  residentSet(d: ResidentData): ResidentSet {
    return new ResidentSet(this.gpu, this.spec, d);
  }

  /** Full forward for a batch: generator → object patches → physics. */
  forward(
    x: Tensor,
    coords: Tensor,
    set: ResidentSet | null = this.data,
  ): { pred: Tensor; amp: Tensor | null; phase: Tensor | null; object: Tensor; patches: Tensor } {
    const gpu = this.gpu;
    const { object, amp, phase } = this.generate(x);
    if (!set) throw new Error('PtychoPINN.forward: call setData first (the probe is part of the data)');
    const physics = forwardPhysics(gpu, object, coords, set.probe, {
      N: this.N,
      C: this.C,
      objectBig: this.spec.objectBig,
      M: canvasOf(this.spec),
    });
    const pred = this.spec.intensityScaleTrainable
      ? scaleShift(
          gpu,
          physics.pred,
          this.params.get('model.forward_model.alpha')!,
          this.params.get('model.forward_model.beta')!,
        )
      : physics.pred;
    return { pred, amp, phase, object, patches: physics.patches };
  }

  batchLoss(gpu: Gpu, idx: Tensor): Tensor {
    const d = this.data;
    if (!d) throw new Error('PtychoPINN.batchLoss: no data (call setData)');
    const x = gatherRows(gpu, d.X, idx);
    if (this.spec.modelType === 'supervised') {
      if (!d.targetAmp || !d.targetPhase) {
        throw new PtychoError(
          'contract',
          'supervised training needs ground-truth patches (objectGuess or Y) for every group',
          "add objectGuess (or Y) to the scan, or use model_type 'pinn'",
        );
      }
      // The reference's supervised loss: 2·L1(amplitude) + 4·L1(phase) against the true patches (no physics).
      const { amp, phase } = this.generate(x);
      if (!amp || !phase)
        throw new PtychoError(
          'config',
          'supervised training needs a generator that outputs amplitude and phase (real_imag gives complex patches)',
          "set model.generator_output_mode to 'amp_phase' or 'amp_phase_logits'",
        );
      const la = l1Loss(gpu, amp, gatherRows(gpu, d.targetAmp, idx));
      const lp = l1Loss(gpu, phase, gatherRows(gpu, d.targetPhase, idx));
      return add(gpu, scale(gpu, la, 2), scale(gpu, lp, 4));
    }
    const coords = gatherRows(gpu, d.coords, idx);
    const { pred, amp, phase } = this.forward(x, coords, d);
    let loss = ptychoLoss(gpu, pred, x, d.scaleTensor(idx.size), this.spec.lossMode);
    for (const [term, out, what] of [
      [this.spec.ampLoss, amp, 'amp_loss'],
      [this.spec.phaseLoss, phase, 'phase_loss'],
    ] as const) {
      if (!term || !(term.coeff > 0)) continue;
      if (!out)
        throw new PtychoError(
          'config',
          `${what} needs a generator that outputs amplitude and phase (real_imag gives complex patches)`,
          "set model.generator_output_mode to 'amp_phase' or 'amp_phase_logits'",
        );
      loss = add(gpu, loss, scale(gpu, regulariser(gpu, out, term.kind), term.coeff));
    }
    return loss;
  }

  /** Generator-only prediction (forward_predict): complex object patches (b, C, N, N) for the groups in idx of `set`. */
  predictPatches(idx: Tensor, set: ResidentSet | null = this.data): Tensor {
    const gpu = this.gpu;
    if (!set) throw new Error('PtychoPINN.predictPatches: no data (call setData)');
    const x = gatherRows(gpu, set.X, idx);
    return this.generate(x).object;
  }

  /**
   * The generator on normalised diffraction x: the complex object patches, and amplitude and phase when the
   * generator makes them (the CNN, amp_phase and amp_phase_logits; a real_imag head gives the complex patches only).
   */
  private generate(x: Tensor): { object: Tensor; amp: Tensor | null; phase: Tensor | null } {
    const gpu = this.gpu;
    if (this.spec.spectral) {
      const out = spectralGeneratorForward(gpu, this.params, this.spec.spectral, x);
      if ('object' in out) return { object: out.object, amp: null, phase: null };
      return { object: combineComplex(gpu, out.amp, out.phase), amp: out.amp, phase: out.phase };
    }
    const { amp, phase } = generatorForward(gpu, this.params, generatorOf(this.spec), x);
    return { object: combineComplex(gpu, amp, phase), amp, phase };
  }

  /** All parameters (state_dict order) read back to the CPU. */
  async stateDict(): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (const [k, t] of this.params) out.set(k, await this.gpu.read(t));
    return out;
  }

  loadWeights(w: Map<string, Float32Array>): void {
    for (const [k, t] of this.params) {
      const v = w.get(k);
      if (!v) throw new Error(`loadWeights: missing ${k}`);
      this.gpu.upload(t, v);
    }
  }

  private disposeData(): void {
    this.data?.dispose();
    this.data = null;
  }

  dispose(): void {
    this.disposeData();
    for (const t of this.params.values()) t.dispose();
    this.params.clear();
    this.arena.dispose();
  }
}
