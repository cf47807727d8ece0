/**
 * Test fixtures (tests only; Node only): golden arrays that scripts/extract_golden.py copied from the reference's
 * fixtures into tests/fixtures/golden/<set>/ (raw little-endian + index.json), the small simulated scans and model
 * the engine, reconstructor and CLI tests train on.
 */
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simulateDataset } from '../pipeline/simulate';
import type { SpectralArchitecture, SpectralGeneratorSpec } from '../model/fnoGenerators';

export interface GoldenArray {
  dtype: 'f32' | 'c64' | 'i32' | 'u8';
  shape: number[];
  data: Float32Array | Int32Array | Uint8Array;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'tests', 'fixtures', 'golden');

export function loadGolden(set: string): Record<string, GoldenArray> {
  const dir = join(root, set);
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as Record<
    string,
    { dtype: GoldenArray['dtype']; shape: number[]; file: string }
  >;
  const out: Record<string, GoldenArray> = {};
  for (const [key, e] of Object.entries(index)) {
    const b = readFileSync(join(dir, e.file));
    const ab = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
    const data = e.dtype === 'i32' ? new Int32Array(ab) : e.dtype === 'u8' ? new Uint8Array(ab) : new Float32Array(ab);
    out[key] = { dtype: e.dtype, shape: e.shape, data };
  }
  return out;
}

export function golden(set: string): (key: string) => GoldenArray {
  const all = loadGolden(set);
  return (key) => {
    const a = all[key];
    if (!a) throw new Error(`golden ${set}: no key ${key} (have: ${Object.keys(all).join(', ')})`);
    return a;
  };
}

/** A simulated 'lines' scan at N 32 (default probe, random positions, 1e6 photons): the GPU tests' small scans. */
export function linesScan(o: { nImages: number; objectSize: number; seed: number }) {
  return simulateDataset({ object: 'lines', probe: 'default', positions: 'random', N: 32, nphotons: 1e6, ...o });
}

/** The members of a scan NPZ as Ptychodus's `export_training_data` writes them, sorted (specs/data_contract.md). */
export const SCAN_NPZ_KEYS = [
  'diff3d',
  'objectGuess',
  'probeGuess',
  'scan_index',
  'xcoords',
  'xcoords_start',
  'ycoords',
  'ycoords_start',
];

/** The CI-size model (N 32, n_filters_scale 0.25, no CBAM) the GPU tests train. */
export const CI_MODEL = { N: 32, n_filters_scale: 0.25, cbam_encoder: false } as const;

/**
 * The spectral generator of the golden sets model_{ffno,fno,fno_vanilla,ffno_logits} (made by
 * tests/fixtures/golden/make_spectral_models.py): N 64, gridsize 2 (C 4), width 8, 2 blocks, 6 modes, 1 refiner.
 */
export function goldenSpectralSpec(
  architecture: SpectralArchitecture,
  inputTransform: SpectralGeneratorSpec['inputTransform'] = 'none',
  outputMode: SpectralGeneratorSpec['outputMode'] = 'real_imag',
): SpectralGeneratorSpec {
  return { architecture, N: 64, C: 4, width: 8, blocks: 2, modes: 6, cnnBlocks: 1, inputTransform, outputMode };
}
