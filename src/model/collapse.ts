/**
 * The collapse detector: how much the predicted object amplitude varies where the probe lights it. A network in
 * the flat basin predicts (nearly) the same constant amplitude for every pattern; its contrast — std / mean of the
 * amplitude over the bright pixels (|P|² ≥ 10 % of the peak) of a fixed sample of groups — falls to a fraction of a
 * percent, where real samples show several percent or more. Computed at the end of an epoch (one small read-back,
 * never inside a training step). A pure phase object also has a flat amplitude: the message says so.
 */
import type { Gpu } from '../gpu/runtime';
import type { PtychoPINN, ResidentSet } from './ptychopinn';

/** Amplitude contrast (std / mean over the lit pixels) below which the run is said to have collapsed. */
export const COLLAPSE_CONTRAST = 0.01;

/** At most this many groups are predicted for the measurement. */
const SAMPLE_GROUPS = 16;

/** The bright pixels of an N×N complex probe: |P|² ≥ 10 % of its peak. */
export function brightPixels(probe: Float32Array, N: number): Int32Array {
  let peak = 0;
  for (let k = 0; k < N * N; k++) peak = Math.max(peak, probe[2 * k] ** 2 + probe[2 * k + 1] ** 2);
  const out: number[] = [];
  for (let k = 0; k < N * N; k++) if (probe[2 * k] ** 2 + probe[2 * k + 1] ** 2 >= 0.1 * peak) out.push(k);
  return Int32Array.from(out);
}

/** Evenly spaced group indices of a set (at most SAMPLE_GROUPS), the same every epoch. */
export function sampleGroups(nGroups: number): Int32Array {
  const n = Math.min(SAMPLE_GROUPS, nGroups);
  return Int32Array.from({ length: n }, (_, i) => Math.floor((i * nGroups) / n));
}

/** std / mean of |O| over `bright` pixels of every predicted patch (interleaved complex, (b, C, N, N)). */
export function contrastOf(patches: Float32Array, NN: number, bright: Int32Array): number {
  const planes = patches.length / (2 * NN);
  let s = 0,
    s2 = 0,
    n = 0;
  for (let p = 0; p < planes; p++)
    for (const k of bright) {
      const i = 2 * (p * NN + k);
      const a = Math.hypot(patches[i], patches[i + 1]);
      s += a;
      s2 += a * a;
      n++;
    }
  const mean = s / n;
  return mean > 0 ? Math.sqrt(Math.max(0, s2 / n - mean * mean)) / mean : 0;
}

/** The amplitude contrast of the model's prediction for `groups` of `set` (see the module summary). */
export async function amplitudeContrast(
  gpu: Gpu,
  model: PtychoPINN,
  set: ResidentSet,
  groups: Int32Array,
  bright: Int32Array,
): Promise<number> {
  const patches = gpu.tidy(() =>
    gpu.keep(model.predictPatches(gpu.tensor([groups.length], 'f32', Float32Array.from(groups)), set)),
  );
  try {
    return contrastOf(await gpu.read(patches), model.N * model.N, bright);
  } finally {
    patches.dispose();
  }
}

/** Where a run's amplitude went flat: the first epoch of the final stretch of epochs under COLLAPSE_CONTRAST. */
export interface Collapse {
  /** 0-based epoch. */
  epoch: number;
  /** The last epoch's contrast. */
  contrast: number;
}

/** The collapse a history ends in (its last epoch measured under the threshold), or null. */
export function collapseOf(history: readonly { epoch: number; amplitudeContrast?: number }[]): Collapse | null {
  const measured = history.filter((e) => e.amplitudeContrast !== undefined);
  const last = measured.at(-1);
  if (!last || last.amplitudeContrast! >= COLLAPSE_CONTRAST) return null;
  let i = measured.length - 1;
  while (i > 0 && measured[i - 1].amplitudeContrast! < COLLAPSE_CONTRAST) i--;
  return { epoch: measured[i].epoch, contrast: last.amplitudeContrast! };
}
