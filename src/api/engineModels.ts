/**
 * Models in the engine (src/api/engine.ts): the PtychoPINN spec a config describes, whether two specs share their
 * parameters, what ModelInfo says of a model, and the model-file checks and archive of open / save
 * (src/api/modelFiles.ts, specs/model_archive.md).
 */
import type { TrainingConfig } from '../config/schema';
import { PtychoError } from '../errors';
import type { EpochEvent } from '../model/train';
import type { PtychoPINN, PtychoPINNSpec } from '../model/ptychopinn';
import type { LoadedDataset } from './engineTypes';
import { buildModelArchive, generatorSpecOf, type OpenedModel } from './modelFiles';
import type { ModelInfo } from './types';

/** The PtychoPINN spec of a config (the reference CNN generator; other architectures are refused). */
export function modelSpec(cfg: TrainingConfig): PtychoPINNSpec {
  const m = cfg.model;
  if (m.architecture !== 'cnn')
    throw new PtychoError(
      'config',
      `architecture '${m.architecture}' is not available in PtychoPINN Web: the engine provides the reference CNN generator only`,
      "set model.architecture to 'cnn'",
    );
  const generator = generatorSpecOf(cfg);
  return {
    generator,
    gridsize: m.gridsize,
    objectBig: m.object_big,
    probeScale: m.probe_scale,
    probeMask: m.probe_mask,
    lossMode: cfg.torch_loss_mode,
    modelType: m.model_type,
    ampLoss: m.amp_loss ? { kind: m.amp_loss, coeff: m.amp_loss_coeff } : null,
    phaseLoss: m.phase_loss ? { kind: m.phase_loss, coeff: m.phase_loss_coeff } : null,
    intensityScaleTrainable: m.torch_intensity_scale_trainable,
  };
}

/** Two specs build the same parameters and the same physics (so trained weights stay valid). */
export function sameModelShape(a: PtychoPINNSpec, b: PtychoPINNSpec): boolean {
  const ga = a.generator,
    gb = b.generator;
  return (
    ga.N === gb.N &&
    ga.nFiltersScale === gb.nFiltersScale &&
    ga.cbam === gb.cbam &&
    ga.probeBig === gb.probeBig &&
    ga.ampActivation === gb.ampActivation &&
    a.gridsize === b.gridsize &&
    a.objectBig === b.objectBig &&
    !!a.intensityScaleTrainable === !!b.intensityScaleTrainable
  );
}

/** What the UI and the CLI show of a model: where it came from, its size and its parameter count. */
export function modelInfoOf(
  cfg: TrainingConfig,
  model: PtychoPINN,
  info: Omit<ModelInfo, 'parameters' | 'N' | 'gridsize' | 'nFiltersScale'>,
): ModelInfo {
  return {
    ...info,
    N: cfg.model.N,
    gridsize: cfg.model.gridsize,
    nFiltersScale: cfg.model.n_filters_scale,
    parameters: model.parameters.reduce((s, p) => s + p.size, 0),
  };
}

/** An opened model must expect the loaded scan's pattern size (any model fits when no scan is loaded). */
export function checkModelFitsScan(m: OpenedModel, fileName: string, ds: LoadedDataset | null): void {
  if (ds && m.config.model.N !== ds.raw.N) {
    throw new PtychoError(
      'model-archive',
      `${fileName}: the model expects ${m.config.model.N}×${m.config.model.N} patterns but the loaded scan ${ds.fileName} has ${ds.raw.N}×${ds.raw.N}`,
      `open a model trained on ${ds.raw.N}×${ds.raw.N} patterns, or load a scan with ${m.config.model.N}×${m.config.model.N} patterns first`,
    );
  }
}

/** The model's current weights, config, history and physics scale as our native archive. */
export async function modelArchive(
  model: PtychoPINN,
  s: { config: TrainingConfig; history: EpochEvent[]; physicsScale: number; datasetSha256: string | null },
): Promise<Uint8Array> {
  const weights = await model.stateDict();
  return buildModelArchive({
    config: s.config,
    weights: new Map([...weights].map(([k, v]) => [k, { shape: model.params.get(k)!.shape.slice(), data: v }])),
    history: s.history,
    physicsScale: s.physicsScale,
    datasetSha256: s.datasetSha256,
  });
}
