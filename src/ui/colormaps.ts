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
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    if (data[i] < lo) lo = data[i];
    if (data[i] > hi) hi = data[i];
  }
  return Number.isFinite(lo) ? [lo, hi] : [0, 1];
}
