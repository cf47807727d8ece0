/**
 * The Ptychodus reconstructor contract in TypeScript (ptychodus/api/reconstructor.py; specs/reconstructor_api.md):
 * getName, getProgressGoal, reconstruct(input) as an async iterator of progress and the final product,
 * train(data) → training / validation losses, openModel, saveModel, exportTrainingData, file filters.
 * The UI and the CLI reach the engine only through Engine and this class.
 */
import { PtychoError } from '../errors';
import { fromRawData } from '../pipeline/contract';
import type { NdArray } from '../pipeline/ndarray';
import { writeNpz } from '../pipeline/npz';
import { Engine, metricsSummary, type ReconstructionProduct } from './engine';

export interface ReconstructInput {
  /** (n, N, N) diffraction amplitudes (Ptychodus passes the patterns unchanged as diff3d). */
  diffractionPatterns: NdArray;
  /** Scan positions in object pixels (x = column, y = row). */
  positionsX: Float64Array;
  positionsY: Float64Array;
  /** (N, N) complex probe (first incoherent mode). */
  probe: NdArray;
  /** (H, W) complex object guess: sets the frame and, when it is a ground truth, the metrics. */
  object?: NdArray;
}

export interface ReconstructOutput {
  /** Groups predicted so far (of getProgressGoal()). */
  progress: number;
  /** Present on the last item: the stitched object, weights, origin and metrics. */
  product?: ReconstructionProduct;
}

export interface TrainOutput {
  trainingLoss: number[];
  validationLoss: number[];
  /** 0 success, 1 stopped early / by the user, 2 failed (last good weights kept). */
  result: number;
}

export const MODEL_FILE_FILTER = 'Zipped Archive (*.zip)';
export const TRAINING_DATA_FILE_FILTER = 'NumPy Zipped Archive (*.npz)';

export class PtychoPINNReconstructor {
  private goal = 0;

  constructor(
    readonly engine: Engine,
    private readonly name: 'PINN' = 'PINN',
  ) {}

  getName(): string {
    return this.name;
  }

  /** Number of groups the next reconstruct() predicts (= scan positions; 0 before any data). */
  getProgressGoal(): number {
    return this.goal;
  }

  getModelFileFilter(): string {
    return MODEL_FILE_FILTER;
  }

  getTrainingDataFileFilter(): string {
    return TRAINING_DATA_FILE_FILTER;
  }

  /** The scan in the raw NPZ contract, as Ptychodus' export_training_data writes it. */
  exportTrainingData(input: ReconstructInput): Uint8Array {
    const n = input.positionsX.length;
    const [M] = input.diffractionPatterns.shape;
    if (M !== n || input.positionsY.length !== n) {
      throw new PtychoError(
        'contract',
        `exportTrainingData: ${M} patterns but ${n}/${input.positionsY.length} positions`,
        'give one position per pattern',
      );
    }
    const arrays: Record<string, NdArray> = {
      xcoords: { dtype: 'f64', shape: [n], data: input.positionsX },
      ycoords: { dtype: 'f64', shape: [n], data: input.positionsY },
      xcoords_start: { dtype: 'f64', shape: [n], data: Float64Array.from(input.positionsX) },
      ycoords_start: { dtype: 'f64', shape: [n], data: Float64Array.from(input.positionsY) },
      diff3d: input.diffractionPatterns,
      probeGuess: input.probe,
      scan_index: { dtype: 'i64', shape: [n], data: new Float64Array(n) },
    };
    if (input.object) arrays.objectGuess = input.object;
    return writeNpz(arrays);
  }

  async *reconstruct(input: ReconstructInput): AsyncGenerator<ReconstructOutput> {
    await this.engine.loadDataset(this.exportTrainingData(input), 'ptychodus-input.npz');
    this.goal = input.positionsX.length;
    const queue: ReconstructOutput[] = [];
    let wake: (() => void) | null = null;
    let done = false;
    let failure: unknown = null;
    let product: ReconstructionProduct | undefined;
    this.engine
      .reconstruct({ onProgress: (d) => (queue.push({ progress: d }), wake?.()) })
      .then((p) => (product = p))
      .catch((e) => (failure = e))
      .finally(() => ((done = true), wake?.()));
    for (;;) {
      while (queue.length) yield queue.shift()!;
      if (done) break;
      await new Promise<void>((r) => (wake = r));
      wake = null;
    }
    if (failure) throw failure;
    yield { progress: this.goal, product };
  }

  /**
   * Train on a scan (raw contract NPZ bytes), as Ptychodus' train(data_path) with train_data.npz / test_data.npz:
   * validation on `testData` when given, else on the configured held-out fraction of the groups.
   */
  async train(trainData: Uint8Array, fileName = 'train_data.npz', testData?: Uint8Array): Promise<TrainOutput> {
    await this.engine.loadDataset(trainData, fileName);
    await this.engine.loadValidationDataset(testData ?? null);
    const r = await this.engine.train();
    return {
      trainingLoss: r.epochs.map((e) => e.trainLoss),
      validationLoss: r.epochs.filter((e) => e.valLoss !== null).map((e) => e.valLoss as number),
      result: r.status === 'completed' ? 0 : r.status === 'failed' ? 2 : 1,
    };
  }

  openModel(bytes: Uint8Array, fileName: string): void {
    this.engine.openModel(bytes, fileName);
  }

  saveModel(): Promise<Uint8Array> {
    return this.engine.saveModel();
  }
}

/** Data from a loaded RawData-like NPZ record, for tests and the worker. */
export { fromRawData, metricsSummary };
