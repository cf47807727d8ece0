/**
 * The PtychoPINN a config describes (src/model/ptychopinn.ts): the reference CNN generator, or one of the reference's
 * spectral generators (model.architecture ffno, fno, fno_vanilla: src/model/fnoGenerators.ts) with the fno_* fields.
 * neuralop_uno is refused: it is an external package (neuraloperator's UNO) at a locked N of 128.
 */
import type { TrainingConfig } from '../config/schema';
import { PtychoError } from '../errors';
import type { SpectralGeneratorSpec } from '../model/fnoGenerators';
import type { GeneratorSpec } from '../model/network';
import type { PtychoPINNSpec } from '../model/ptychopinn';

/** The CNN generator a config describes (channels C = gridsize² when object_big). */
export function generatorSpecOf(cfg: TrainingConfig): GeneratorSpec {
  const m = cfg.model;
  return {
    N: m.N,
    C: m.object_big ? m.gridsize * m.gridsize : 1,
    nFiltersScale: m.n_filters_scale,
    cbam: m.cbam_encoder,
    probeBig: m.probe_big,
    ampActivation: m.amp_activation,
    init: m.init_scheme,
  };
}

/** The spectral generator a config describes, or null for the CNN; settings it cannot build are refused by field. */
export function spectralSpecOf(cfg: TrainingConfig): SpectralGeneratorSpec | null {
  const m = cfg.model;
  if (m.architecture === 'cnn') return null;
  const refuse = (field: string, why: string, hint: string): never => {
    throw new PtychoError('config', why, hint, { field: `model.${field}` });
  };
  if (m.architecture === 'neuralop_uno')
    refuse(
      'architecture',
      "architecture 'neuralop_uno' is not available in PtychoPINN Web: it is the external neuraloperator package's UNO at a locked N of 128",
      "use 'cnn', 'ffno', 'fno' or 'fno_vanilla'",
    );
  if (m.learned_input_channels !== 1)
    refuse('learned_input_channels', 'learned_input_channels must be 1 (the reference builds 1)', 'set it to 1');
  return {
    architecture: m.architecture as SpectralGeneratorSpec['architecture'],
    N: m.N,
    C: m.object_big ? m.gridsize * m.gridsize : 1,
    width: m.fno_width,
    blocks: m.fno_blocks,
    modes: m.fno_modes,
    cnnBlocks: m.fno_cnn_blocks,
    inputTransform: m.fno_input_transform,
    outputMode: m.generator_output_mode,
  };
}

/** The PtychoPINN spec of a config. */
export function modelSpec(cfg: TrainingConfig): PtychoPINNSpec {
  const m = cfg.model;
  const spectral = spectralSpecOf(cfg);
  return {
    generator: generatorSpecOf(cfg),
    ...(spectral ? { spectral } : {}),
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
