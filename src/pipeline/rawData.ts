import type { NdArray } from './ndarray';

/**
 * The canonical scan after the data contract (`contract.ts`) has checked and normalised a file
 * (specs/architecture.md §1, specs/data_contract.md). Every array is C-order; complex arrays interleaved (re, im) float32.
 */
export interface RawData {
  /** Where it came from (file name), for messages. */
  source: string;
  /** Number of scan positions / diffraction patterns (M). */
  nPatterns: number;
  /** Pattern side (N): patterns are N×N and the probe is N×N. */
  N: number;
  /** Scan positions in object pixels, x = column, y = row. Shape (M,). */
  xcoords: Float64Array;
  ycoords: Float64Array;
  /** Nominal ("start") positions; equal to xcoords/ycoords when the file has none. */
  xcoordsStart: Float64Array;
  ycoordsStart: Float64Array;
  /** (M, N, N) float32 diffraction **amplitude** (sqrt of counts), DC at the centre as stored. */
  diffraction: NdArray;
  /** (N, N) complex64 probe. */
  probeGuess: NdArray;
  /** (H, W) complex64 object, when present (ground truth for simulations, or a prior reconstruction). */
  objectGuess?: NdArray;
  /** (M,) scan index; zeros when absent. */
  scanIndex: Int32Array;
  /** (M, N, N) complex64 ground-truth patches, when present and of length M. */
  Y?: NdArray;
  /** Parsed `_metadata` JSON, when present. */
  metadata?: Record<string, unknown>;
  /** nphotons from `_metadata.physics_parameters.nphotons`, when present. */
  nphotons?: number;
  /** What the file held: amplitudes, or photon counts converted to amplitudes. */
  verdict: 'amplitude' | 'intensity';
  /** Things the contract changed or suspects (intensity → amplitude, transposed layout, downcasts …). */
  warnings: string[];
}
