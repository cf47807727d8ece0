/**
 * Scans in the engine (src/api/engine.ts): reading and checking a scan file, the options of a simulated scan, the
 * dataset panel's preview, and grouping a scan for training or for inference with the current config.
 */
import type { TrainingConfig } from '../config/schema';
import { PtychoError } from '../errors';
import { sha256Hex } from '../pipeline/archive/modelArchive';
import { groupScan, type GroupedData } from '../pipeline/container';
import { toRawData } from '../pipeline/contract';
import type { NdArray } from '../pipeline/ndarray';
import { readArrayFile } from '../pipeline/npz';
import type { RawData } from '../pipeline/rawData';
import type { SimulateOptions } from '../pipeline/simulate';
import { summarize } from '../pipeline/summary';
import type { LoadedDataset, SimulateRequest } from './engineTypes';
import { complexPreview, patternPreview } from './previews';
import type { DatasetPreview } from './types';

/** Parse and check a scan file; `check` may refuse its raw data before it is summarised. */
export async function readScan(
  bytes: Uint8Array,
  fileName: string,
  check?: (raw: RawData) => void,
): Promise<LoadedDataset> {
  const arrays = readArrayFile(bytes, { fileName });
  const raw = toRawData(arrays, { fileName });
  check?.(raw);
  const summary = summarize(arrays, raw, fileName);
  return { fileName, arrays, raw, summary, sha256: await sha256Hex(bytes), bytes };
}

/** A validation scan must have the training scan's pattern size. */
export function checkValidationScan(fileName: string, raw: RawData, training: LoadedDataset | null): void {
  if (training && raw.N !== training.raw.N) {
    throw new PtychoError(
      'contract',
      `${fileName}: validation patterns are ${raw.N}×${raw.N} but the training scan's are ${training.raw.N}×${training.raw.N}`,
      'use a test file from the same experiment',
    );
  }
}

/** The simulation options of a request (checked); `datasetProbe` gives the loaded scan's probe when asked for. */
export function simulateOptions(req: SimulateRequest, datasetProbe: () => NdArray): SimulateOptions {
  const opts: SimulateOptions = {
    object: req.object,
    probe: req.probe === 'dataset' ? datasetProbe() : 'default',
    positions: req.positions,
    N: req.probe === 'dataset' ? undefined : req.N,
    nImages: req.nImages,
    nphotons: req.nphotons,
    noise: req.noise,
    seed: req.seed,
    objectSize: req.objectSize,
    gridStep: req.gridStep,
  };
  if (req.nphotons !== undefined && !(req.nphotons > 0 && Number.isFinite(req.nphotons))) {
    throw new PtychoError(
      'config',
      `simulate: nphotons ${req.nphotons} must be a finite number > 0`,
      'e.g. 1e6 (noisier) … 1e9',
    );
  }
  if (req.nImages !== undefined && !(Number.isInteger(req.nImages) && req.nImages >= 2)) {
    throw new PtychoError('config', `simulate: ${req.nImages} scan positions`, 'use at least 2 positions');
  }
  return opts;
}

/** What the dataset panel draws: objectGuess, probe, the first pattern (display-sized) and the scan positions. */
export function datasetPreview({ raw, summary }: LoadedDataset): DatasetPreview {
  const obj = raw.objectGuess ? complexPreview(raw.objectGuess) : undefined;
  const probe = complexPreview(raw.probeGuess);
  return {
    summary,
    objectAmplitude: obj?.amplitude,
    objectPhase: obj?.phase,
    probeAmplitude: probe.amplitude,
    probePhase: probe.phase,
    pattern: patternPreview(raw.diffraction),
    scanX: Float32Array.from(raw.xcoords),
    scanY: Float32Array.from(raw.ycoords),
  };
}

/** The scan's groups with the config: `n_groups` sampled ones for training, every position in order for inference. */
export function groupWith(c: TrainingConfig, raw: RawData, forInference: boolean): GroupedData {
  return groupScan(raw, {
    gridsize: c.model.gridsize,
    K: c.neighbor_count,
    nGroups: forInference ? raw.nPatterns : (c.n_groups ?? 512),
    seed: c.seed,
    sequential: forInference || c.sequential_sampling,
    enableOversampling: !forInference && c.enable_oversampling,
    neighborPoolSize: c.neighbor_pool_size,
    nphotons: c.nphotons,
  });
}

/** The scan position of every pattern of every group, interleaved [x, y]. */
export function groupPositions(g: GroupedData, raw: RawData): Float64Array {
  const positions = new Float64Array(g.B * g.C * 2);
  for (let k = 0; k < g.B * g.C; k++) {
    positions[2 * k] = raw.xcoords[g.nnIndices[k]];
    positions[2 * k + 1] = raw.ycoords[g.nnIndices[k]];
  }
  return positions;
}
