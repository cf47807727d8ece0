/**
 * Synthetic ptychography scans after the reference's simulation, all float64 on the CPU:
 * the reference's default probe, its objects (src/pipeline/objects.ts), random and jittered-grid scans, and the forward
 * simulation A = sqrt(fftshift(|FFT2(P·O_patch)|²)/N²) scaled to `nphotons` expected counts per pattern with
 * Poisson noise (or none), then divided back by the scale — written in the raw NPZ contract with `_metadata`.
 */
import { PtychoError } from '../errors';
import { extractObjectPatches } from './container';
import { gaussianFilter } from './filters';

export { gaussianFilter };
import { fft2, fftshift2 } from './fftCpu';
import type { NdArray } from './ndarray';
import { grfObject, linesObject } from './objects';
import { Rng } from '../numerics/random';

/** ptycho/probe.py get_default_probe(N): thresholded separable Gaussian window, smoothed (σ 1) + 1e-9; real. */
export function defaultProbe(N: number): NdArray {
  const std = N / (0.7 * Math.PI ** 2);
  const w = Float64Array.from({ length: N }, (_, n) => Math.exp(-0.5 * ((n - (N - 1) / 2) / std) ** 2));
  const m = Math.max(...w);
  const disk = new Float64Array(N * N);
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) disk[i * N + j] = (w[i] / m) * (w[j] / m) > 0.5 ? 1 : 0;
  const g = gaussianFilter(disk, N, N, 1);
  const data = new Float32Array(2 * N * N);
  for (let i = 0; i < N * N; i++) data[2 * i] = g[i] + 1e-9;
  return { dtype: 'c64', shape: [N, N], data };
}

export interface Scan {
  x: Float64Array;
  y: Float64Array;
}

/** Uniform random positions in [buffer, W − buffer) × [buffer, H − buffer) (nongrid_simulation). */
export function randomScan(n: number, H: number, W: number, opts: { buffer: number; seed: number }): Scan {
  const rng = new Rng(opts.seed);
  const b = opts.buffer;
  if (W - 2 * b <= 0 || H - 2 * b <= 0)
    throw new PtychoError(
      'config',
      `object ${H}×${W} is too small for a scan buffer of ${b} px`,
      'use a larger object or a smaller N',
    );
  const x = new Float64Array(n),
    y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = rng.range(b, W - b);
    y[i] = rng.range(b, H - b);
  }
  return { x, y };
}

/** A raster grid with uniform jitter ±`jitter`·step, rounded to 0.01 px (torch datagen), inside the buffer. */
export function gridScan(
  H: number,
  W: number,
  opts: { step: number; jitter?: number; buffer: number; seed: number },
): Scan {
  const rng = new Rng(opts.seed);
  const xs: number[] = [],
    ys: number[] = [];
  const j = (opts.jitter ?? 0.3) * opts.step;
  for (let y = opts.buffer; y <= H - opts.buffer; y += opts.step)
    for (let x = opts.buffer; x <= W - opts.buffer; x += opts.step) {
      xs.push(Math.round((x + rng.range(-j, j)) * 100) / 100);
      ys.push(Math.round((y + rng.range(-j, j)) * 100) / 100);
    }
  return { x: Float64Array.from(xs), y: Float64Array.from(ys) };
}

export interface Diffraction {
  /** (n, N, N) amplitudes divided by the photon scale s. */
  amplitude: Float32Array;
  /** s = sqrt(nphotons / mean Σ|Y·P|²). */
  scale: number;
  /** (n, N, N) complex ground-truth patches. */
  patches: Float32Array;
}

