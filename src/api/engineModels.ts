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
import { buildModelArchive, type OpenedModel } from './modelFiles';
import type { ModelInfo } from './types';
import { generatorLabel } from '../config/generatorLabel';

export { modelSpec } from './modelSpec';

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
    !!a.intensityScaleTrainable === !!b.intensityScaleTrainable &&
    JSON.stringify(a.spectral ?? null) === JSON.stringify(b.spectral ?? null)
  );
}

/** What the UI and the CLI show of a model: where it came from, its size and its parameter count. */
export function modelInfoOf(
  cfg: TrainingConfig,
  model: PtychoPINN,
  info: Omit<ModelInfo, 'parameters' | 'N' | 'gridsize' | 'nFiltersScale' | 'generator'>,
): ModelInfo {
  return {
    ...info,
    N: cfg.model.N,
    gridsize: cfg.model.gridsize,
    nFiltersScale: cfg.model.n_filters_scale,
    generator: generatorLabel(cfg),
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
