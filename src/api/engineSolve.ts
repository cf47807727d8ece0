/**
 * The iterative solver through the engine (src/api/engine.ts, specs/solver.md): the loaded scan handed to
 * src/solver/solver.ts, the network's stitched object as the start of a refinement, and the solver's result as a
 * reconstruction product (what the result view shows and the exports write).
 */
import { PtychoError } from '../errors';
import type { ReconstructionImage } from '../model/infer';
import { SOLVER_DEFAULTS, type IterationEvent, type SolverOptions, type SolverResult } from '../solver/solver';
import type { SolverScan } from '../solver/solver';
import { metricsAgainstTruth } from './engineResults';
import type { LoadedDataset, ReconstructionProduct } from './engineTypes';
import type { LivePreview } from './types';

/** What a solve asks for: solver options, and where the object starts. */
export interface SolveRequest extends Partial<SolverOptions> {
  /** 'flat' (a uniform object) or 'model' (the current model's stitched object: refine after PtychoPINN). */
  init?: 'flat' | 'model';
}

export interface SolveEvents {
  onIteration?: (e: IterationEvent) => void;
  /** The object, display-sized, after some iterations (at most every `previewMinIntervalS`). */
  onPreview?: (p: LivePreview & { iteration: number }) => void;
  previewMaxSide?: number;
  previewMinIntervalS?: number;
}

/** What the product records of a solve beyond the object: the refined probe and positions, the error history. */
export interface SolverOutcome {
  init: 'flat' | 'model';
  iterations: number;
  seconds: number;
  options: SolverOptions;
  /** (N, N) complex probe after the solve (the scan's when not refined). */
  probe: Float32Array;
  N: number;
  /** Positions after the solve, in object pixels. */
  x: Float64Array;
  y: Float64Array;
  /** RMS distance the positions moved from the scan's, in pixels (0 without refinement). */
  positionRms: number;
  history: IterationEvent[];
}

/** The loaded scan in the solver's terms. */
export function solverScan(ds: LoadedDataset): SolverScan {
  const raw = ds.raw;
  return {
    N: raw.N,
    diffraction: raw.diffraction.data as Float32Array,
    probe: raw.probeGuess.data as Float32Array,
    x: raw.xcoords,
    y: raw.ycoords,
  };
}

/** The solver's options from a request (defaults for what it leaves out), checked. */
export function solverOptions(req: SolveRequest): SolverOptions {
  const o: SolverOptions = { ...SOLVER_DEFAULTS };
  for (const k of Object.keys(SOLVER_DEFAULTS) as (keyof SolverOptions)[])
    if (req[k] !== undefined) (o as unknown as Record<string, unknown>)[k] = req[k];
  const bad = (field: string, why: string, hint: string) => {
    throw new PtychoError('config', `solver ${field}: ${why}`, hint, { field });
  };
  if (!(Number.isInteger(o.iterations) && o.iterations >= 1 && o.iterations <= 100000))
    bad('iterations', `${o.iterations} is not a whole number in 1…100000`, 'e.g. 30');
  if (!(Number.isInteger(o.batchSize) && o.batchSize >= 1))
    bad('batchSize', `${o.batchSize} is not ≥ 1`, `e.g. ${SOLVER_DEFAULTS.batchSize}`);
  if (o.loss !== 'amplitude' && o.loss !== 'poisson')
    bad('loss', `'${String(o.loss)}'`, "use 'amplitude' or 'poisson'");
  for (const k of ['objectStep', 'probeStep', 'positionStep', 'maxShift'] as const)
    if (!(o[k] > 0 && o[k] <= 10)) bad(k, `${o[k]} is not in (0, 10]`, `e.g. ${SOLVER_DEFAULTS[k]}`);
  if (!(o.alpha >= 0 && o.alpha <= 1)) bad('alpha', `${o.alpha} is not in [0, 1]`, 'e.g. 1 (ePIE) or 0.1 (rPIE)');
  return o;
}

/** The solver's result as a reconstruction product (metrics against objectGuess when the scan has one). */
export function solverProduct(
  ds: LoadedDataset,
  r: SolverResult,
  outcome: Omit<SolverOutcome, 'probe' | 'x' | 'y' | 'history' | 'positionRms' | 'N'>,
): ReconstructionProduct {
  const image: ReconstructionImage = { ...r.image, patches: ds.raw.nPatterns };
  const last = r.history[r.history.length - 1];
  return {
    image,
    metrics: metricsAgainstTruth(image, ds.raw),
    stitch: 'solver',
    solver: {
      ...outcome,
      probe: r.probe,
      N: ds.raw.N,
      x: r.x,
      y: r.y,
      positionRms: last?.positionRms ?? 0,
      history: r.history,
    },
  };
}
