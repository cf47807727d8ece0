/**
 * `ptychopinn simulate`: a synthetic scan in the raw data contract (specs/data_contract.md) from the same
 * simulation code the page uses (src/pipeline/simulate.ts) — a synthetic or given object, the default or a given
 * probe, random, grid or given positions — with every numeric flag checked before any work.
 */
import { PtychoError } from '../errors';
import type { NdArray } from '../pipeline/ndarray';
import { readArrayFile, writeNpz } from '../pipeline/npz';
import { readPtychodusProduct } from '../pipeline/product';
import { simulateDataset, type SimulateOptions } from '../pipeline/simulate';
import { parseArgs, type OptionSpec } from './args';
import { fileNameOf, type CliIO } from './io';

const OPTIONS: Record<string, OptionSpec> = {
  out: { type: 'string', help: 'output .npz (raw data contract)' },
  object: { type: 'string', help: "'lines', 'grf' or an .npz/.npy holding objectGuess (complex (H, W))" },
  probe: {
    type: 'string',
    help: "'default' (reference get_default_probe) or an .npz/.npy holding probeGuess (complex (N, N))",
  },
  positions: { type: 'string', help: '.npz with xcoords, ycoords (object pixels); overrides --scan' },
  product: {
    type: 'string',
    help: 'a Ptychodus NPZ product: its object, probe and scan positions (instead of --object, --probe, --positions)',
  },
  N: { type: 'int', help: 'pattern size for the default probe (default 64)' },
  'n-images': { type: 'int', help: 'number of random positions (default 256)' },
  nphotons: { type: 'number', help: 'expected counts per pattern (default 1e9)' },
  noise: { type: 'string', choices: ['poisson', 'none'], help: 'Poisson noise or none (default poisson)' },
  scan: { type: 'string', choices: ['random', 'grid'], help: 'random positions or a jittered grid (default random)' },
  seed: { type: 'int', help: 'seed (default 42)' },
  'object-size': { type: 'int', help: 'side of the synthetic object in pixels (default max(3N, 96))' },
  'grid-step': { type: 'number', help: 'grid step in pixels (default N/8)' },
  json: { type: 'boolean', help: 'print one JSON object on stdout' },
};

function pick(path: string, io: CliIO, keys: string[], what: string): NdArray {
  const arrays = readArrayFile(io.readFile(path), { fileName: fileNameOf(path) });
  for (const k of keys) if (arrays[k]) return arrays[k];
  const names = Object.keys(arrays);
  if (names.length === 1) return arrays[names[0]];
  throw new PtychoError(
    'cli-usage',
    `${path}: no ${keys.join(' or ')} array (keys: ${names.join(', ')})`,
    `save the ${what} under the key ${keys[0]}`,
  );
}

/** Pattern sizes simulate accepts: powers of two the GPU FFT handles (the model trains on 32…256). */
export const SIM_N_MIN = 8;
export const SIM_N_MAX = 512;

function usage(flag: string, message: string, hint: string): never {
  throw new PtychoError('cli-usage', `simulate: --${flag} ${message}`, hint);
}

function supportedN(n: number): boolean {
  return Number.isInteger(n) && n >= SIM_N_MIN && n <= SIM_N_MAX && (n & (n - 1)) === 0;
}