/** The reference's illuminate_and_diffract: illuminate each object patch with the probe, then diffract. */
export function simulateDiffraction(
  object: NdArray,
  probe: NdArray,
  scan: Scan,
  opts: { nphotons: number; noise: 'poisson' | 'none'; seed: number },
): Diffraction {
  const N = probe.shape[0];
  const n = scan.x.length;
  const Y = extractObjectPatches(object, scan.x, scan.y, N);
  const P = probe.data as Float32Array;
  const NN = N * N;
  const psi = new Float64Array(2 * n * NN);
  let energy = 0;
  for (let p = 0; p < n; p++)
    for (let k = 0; k < NN; k++) {
      const i = 2 * (p * NN + k);
      const yr = Y[i],
        yi = Y[i + 1],
        pr = P[2 * k],
        pi = P[2 * k + 1];
      psi[i] = yr * pr - yi * pi;
      psi[i + 1] = yr * pi + yi * pr;
      energy += psi[i] ** 2 + psi[i + 1] ** 2;
    }
  if (!(energy > 0))
    throw new PtychoError(
      'contract',
      'simulate: the probe does not illuminate the object at any scan position',
      'check the object, probe and positions',
    );
  const s = Math.sqrt(opts.nphotons / (energy / n));
  for (let i = 0; i < psi.length; i++) psi[i] *= s;
  const F = fftshift2(fft2(psi, N, N), N, N, 2);
  const rng = new Rng(opts.seed);
  const amp = new Float32Array(n * NN);
  for (let i = 0; i < n * NN; i++) {
    const I = (F[2 * i] ** 2 + F[2 * i + 1] ** 2) / NN;
    amp[i] = (opts.noise === 'poisson' ? Math.sqrt(rng.poisson(I)) : Math.sqrt(I)) / s;
  }
  return { amplitude: amp, scale: s, patches: Y };
}

export interface SimulateOptions {
  object: 'lines' | 'grf' | NdArray;
  probe: 'default' | NdArray;
  positions: 'random' | 'grid' | Scan;
  N?: number;
  nImages?: number;
  nphotons?: number;
  noise?: 'poisson' | 'none';
  seed?: number;
  objectSize?: number;
  gridStep?: number;
  /**
   * Scale the probe so that the reference's amplitude physics is self-consistent on these data (default true):
   * the model multiplies object patches by probeGuess / probe_scale and compares with data normalised to a mean
   * per-pattern energy of (N/2)², so the probe must satisfy mean Σ|O·P/probe_scale|² = (N/2)² for the true
   * object — otherwise no object amplitude in [0, 1] can explain the data (the golden runs scale fly001 ×256 for
   * the same reason).
   */
  calibrateProbe?: boolean;
  probeScale?: number;
}

/** The probe times k so that mean_i Σ|Y_i·kP|² / probeScale² = (N/2)² over the scan's object patches. */
export function calibrateProbe(object: NdArray, probe: NdArray, scan: Scan, probeScale: number): NdArray {
  const N = probe.shape[0];
  const Y = extractObjectPatches(object, scan.x, scan.y, N);
  const P = probe.data as Float32Array;
  const NN = N * N;
  let e = 0;
  for (let p = 0; p < scan.x.length; p++)
    for (let k = 0; k < NN; k++) {
      const i = 2 * (p * NN + k);
      e += (Y[i] ** 2 + Y[i + 1] ** 2) * (P[2 * k] ** 2 + P[2 * k + 1] ** 2);
    }
  const k = (probeScale * (N / 2)) / Math.sqrt(e / scan.x.length);
  return { dtype: 'c64', shape: probe.shape, data: P.map((v) => v * k) };
}

