/**
 * The fuzz classes: each draws one case (input bytes and the reader they go to) from the seeds — byte flips and
 * truncations of every file, .npy header edits, zip-structure edits, pickle edits, torch .pth and bundle edits, and
 * model-archive edits.
 */
import { unzipSync, zipSync } from 'fflate';
import { writeNpy } from '../../pipeline/npy';
import type { ReaderName } from './harness';
import { archiveEdit, bundleEdit } from './modelEdit';
import { byteFlips, truncate, type FuzzRng } from './mutate';
import { npyEdit } from './npyEdit';
import { pickleEdit } from './pickleEdit';
import type { Seeds } from './seeds';
import { buildZip, membersOf, zipEdit } from './zipEdit';

export interface FuzzClass {
  name: string;
  /** One case: the input and the reader it goes to. */
  make: (seeds: Seeds, r: FuzzRng) => { input: Uint8Array; reader: ReaderName };
}

const ALL_FILES = (s: Seeds): [Uint8Array, ReaderName[]][] => [
  [s.npz, ['readArrayFile', 'listNpz']],
  [s.npzDeflate, ['readArrayFile', 'listNpz']],
  [s.npy, ['readArrayFile', 'listNpz']],
  [s.manifestDill, ['readPickledDict']],
  [s.paramsDill, ['readPickledDict']],
  [s.modelPth, ['readTorchStateDict']],
  [s.bundle, ['readTorchBundle', 'readModelFile', 'fileKind']],
  [s.archive, ['readModelArchive', 'readModelFile', 'fileKind']],
];

export const CLASSES: FuzzClass[] = [
  {
    name: 'byte-flip',
    make: (s, r) => {
      const [b, rs] = r.pick(ALL_FILES(s));
      return { input: byteFlips(b, r), reader: r.pick(rs) };
    },
  },
  {
    name: 'truncate',
    make: (s, r) => {
      const [b, rs] = r.pick(ALL_FILES(s));
      return { input: truncate(b, r), reader: r.pick(rs) };
    },
  },
  {
    name: 'npy-header',
    make: (s, r) => {
      const npy = npyEdit(r.chance(0.2) ? s.npyFortran : s.npy, r);
      if (r.chance(0.4)) return { input: npy, reader: r.pick(['readArrayFile', 'listNpz'] as const) };
      // The edited array as an NPZ member (sizes and CRC right, so the edit reaches the NPY parser).
      return {
        input: buildZip([
          { name: 'diff3d.npy', data: npy, deflate: r.chance(0.5) },
          { name: 'xcoords.npy', data: writeNpy({ dtype: 'f64', shape: [1], data: Float64Array.from([1]) }) },
        ]).bytes,
        reader: r.pick(['readArrayFile', 'listNpz'] as const),
      };
    },
  },
  {
    name: 'zip-struct',
    make: (s, r) => {
      const [b, rs] = r.pick([
        [s.npz, ['readArrayFile', 'listNpz']],
        [s.npzDeflate, ['readArrayFile', 'listNpz']],
        [s.modelPth, ['readTorchStateDict']],
        [s.bundle, ['readTorchBundle', 'readModelFile', 'fileKind']],
        [s.archive, ['readModelArchive', 'readModelFile', 'fileKind']],
      ] as [Uint8Array, ReaderName[]][]);
      return { input: zipEdit(membersOf(b), r), reader: r.pick(rs) };
    },
  },
  {
    name: 'pickle',
    make: (s, r) => ({
      input: pickleEdit(r.chance(0.5) ? s.manifestDill : s.paramsDill, r),
      reader: 'readPickledDict',
    }),
  },
  {
    name: 'torch-pth',
    make: (s, r) => {
      const files = unzipSync(s.modelPth);
      const pkl = Object.keys(files).find((n) => n.endsWith('data.pkl'))!;
      return {
        input: zipSync({ ...files, [pkl]: pickleEdit(files[pkl], r) }, { level: 0 }),
        reader: 'readTorchStateDict',
      };
    },
  },
  {
    name: 'torch-bundle',
    make: (s, r) => ({
      input: bundleEdit(s, r),
      reader: r.pick(['readTorchBundle', 'readTorchBundle', 'readModelFile'] as const),
    }),
  },
  {
    name: 'model-archive',
    make: (s, r) => ({
      input: archiveEdit(s, r),
      reader: r.pick(['readModelArchive', 'readModelFile', 'readModelFile'] as const),
    }),
  },
];