/** Numeric flags checked before any work, each refusal naming the flag and the value seen. */
function validateNumbers(o: Record<string, string | number | boolean | undefined>): void {
  const num = (k: string) => o[k] as number | undefined;
  const nphotons = num('nphotons');
  if (nphotons !== undefined && !(nphotons > 0))
    usage('nphotons', `${nphotons} must be > 0 (expected counts per pattern)`, 'e.g. --nphotons 1e9 (low dose: 1e4)');
  const n = num('n-images');
  if (n !== undefined && !(n >= 2))
    usage('n-images', `${n} must be ≥ 2 (a scan needs at least two overlapping positions)`, 'e.g. --n-images 256');
  const N = num('N');
  if (N !== undefined && !supportedN(N))
    usage(
      'N',
      `${N} is not a supported pattern size: a power of two from ${SIM_N_MIN} to ${SIM_N_MAX}`,
      'use --N 32, 64 or 128 (the model trains on 32…256)',
    );
  const step = num('grid-step');
  if (step !== undefined && !(step > 0))
    usage('grid-step', `${step} must be > 0 pixels`, 'e.g. --grid-step 4 (default N/8)');
  const size = num('object-size');
  // With a probe file and no --N, N is known only once the probe is read; simulateDataset checks the size then.
  const Nn = N ?? (o.probe !== undefined && o.probe !== 'default' ? undefined : 64);
  if (size !== undefined && Nn !== undefined) {
    if (!(size > Nn))
      usage(
        'object-size',
        `${size} is too small for ${Nn}×${Nn} patterns: the object must be larger than N (scan positions keep N/2 px from the edges)`,
        `use --object-size ≥ ${Math.max(3 * Nn, 96)} (the default is max(3N, 96))`,
      );
    if ((o.scan ?? 'random') === 'grid' && !o.positions) {
      const st = step ?? Math.max(2, Math.round(Nn / 8));
      if (Math.floor((size - Nn) / st) < 1)
        usage(
          'object-size',
          `${size} with --grid-step ${st} and N=${Nn} leaves room for a single grid position`,
          `use --object-size ≥ ${Nn + st} or a smaller --grid-step`,
        );
    }
  }
}

/** A real array as complex64 (zero imaginary part); a complex one as it is. */
function asComplex(a: NdArray): NdArray {
  if (a.dtype === 'c64') return a;
  return {
    dtype: 'c64',
    shape: a.shape,
    data: Float32Array.from({ length: 2 * a.data.length }, (_, i) => (i % 2 ? 0 : (a.data[i / 2] as number))),
  };
}

/** --object: a synthetic object's name, or a file holding a 2-D objectGuess. */
function objectOf(arg: string, io: CliIO): SimulateOptions['object'] {
  if (arg === 'lines' || arg === 'grf') return arg;
  const a = pick(arg, io, ['objectGuess', 'object'], 'object');
  if (a.shape.length !== 2 || a.dtype === 'str')
    throw new PtychoError(
      'cli-usage',
      `${arg}: object has shape (${a.shape}), expected a 2-D array`,
      'save objectGuess as complex64 (H, W)',
    );
  return asComplex(a);
}

/** --probe: the reference's default probe, or a file holding a square probeGuess of a supported size. */
function probeOf(arg: string, io: CliIO): SimulateOptions['probe'] {
  if (arg === 'default') return 'default';
  const a = pick(arg, io, ['probeGuess', 'probe'], 'probe');
  if (a.shape.length !== 2 || a.shape[0] !== a.shape[1] || a.dtype === 'str')
    throw new PtychoError(
      'cli-usage',
      `${arg}: probe has shape (${a.shape}), expected (N, N)`,
      'save probeGuess as complex64 (N, N)',
    );
  if (!supportedN(a.shape[0]))
    throw new PtychoError(
      'cli-usage',
      `${arg}: probe is ${a.shape[0]}×${a.shape[1]}, not a supported pattern size (a power of two from ${SIM_N_MIN} to ${SIM_N_MAX})`,
      'resample the probe to 32×32, 64×64 or 128×128',
    );
  return asComplex(a);
}

/** --positions: at least two finite scan positions (xcoords, ycoords in object pixels) from a file. */
function positionsOf(path: string, io: CliIO): { x: Float64Array; y: Float64Array } {
  const arrays = readArrayFile(io.readFile(path), { fileName: fileNameOf(path) });
  if (!arrays.xcoords || !arrays.ycoords || arrays.xcoords.data.length !== arrays.ycoords.data.length) {
    throw new PtychoError(
      'cli-usage',
      `${path}: needs xcoords and ycoords of equal length (keys: ${Object.keys(arrays).join(', ')})`,
      'save positions in object pixels as xcoords, ycoords',
    );
  }
  const positions = {
    x: Float64Array.from(arrays.xcoords.data as ArrayLike<number>),
    y: Float64Array.from(arrays.ycoords.data as ArrayLike<number>),
  };
  if (positions.x.length < 2)
    throw new PtychoError(
      'cli-usage',
      `${path}: --positions holds ${positions.x.length} position(s) in xcoords/ycoords; at least 2 are needed`,
      'save every scan position (object pixels) as xcoords, ycoords',
    );
  const bad = [...positions.x, ...positions.y].find((v) => !Number.isFinite(v));
  if (bad !== undefined)
    throw new PtychoError(
      'cli-usage',
      `${path}: --positions xcoords/ycoords hold ${bad}`,
      'replace NaN/Inf positions before saving',
    );
  return positions;
}

