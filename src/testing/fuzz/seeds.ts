/**
 * The well-formed inputs the reader fuzzer mutates, built in memory (no file reads): an NPZ (stored and deflated),
 * NPY arrays (C and Fortran order), pickled manifest and params, a torch state dict, a torch bundle and this app's
 * model archive.
 */
import { buildModelArchive } from '../../api/modelFiles';
import { makeTrainingConfig } from '../../config/schema';
import { initParameters } from '../../model/init';
import { parameterShapes } from '../../model/network';
import { pickle, PyFloat } from '../../pipeline/archive/pickleWriter';
import { writeTorchBundle, writeTorchStateDict } from '../../pipeline/archive/torchBundleWriter';
import type { NdArray } from '../../pipeline/ndarray';
import { npyHeader, writeNpy } from '../../pipeline/npy';
import { writeNpz } from '../../pipeline/npz';
import { concat } from './mutate';

export interface Seeds {
  npz: Uint8Array;
  npzDeflate: Uint8Array;
  npy: Uint8Array;
  npyFortran: Uint8Array;
  manifestDill: Uint8Array;
  paramsDill: Uint8Array;
  modelPth: Uint8Array;
  bundle: Uint8Array;
  archive: Uint8Array;
}

const ARCHIVE_CFG = { model: { N: 32 as const, gridsize: 1, n_filters_scale: 0.25 } };

function seedArrays(): Record<string, NdArray> {
  return {
    diff3d: { dtype: 'f32', shape: [2, 4, 4], data: Float32Array.from({ length: 32 }, (_, i) => Math.sqrt(i)) },
    probeGuess: { dtype: 'c64', shape: [2, 2], data: Float32Array.from([1, 0, 0, 1, -1, 0, 0, -1]) },
    xcoords: { dtype: 'f64', shape: [2], data: Float64Array.from([1.5, 2.5]) },
    scan_index: { dtype: 'i64', shape: [2], data: Float64Array.from([0, 1]) },
    mask: { dtype: 'bool', shape: [3], data: Uint8Array.from([1, 0, 1]) },
    meta: { dtype: 'str', shape: [], data: new Uint8Array(0), text: '{"k": "v"}' },
  };
}

export function makeSeeds(): Seeds {
  const arrays = seedArrays();
  const npyFortran = (() => {
    const body = new Uint8Array(6 * 4);
    new Float32Array(body.buffer).set([1, 2, 3, 4, 5, 6]);
    return concat(npyHeader('<f4', [2, 3], true), body);
  })();
  const cfg = makeTrainingConfig(ARCHIVE_CFG);
  const spec = {
    N: 32,
    C: 1,
    nFiltersScale: 0.25,
    cbam: cfg.model.cbam_encoder,
    probeBig: cfg.model.probe_big,
    ampActivation: cfg.model.amp_activation,
  };
  const init = initParameters(spec, 1);
  const weights = new Map(parameterShapes(spec).map(([k, shape]) => [k, { shape, data: init.get(k)! }]));
  const stateDict = new Map([
    [
      'model.autoencoder.encoder.blocks.0.conv1.weight',
      { shape: [2, 1, 3, 3], data: Float32Array.from({ length: 18 }, (_, i) => i / 18) },
    ],
    ['model.autoencoder.encoder.blocks.0.conv1.bias', { shape: [2], data: Float32Array.from([0.5, -0.5]) }],
  ]);
  const params = {
    N: 64,
    gridsize: 1,
    n_filters_scale: 2,
    nphotons: new PyFloat(1e9),
    intensity_scale: new PyFloat(1234.5),
    'object.big': true,
    amp_activation: 'sigmoid',
  };
  return {
    npz: writeNpz(arrays),
    npzDeflate: writeNpz(arrays, { compress: true }),
    npy: writeNpy(arrays.diff3d),
    npyFortran,
    manifestDill: pickle({ models: ['diffraction_to_obj', 'autoencoder'], version: '2.0-pytorch' }),
    paramsDill: pickle(params),
    modelPth: writeTorchStateDict(stateDict),
    bundle: writeTorchBundle({
      stateDict,
      params,
      scalingMetadata: { nphotons: new PyFloat(1e9), cfg: { N: 64, nested: [1, 2, [3, 4]] } },
    }),
    archive: buildModelArchive({
      config: cfg,
      weights,
      history: [
        { epoch: 0, trainLoss: 1.5, valLoss: null, learningRate: 1e-3, seconds: 0, patternsPerSecond: 0 },
      ] as never,
      physicsScale: 100,
      datasetSha256: null,
    }),
  };
}
