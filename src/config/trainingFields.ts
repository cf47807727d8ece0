/**
 * The TrainingConfig rows of the config field table (src/config/fieldTable.ts): the reference's
 * `ptycho/config/config.py` TrainingConfig fields with their defaults, in its order, then our extensions
 * (specs/config.md §1). `model` is not a row: it nests the ModelConfig (src/config/modelFields.ts).
 */
import { type FieldRow } from './fieldRow.ts';
import { OPTIM_ROWS } from './optimFields.ts';
import { BACKEND, SAMPLING_ROWS, TEST_DATA_FILE } from './samplingFields.ts';

const zero = { fixed: 0.0 } as const;

const DATA_AND_LOSS_ROWS = [
  {
    name: 'train_data_file',
    kind: 'path',
    nullable: true,
    default: null,
    torch: ['training.train_data_file'],
    fromTorch: { fixed: null },
    legacy: 'train_data_file_path',
    help: 'Path of the training NPZ (null: the app gets data by drop).',
  },
  TEST_DATA_FILE,
  {
    name: 'batch_size',
    kind: 'int',
    min: 1,
    powerOfTwo: true,
    allowed: 'a positive power of two (1, 2, 4, 8, 16, …)',
    default: 16,
    torch: ['training.batch_size'],
    help: 'Groups per Adam step (a power of two).',
    ui: { group: 'Training', order: 2, input: 'select', options: [1, 2, 4, 8, 16, 32, 64, 128] },
  },
  {
    name: 'nepochs',
    kind: 'int',
    min: 1,
    default: 50,
    torch: ['training.epochs'],
    help: 'Passes over the training groups.',
    ui: { group: 'Training', order: 1 },
  },
  {
    name: 'mae_weight',
    kind: 'number',
    min: 0,
    max: 1,
    default: 0.0,
    fromTorch: zero,
    help: 'Weight of the MAE loss.',
  },
  {
    name: 'nll_weight',
    kind: 'number',
    min: 0,
    max: 1,
    default: 1.0,
    torch: ['training.nll'],
    help: 'Weight of the Poisson NLL loss.',
  },
  {
    name: 'realspace_mae_weight',
    kind: 'number',
    min: 0,
    default: 0.0,
    fromTorch: zero,
    help: 'Weight of the real-space MAE.',
  },
  { name: 'realspace_weight', kind: 'number', min: 0, default: 0.0, fromTorch: zero, help: 'Real-space loss weight.' },
  {
    name: 'nphotons',
    kind: 'number',
    min: 0,
    minOpen: true,
    default: 1e9,
    torch: ['data.nphotons'],
    help: "Expected photons per pattern: sets the Poisson loss scale. Taken from the scan's metadata unless you set it.",
    ui: { group: 'Training', order: 5 },
  },
  ...SAMPLING_ROWS,
  {
    name: 'positions_provided',
    kind: 'bool',
    default: true,
    fromTorch: { fixed: true },
    legacy: 'positions.provided',
    help: 'Scan positions are given.',
  },
  {
    name: 'probe_trainable',
    kind: 'bool',
    default: false,
    fromTorch: { fixed: false },
    legacy: 'probe.trainable',
    help: 'Train the probe (unused by the PyTorch backend).',
  },
  {
    name: 'intensity_scale_trainable',
    kind: 'bool',
    default: true,
    torchReadOnly: 'model.intensity_scale_trainable',
    legacy: 'intensity_scale.trainable',
    help: "Train the TF backend's log intensity scale (unused by the PyTorch backend and by this app; its PyTorch namesake is model.torch_intensity_scale_trainable).",
  },
  {
    name: 'output_dir',
    kind: 'path',
    default: 'training_outputs',
    torch: ['training.output_dir'],
    fromTorch: { fixed: 'training_outputs' },
    legacy: 'output_prefix',
    help: 'Where the reference writes its outputs.',
  },
  {
    name: 'sequential_sampling',
    kind: 'bool',
    default: false,
    fromTorch: { fixed: false },
    help: 'Take groups in scan order instead of at random.',
    ui: { group: 'Training', order: 11, advanced: true },
  },
  BACKEND,
] as const satisfies readonly FieldRow[];

export const TRAINING_TABLE = [...DATA_AND_LOSS_ROWS, ...OPTIM_ROWS] as const satisfies readonly FieldRow[];
