// Colour maps for complex images (Ptychodus conventions): viridis for amplitude, cyclic twilight for phase, the
// complex view (hue = phase, value = amplitude), as RGBA pixels for the image widgets.
import { TWILIGHT_LUT, VIRIDIS_LUT } from './colormapData';

/** Colour maps for complex images (Ptychodus conventions): viridis for amplitude, cyclic twilight for phase. */
export type ColormapName = 'viridis' | 'twilight' | 'gray';

export function lut(name: ColormapName): Uint8Array {
  if (name === 'viridis') return VIRIDIS_LUT;
  if (name === 'twilight') return TWILIGHT_LUT;
  const g = new Uint8Array(768);
  for (let i = 0; i < 256; i++) g[3 * i] = g[3 * i + 1] = g[3 * i + 2] = i;
  return g;
}

/** RGBA pixels of `data` mapped through a colour map over [lo, hi] (clamped). */
export function toRgba(data: ArrayLike<number>, name: ColormapName, lo: number, hi: number): Uint8ClampedArray {
  const table = lut(name);
  const out = new Uint8ClampedArray(4 * data.length);
  const span = hi - lo || 1;
  for (let i = 0; i < data.length; i++) {
    const t = Math.min(1, Math.max(0, (data[i] - lo) / span));
    const k = Math.round(t * 255);
    out[4 * i] = table[3 * k];
    out[4 * i + 1] = table[3 * k + 1];
    out[4 * i + 2] = table[3 * k + 2];
    out[4 * i + 3] = 255;
  }
  return out;
}

export function range(data: ArrayLike<number>): [number, number] {
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    if (data[i] < lo) lo = data[i];
    if (data[i] > hi) hi = data[i];
  }
  return Number.isFinite(lo) ? [lo, hi] : [0, 1];
}

/** HSV → RGB bytes (h in [0, 1), s, v in [0, 1]). */
export function hsvToRgb(h: number, s: number, v: number): [number, number, number] {
  const i = Math.floor(h * 6) % 6;
  const f = h * 6 - Math.floor(h * 6);
  const p = v * (1 - s),
    q = v * (1 - f * s),
    t = v * (1 - (1 - f) * s);
  const [r, g, b] = [
    [v, t, p],
    [q, v, p],
    [p, v, t],
    [p, q, v],
    [t, p, v],
    [v, p, q],
  ][i];
  return [Math.round(r * 255), Math.round(g * 255), Math.round(b * 255)];
}

/**
 * A complex image (interleaved re, im) as colour: hue = phase (−π → 0, π → 1, cyclic), value = amplitude / ampMax
 * (clamped), full saturation — the Ptychodus "complex" view.
 */
export function complexToRgba(z: ArrayLike<number>, ampMax: number): Uint8ClampedArray {
  const n = z.length / 2;
  const out = new Uint8ClampedArray(4 * n);
  const inv = ampMax > 0 ? 1 / ampMax : 0;
  for (let i = 0; i < n; i++) {
    const re = z[2 * i],
      im = z[2 * i + 1];
    const h = (Math.atan2(im, re) + Math.PI) / (2 * Math.PI);
    const [r, g, b] = hsvToRgb(h >= 1 ? 0 : h, 1, Math.min(1, Math.hypot(re, im) * inv));
    out[4 * i] = r;
    out[4 * i + 1] = g;
    out[4 * i + 2] = b;
    out[4 * i + 3] = 255;
  }
  return out;
}

/** |z| and arg z of an interleaved complex array. */
export function amplitudePhase(z: ArrayLike<number>): { amplitude: Float32Array; phase: Float32Array } {
  const n = z.length / 2;
  const amplitude = new Float32Array(n),
    phase = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    amplitude[i] = Math.hypot(z[2 * i], z[2 * i + 1]);
    phase[i] = Math.atan2(z[2 * i + 1], z[2 * i]);
  }
  return { amplitude, phase };
}
