/** The solver's inputs, options and outputs (src/solver/solver.ts). */
import type { ObjectImage } from './canvas';

/** A scan as the solver needs it (the raw contract's arrays, src/pipeline/rawData.ts). */
export interface SolverScan {
  N: number;
  /** (n, N, N) diffraction amplitudes, DC at the centre. */
  diffraction: Float32Array;
  /** (N, N) complex probe, interleaved. */
  probe: Float32Array;
  /** Scan positions in object pixels (x = column, y = row). */
  x: Float64Array;
  y: Float64Array;
}

export interface SolverOptions {
  iterations: number;
  /** Scan positions updated together (one GPU batch). */
  batchSize: number;
  /** 'amplitude' (Fourier-modulus projection) or 'poisson' (a maximum-likelihood step for counting noise). */
  loss: 'amplitude' | 'poisson';
  /** Object step (1 = the full rPIE step). */
  objectStep: number;
  /**
   * rPIE's α: the weight of max|P|² in the object update's denominator (and of max|O|² in the probe's); 1 is
   * ePIE's step, best on the quality benchmark's curved-probe and sparse-raster scans (specs/solver.md).
   */
  alpha: number;
  refineProbe: boolean;
  /** First iteration (1-based) that updates the probe. */
  probeStart: number;
  probeStep: number;
  refinePositions: boolean;
  /** First iteration (1-based) that updates positions. */
  positionStart: number;
  positionStep: number;
  /** Largest move of one position in one update, in pixels. */
  maxShift: number;
  /**
   * Momentum η over iterations (mPIE, Maiden, Johnson & Li 2017); 0 turns it off. 0.7 (their friction) took the
   * bundled example's phase r from 0.964 to 0.999 in 30 iterations (specs/solver.md).
   */
  momentum: number;
  seed: number;
}

export const SOLVER_DEFAULTS: SolverOptions = {
  iterations: 30,
  batchSize: 16,
  loss: 'amplitude',
  objectStep: 1,
  alpha: 1,
  refineProbe: false,
  probeStart: 1,
  probeStep: 1,
  refinePositions: false,
  positionStart: 2,
  positionStep: 1,
  maxShift: 0.5,
  momentum: 0.7,
  seed: 1,
};

export interface IterationEvent {
  /** 1-based. */
  iteration: number;
  iterations: number;
  /** Σ (|F| − m)² / Σ m² over every pattern, measured as each batch was updated. */
  error: number;
  seconds: number;
  patternsPerSecond: number;
  /** RMS of the positions' moves from where they started, in pixels (0 without position refinement). */
  positionRms: number;
}

export interface SolverResult {
  image: ObjectImage & { weights: Float32Array };
  /** (N, N) complex probe (refined or as given). */
  probe: Float32Array;
  /** Positions in object pixels (refined or as given). */
  x: Float64Array;
  y: Float64Array;
  history: IterationEvent[];
}
