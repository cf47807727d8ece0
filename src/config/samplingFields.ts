/**
 * Config field table rows that TrainingConfig and InferenceConfig share (grouping / sampling, test data, backend):
 * written once here, placed in both tables by src/config/trainingFields.ts and src/config/fieldTable.ts.
 */
import { BACKENDS, type FieldRow } from './fieldRow.ts';

export const TEST_DATA_FILE = {
  name: 'test_data_file',
  kind: 'path',
  nullable: true,
  default: null,
  torch: ['training.test_data_file'],
  fromTorch: { fixed: null },
  legacy: 'test_data_file_path',
  help: 'Path of the test NPZ (null = none).',
} as const satisfies FieldRow;

/** n_groups … neighbor_pool_size, in the reference's order. */
export const SAMPLING_ROWS = [
  {
    name: 'n_groups',
    kind: 'int',
    min: 1,
    nullable: true,
    default: null,
    torch: ['training.n_groups'],
    fromTorch: { fixed: null },
    help: 'Groups drawn from the scan for training (capped at the number of scan points unless oversampling).',
    ui: { group: 'Training', order: 4, input: 'int' },
  },
  {
    name: 'n_images',
    kind: 'int',
    min: 1,
    nullable: true,
    default: null,
    help: 'Deprecated alias of n_groups: fills n_groups when that is unset.',
  },
  {
    name: 'n_subsample',
    kind: 'int',
    min: 1,
    nullable: true,
    default: null,
    fromTorch: { fixed: null },
    help: 'Scan points subsampled before grouping (null = all).',
  },
  {
    name: 'subsample_seed',
    kind: 'int',
    min: 0,
    nullable: true,
    default: null,
    torch: ['data.subsample_seed'],
    fromTorch: { fixed: null },
    help: 'Seed of the subsampling (null = unseeded).',
  },
  {
    name: 'neighbor_count',
    kind: 'int',
    min: 1,
    default: 4,
    torch: ['data.K'],
    help: 'Nearest neighbours a group is drawn from (gridsize > 1).',
    ui: { group: 'Training', order: 8, label: 'neighbor_count (K)', advanced: true },
  },
  {
    name: 'enable_oversampling',
    kind: 'bool',
    default: false,
    help: 'Allow more groups than scan points (gridsize > 1).',
    ui: { group: 'Training', order: 9, advanced: true },
  },
  {
    name: 'neighbor_pool_size',
    kind: 'int',
    min: 1,
    nullable: true,
    default: null,
    help: 'Neighbour pool for oversampling (empty = K).',
    ui: { group: 'Training', order: 10, advanced: true },
  },
] as const satisfies readonly FieldRow[];

export const BACKEND = {
  name: 'backend',
  kind: 'choice',
  choices: BACKENDS,
  default: 'tensorflow',
  fromTorch: { fixed: 'pytorch' },
  help: 'The reference backend the config is meant for.',
} as const satisfies FieldRow;
