/**
 * Writes the bundled example datasets into public/fixtures (seeded, reproducible):
 *   npx tsx scripts/make-fixtures.ts   (or: node --import ./scripts/node-register.mjs scripts/make-fixtures.ts)
 * - lines-n32.npz:   N = 32, the reference's default probe, a 'lines' object 96×96, 256 random positions,
 *                    nphotons 1e9 with Poisson noise — small enough to train in a browser without a fast GPU.
 * - lines-fly64.npz: N = 64, the real measured fly001 probe (public/fixtures/fly001-probe-64.npy, unit energy,
 *                    from the reference's tests/fixtures/varpro_parity), a 'lines' object 176×176, 256 positions.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { readNpy } from '../src/pipeline/npyDecode';
import { writeNpz } from '../src/pipeline/npz';
import { simulateDataset } from '../src/pipeline/simulate';

const dir = new URL('../public/fixtures/', import.meta.url);
const fly = readNpy(new Uint8Array(readFileSync(new URL('fly001-probe-64.npy', dir))), 'probe', {
  fileName: 'fly001-probe-64.npy',
});

const sets = [
  {
    name: 'lines-n32.npz',
    opts: {
      object: 'lines',
      probe: 'default',
      positions: 'random',
      N: 32,
      nImages: 256,
      objectSize: 96,
      nphotons: 1e9,
      seed: 20261122,
    },
  },
  {
    name: 'lines-fly64.npz',
    opts: {
      object: 'lines',
      probe: fly,
      positions: 'random',
      nImages: 256,
      objectSize: 176,
      nphotons: 1e9,
      seed: 20261123,
    },
  },
] as const;

for (const s of sets) {
  const arrays = simulateDataset(s.opts as Parameters<typeof simulateDataset>[0]);
  const bytes = writeNpz(arrays, { compress: true });
  writeFileSync(new URL(s.name, dir), bytes);
  console.log(`${s.name}: ${arrays.diff3d.shape.join('×')} patterns, ${(bytes.length / 1024).toFixed(0)} KiB`);
}