/**
 * --product: a Ptychodus product (src/pipeline/product.ts) as the scan's object, probe and positions — a
 * reconstruction read back as the start of a new dataset. Positions move from object pixels to the canvas's.
 */
function productScan(path: string, io: CliIO): Pick<SimulateOptions, 'object' | 'probe' | 'positions'> {
  const p = readPtychodusProduct(io.readFile(path), fileNameOf(path));
  if (!supportedN(p.N))
    throw new PtychoError(
      'cli-usage',
      `${path}: the product's probe is ${p.N}×${p.N}, not a supported pattern size (a power of two from ${SIM_N_MIN} to ${SIM_N_MAX})`,
      'resample the probe to 32×32, 64×64 or 128×128 in Ptychodus',
    );
  return {
    object: { dtype: 'c64', shape: [p.height, p.width], data: p.object },
    probe: { dtype: 'c64', shape: [p.N, p.N], data: p.probe },
    positions: { x: p.positionsX.map((x) => x - p.origin[0]), y: p.positionsY.map((y) => y - p.origin[1]) },
  };
}

/** Object, probe and positions from the flags (or from one Ptychodus product). */
function scanOf(o: Record<string, string | number | boolean | undefined>, io: CliIO) {
  if (o.product) {
    const clash = ['object', 'probe', 'positions'].find((k) => o[k] !== undefined);
    if (clash)
      usage(
        'product',
        `gives the object, probe and positions: drop --${clash}`,
        'use --product alone, or no --product',
      );
    return productScan(o.product as string, io);
  }
  const positions: SimulateOptions['positions'] = o.positions
    ? positionsOf(o.positions as string, io)
    : (((o.scan as string) ?? 'random') as 'random' | 'grid');
  return {
    object: objectOf((o.object as string) ?? 'lines', io),
    probe: probeOf((o.probe as string) ?? 'default', io),
    positions,
  };
}

export async function run(argv: string[], io: CliIO): Promise<number> {
  const { options: o } = parseArgs('simulate', argv, OPTIONS, 0);
  if (!o.out)
    throw new PtychoError('cli-usage', 'simulate: --out is required', 'e.g. ptychopinn simulate --out scan.npz');
  validateNumbers(o);
  const { object, probe, positions } = scanOf(o, io);
  const arrays = simulateDataset({
    object,
    probe,
    positions,
    N: o.N as number | undefined,
    nImages: o['n-images'] as number | undefined,
    nphotons: o.nphotons as number | undefined,
    noise: o.noise as 'poisson' | 'none' | undefined,
    seed: o.seed as number | undefined,
    objectSize: o['object-size'] as number | undefined,
    gridStep: o['grid-step'] as number | undefined,
  });
  io.writeFile(o.out as string, writeNpz(arrays, { compress: true }));
  const meta = JSON.parse(arrays._metadata.text!);
  const summary = {
    ...meta.simulation,
    out: o.out,
    patterns: arrays.diff3d.shape[0],
    N: arrays.diff3d.shape[1],
    objectShape: arrays.objectGuess.shape,
    nphotons: meta.physics_parameters.nphotons,
  };
  if (o.json) io.out(JSON.stringify(summary));
  else
    io.out(
      `wrote ${o.out}: ${summary.patterns} patterns of ${summary.N}×${summary.N}, object ${summary.objectShape.join('×')}, nphotons ${summary.nphotons}, seed ${summary.seed}`,
    );
  return 0;
}