/** A whole synthetic scan in the raw NPZ contract (keys as simulate_and_save writes them, plus _metadata). */
export function simulateDataset(o: SimulateOptions): Record<string, NdArray> {
  const seed = o.seed ?? 42;
  const probe = o.probe === 'default' ? defaultProbe(o.N ?? 64) : o.probe;
  const N = probe.shape[0];
  if (o.N !== undefined && o.N !== N)
    throw new PtychoError(
      'config',
      `simulate: --N ${o.N} but the probe is ${N}×${N}`,
      'drop --N (it is taken from the probe) or use a probe of that size',
    );
  const size = o.objectSize ?? Math.max(3 * N, 96);
  const bad = (field: string, message: string, hint: string): never => {
    throw new PtychoError('config', `simulate: ${field}=${message}`, hint, { field });
  };
  if (o.nphotons !== undefined && !(o.nphotons > 0 && Number.isFinite(o.nphotons)))
    bad('nphotons', `${o.nphotons} must be a finite number > 0`, 'set the expected counts per pattern, e.g. 1e9');
  if (o.nImages !== undefined && !(Number.isInteger(o.nImages) && o.nImages >= 2))
    bad('nImages', `${o.nImages} must be an integer ≥ 2`, 'a scan needs at least two overlapping positions, e.g. 256');
  if (o.gridStep !== undefined && !(o.gridStep > 0 && Number.isFinite(o.gridStep)))
    bad('gridStep', `${o.gridStep} must be > 0 pixels`, 'e.g. N/8');
  if (!(Number.isInteger(N) && N >= 2)) bad('N', `${N} must be an integer ≥ 2`, 'use N = 32, 64 or 128');
  if (typeof o.object === 'string' && !(Number.isInteger(size) && size > N))
    bad('objectSize', `${size} must be an integer larger than N=${N}`, `use objectSize ≥ ${Math.max(3 * N, 96)}`);
  const object =
    o.object === 'lines' ? linesObject(size, { seed }) : o.object === 'grf' ? grfObject(size, { seed }) : o.object;
  const [H, W] = object.shape;
  if (!(H > N && W > N))
    bad(
      'object',
      `${H}×${W} is not larger than the ${N}×${N} probe`,
      'use a larger object (positions keep N/2 px from the edges)',
    );
  const buffer = N / 2;
  const scan =
    o.positions === 'random'
      ? randomScan(o.nImages ?? 256, H, W, { buffer, seed: seed + 1 })
      : o.positions === 'grid'
        ? gridScan(H, W, { step: o.gridStep ?? Math.max(2, Math.round(N / 8)), buffer, seed: seed + 1 })
        : o.positions;
  if (scan.x.length < 2)
    bad(
      'positions',
      `${scan.x.length} scan position(s) in a ${H}×${W} object`,
      'a scan needs at least two positions: use a larger object, a smaller grid step, or more images',
    );
  const nphotons = o.nphotons ?? 1e9;
  const noise = o.noise ?? 'poisson';
  const probeUsed = o.calibrateProbe === false ? probe : calibrateProbe(object, probe, scan, o.probeScale ?? 4);
  const d = simulateDiffraction(object, probeUsed, scan, { nphotons, noise, seed: seed + 2 });
  const n = scan.x.length;
  const meta = {
    physics_parameters: { nphotons },
    simulation: {
      generator: 'ptychopinn-web simulate',
      object: typeof o.object === 'string' ? o.object : `array ${object.shape.join('x')}`,
      probe: typeof o.probe === 'string' ? o.probe : `array ${N}x${N}`,
      positions: typeof o.positions === 'string' ? o.positions : 'given',
      N,
      n_images: n,
      noise,
      seed,
      object_size: [H, W],
      photon_scale: d.scale,
      probe_calibrated_for_probe_scale: o.calibrateProbe === false ? null : (o.probeScale ?? 4),
    },
  };
  return {
    xcoords: { dtype: 'f64', shape: [n], data: scan.x },
    ycoords: { dtype: 'f64', shape: [n], data: scan.y },
    xcoords_start: { dtype: 'f64', shape: [n], data: Float64Array.from(scan.x) },
    ycoords_start: { dtype: 'f64', shape: [n], data: Float64Array.from(scan.y) },
    diff3d: { dtype: 'f32', shape: [n, N, N], data: d.amplitude },
    probeGuess: probeUsed,
    objectGuess: object,
    scan_index: { dtype: 'i64', shape: [n], data: new Float64Array(n) },
    _metadata: { dtype: 'str', shape: [], data: new Uint8Array(0), text: JSON.stringify(meta) },
  };
}
