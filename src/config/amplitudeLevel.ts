/**
 * probe_scale from the scan (specs/config.md, `amplitude_level`). The physics compares |FFT(O·probeGuess/probe_scale)|
 * with patterns normalised to a mean energy of (N/2)² (src/pipeline/container.ts), so probe_scale fixes the object
 * amplitude the data demand: an object of uniform amplitude a explains them when a·‖probeGuess‖/probe_scale = N/2.
 * The reference's fixed probe_scale 4 puts that level wherever the probe's normalisation happens to put it — for a
 * weakly absorbing sample near 1, where the amplitude head's sigmoid saturates and stops learning (measured: the
 * sparse benchmark object collapsed to a flat amplitude of 0.96). Choosing probe_scale = a·‖probeGuess‖/(N/2) with
 * a = amplitude_level (0.5: the middle of the sigmoid) keeps the head in its live range on any scan. The object's
 * absolute scale is arbitrary in ptychography anyway (O·P = (kO)(P/k)); the chosen probe_scale travels with the model.
 */
import type { ModelConfig } from './fieldTable.ts';

/** probe_scale for which a uniform object of amplitude `level` explains patterns of mean energy (N/2)². */
export function probeScaleForLevel(probe: ArrayLike<number>, N: number, level: number): number {
  let e = 0;
  for (let i = 0; i < probe.length; i++) e += probe[i] * probe[i];
  return (level * Math.sqrt(e)) / (N / 2);
}

/** `c` with probe_scale taken from the scan's probe (interleaved complex N×N) when amplitude_level is set. */
export function withAmplitudeLevel<C extends { model: ModelConfig }>(c: C, probe: ArrayLike<number>, N: number): C {
  const level = c.model.amplitude_level;
  if (level === null) return c;
  const s = probeScaleForLevel(probe, N, level);
  return Number.isFinite(s) && s > 0 ? { ...c, model: { ...c.model, probe_scale: s } } : c;
}
