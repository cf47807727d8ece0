/**
 * Ptychodus NPZ product (ptychodus/plugins/npz_product_file.py; specs/npz.md "Ptychodus product").
 * Written STORED like numpy.savez: 0-d `<U` strings, `<f8` scalars, `<i8` position indexes, `<f8` positions in
 * metres, `<c8` probe [H, W] and object [1, H, W].
 *
 * Geometry: a scan position at object pixel (x, y) (our `xcoords`/`ycoords`) is written as x·pw metres, and the object
 * centre as (origin + W/2)·pw metres, so that Ptychodus's `x_px = (x_m − center_x_m)/pixel_width_m + W/2` is the
 * canvas pixel `x − origin`, and reading back gives the same object-pixel positions and origin.
 * Pixel size: the caller's (from the scan's `_metadata`, see `productPhysicsFromMetadata`), otherwise the stated
 * convention of 1 m per pixel ("pixel units"), said in `comments`. The probe shares the object's pixel grid: a
 * product whose probe pixel size differs from its object pixel size is refused on read (we cannot resample).
 */
import { PtychoError } from '../errors';
import { sizeOf, shapeStr, type NdArray } from './ndarray';
import { readNpz, writeNpz } from './npz';

export interface ProductWriteInput {
  /** Interleaved complex, height × width. */
  object: Float32Array;
  width: number;
  height: number;
  /** Object-pixel coordinates of canvas pixel (0, 0). */
  origin: [number, number];
  /** N×N interleaved complex. */
  probe: Float32Array;
  /** Scan positions in object pixels. */
  positionsX: ArrayLike<number>;
  positionsY: ArrayLike<number>;
  pixelSizeM?: { x: number; y: number };
  lossEpochs?: number[];
  lossValues?: number[];
  name?: string;
  comments?: string;
  energyEV?: number;
  distanceM?: number;
  exposureS?: number;
}

export interface ProductReadResult {
  object: Float32Array;
  width: number;
  height: number;
  origin: [number, number];
  probe: Float32Array;
  N: number;
  positionsX: Float64Array;
  positionsY: Float64Array;
  pixelSizeM: { x: number; y: number };
  name: string;
  comments: string;
  energyEV: number;
  distanceM: number;
  exposureS: number;
  loss?: { epochs: number[]; values: number[] };
}

/** Comment written when no physical pixel size is known. */
export const PIXEL_UNITS_COMMENT =
  'pixel units: no physical pixel size was known, so 1 m stands for 1 object pixel (object_pixel_width_m = object_pixel_height_m = 1)';

const F64_SCALARS = [
  'detector_object_distance_m',
  'probe_energy_eV',
  'exposure_time_s',
  'probe_photon_count',
  'mass_attenuation_m2_kg',
  'tomography_angle_deg',
  'probe_pixel_width_m',
  'probe_pixel_height_m',
  'object_center_x_m',
  'object_center_y_m',
  'object_pixel_width_m',
  'object_pixel_height_m',
];
const F64_KEYS = [
  ...F64_SCALARS,
  'probe_position_x_m',
  'probe_position_y_m',
  'object_layer_spacing_m',
  'loss_values',
  'costs',
  'loss_epochs',
];

const f64 = (v: number): NdArray => ({ dtype: 'f64', shape: [], data: Float64Array.of(v) });
const str = (text: string): NdArray => ({ dtype: 'str', shape: [], data: new Uint8Array(0), text });

function badInput(what: string): PtychoError {
  return new PtychoError('internal', `writePtychodusProduct: ${what}`);
}

export function writePtychodusProduct(p: ProductWriteInput): Uint8Array {
  const { width: W, height: H } = p;
  if (!(Number.isInteger(W) && Number.isInteger(H) && W > 0 && H > 0) || p.object.length !== 2 * W * H)
    throw badInput(`object holds ${p.object.length} values, not 2 × ${H} × ${W}`);
  const N = Math.round(Math.sqrt(p.probe.length / 2));
  if (N < 1 || 2 * N * N !== p.probe.length) throw badInput(`probe holds ${p.probe.length} values, not 2 × N × N`);
  const n = p.positionsX.length;
  if (p.positionsY.length !== n) throw badInput(`${n} x positions but ${p.positionsY.length} y positions`);
  const px = p.pixelSizeM ?? { x: 1, y: 1 };
  if (!(px.x > 0 && px.y > 0 && Number.isFinite(px.x) && Number.isFinite(px.y)))
    throw badInput(`pixel size ${px.x} × ${px.y} m is not positive`);
  const comments = [p.comments, p.pixelSizeM ? undefined : PIXEL_UNITS_COMMENT].filter((c) => c).join('\n');
  const xm = new Float64Array(n),
    ym = new Float64Array(n),
    idx = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    xm[i] = p.positionsX[i] * px.x;
    ym[i] = p.positionsY[i] * px.y;
    idx[i] = i;
  }
  const arrays: Record<string, NdArray> = {
    name: str(p.name ?? 'ptychopinn-web reconstruction'),
    comments: str(comments),
    detector_object_distance_m: f64(p.distanceM ?? 0),
    probe_energy_eV: f64(p.energyEV ?? 0),
    probe_photon_count: f64(0),
    exposure_time_s: f64(p.exposureS ?? 0),
    mass_attenuation_m2_kg: f64(0),
    tomography_angle_deg: f64(0),
    probe_position_indexes: { dtype: 'i64', shape: [n], data: idx },
    probe_position_x_m: { dtype: 'f64', shape: [n], data: xm },
    probe_position_y_m: { dtype: 'f64', shape: [n], data: ym },
    probe: { dtype: 'c64', shape: [N, N], data: p.probe },
    probe_pixel_width_m: f64(px.x),
    probe_pixel_height_m: f64(px.y),
    object: { dtype: 'c64', shape: [1, H, W], data: p.object },
    object_center_x_m: f64((p.origin[0] + W / 2) * px.x),
    object_center_y_m: f64((p.origin[1] + H / 2) * px.y),
    object_pixel_width_m: f64(px.x),
    object_pixel_height_m: f64(px.y),
    object_layer_spacing_m: { dtype: 'f64', shape: [0], data: new Float64Array(0) },
  };
  if (p.lossValues) {
    const ep = p.lossEpochs ?? p.lossValues.map((_, i) => i);
    if (ep.length !== p.lossValues.length)
      throw badInput(`${ep.length} loss epochs but ${p.lossValues.length} loss values`);
    arrays.loss_epochs = { dtype: 'i64', shape: [ep.length], data: Float64Array.from(ep) };
    arrays.loss_values = { dtype: 'f64', shape: [ep.length], data: Float64Array.from(p.lossValues) };
  }
  return writeNpz(arrays);
}

const NUMERIC = new Set(['f32', 'f64', 'i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'i64', 'u64']);
const INTEGER = new Set(['i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'i64', 'u64']);

/** The product's arrays, read key by key; every refusal names the file and the key. */
class ProductKeys {
  constructor(
    readonly a: Record<string, NdArray>,
    readonly fileName: string,
  ) {}

  has(key: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.a, key);
  }

  refuse(
    key: string,
    what: string,
    hint = 'write the product with Ptychodus (NPZ product) or `ptychopinn reconstruct --product`',
  ): PtychoError {
    return new PtychoError('contract', `${this.fileName}: Ptychodus product key "${key}" ${what}`, hint);
  }

  get(key: string): NdArray {
    const v = this.has(key) ? this.a[key] : undefined;
    if (!v) throw this.refuse(key, 'is missing');
    return v;
  }

  numeric(key: string, v: NdArray, shapeDesc: string): void {
    if (!NUMERIC.has(v.dtype)) throw this.refuse(key, `has dtype ${v.dtype}, expected a real number ${shapeDesc}`);
  }

  scalar(key: string, def?: number): number {
    if (def !== undefined && !this.has(key)) return def;
    const v = this.get(key);
    this.numeric(key, v, '(0-d)');
    if (sizeOf(v.shape) !== 1 || v.shape.length > 1)
      throw this.refuse(key, `has shape ${shapeStr(v.shape)}, expected a 0-d scalar`);
    const x = v.data[0];
    if (!Number.isFinite(x)) throw this.refuse(key, `is ${x}, not a finite number`);
    return x;
  }

  vector(key: string, integer = false): Float64Array {
    const v = this.get(key);
    this.numeric(key, v, '(1-d)');
    if (integer && !INTEGER.has(v.dtype)) throw this.refuse(key, `has dtype ${v.dtype}, expected integers (int64)`);
    if (v.shape.length !== 1) throw this.refuse(key, `has shape ${shapeStr(v.shape)}, expected 1-d`);
    return Float64Array.from(v.data);
  }

  text(key: string): string {
    if (!this.has(key)) return '';
    const v = this.a[key];
    if (v.dtype !== 'str' || v.shape.length !== 0)
      throw this.refuse(key, `has dtype ${v.dtype} shape ${shapeStr(v.shape)}, expected a 0-d unicode string`);
    return v.text ?? '';
  }

  positive(key: string): number {
    const x = this.scalar(key);
    if (!(x > 0)) throw this.refuse(key, `is ${x}, expected a positive pixel size in metres`);
    return x;
  }

  complex(key: string, v: NdArray): void {
    if (v.dtype !== 'c64') throw this.refuse(key, `has dtype ${v.dtype}, expected complex (complex64)`);
  }
}

/** Positions in metres: indexes, x and y of one length. */
function readPositions(k: ProductKeys): { xm: Float64Array; ym: Float64Array } {
  const indexes = k.vector('probe_position_indexes', true);
  const xm = k.vector('probe_position_x_m');
  const ym = k.vector('probe_position_y_m');
  if (xm.length !== indexes.length || ym.length !== indexes.length) {
    throw k.refuse(
      'probe_position_y_m',
      `lengths differ: ${indexes.length} indexes, ${xm.length} x and ${ym.length} y positions`,
    );
  }
  return { xm, ym };
}

/** Probe: [H, W], or the first mode of [I, H, W] / [C, I, H, W]; square. */
function readProbe(k: ProductKeys): { probe: Float32Array; N: number } {
  const pr = k.get('probe');
  k.complex('probe', pr);
  if (pr.shape.length < 2 || pr.shape.length > 4)
    throw k.refuse('probe', `has shape ${shapeStr(pr.shape)}, expected [H, W], [I, H, W] or [C, I, H, W]`);
  const [ph, pw] = pr.shape.slice(-2);
  if (sizeOf(pr.shape) === 0 || ph !== pw)
    throw k.refuse(
      'probe',
      `has shape ${shapeStr(pr.shape)}: the model needs one square N×N probe`,
      'write a square probe (N×N)',
    );
  const N = ph;
  return { probe: (pr.data as Float32Array).slice(0, 2 * N * N), N };
}

/** Object: [L, H, W] (first layer), also [H, W]; the layer spacing has L − 1 values. */
function readObject(k: ProductKeys): { object: Float32Array; W: number; H: number } {
  const ob = k.get('object');
  k.complex('object', ob);
  if (ob.shape.length !== 2 && ob.shape.length !== 3)
    throw k.refuse('object', `has shape ${shapeStr(ob.shape)}, expected [L, H, W]`);
  const [H, W] = ob.shape.slice(-2);
  const L = ob.shape.length === 3 ? ob.shape[0] : 1;
  if (L < 1 || H < 1 || W < 1) throw k.refuse('object', `has shape ${shapeStr(ob.shape)}: empty`);
  const object = (ob.data as Float32Array).slice(0, 2 * H * W);
  const spacing = k.vector('object_layer_spacing_m');
  if (spacing.length !== L - 1)
    throw k.refuse(
      'object_layer_spacing_m',
      `holds ${spacing.length} values, expected ${L - 1} for ${L} object layer(s)`,
    );
  return { object, W, H };
}

/** Pixel sizes (the probe's must equal the object's) and the object centre → canvas origin in object pixels. */
function readGeometry(k: ProductKeys, W: number, H: number) {
  const ox = k.positive('object_pixel_width_m');
  const oy = k.positive('object_pixel_height_m');
  const pxw = k.positive('probe_pixel_width_m');
  const pxh = k.positive('probe_pixel_height_m');
  const same = (u: number, v: number) => Math.abs(u - v) <= 1e-6 * Math.max(u, v);
  if (!same(pxw, ox) || !same(pxh, oy)) {
    throw k.refuse(
      'probe_pixel_width_m',
      `(${pxw} × ${pxh} m) differs from the object pixel size (${ox} × ${oy} m): the probe must share the object's pixel grid`,
      'resample the probe to the object pixel size before saving',
    );
  }
  const cx = k.scalar('object_center_x_m');
  const cy = k.scalar('object_center_y_m');
  const snap = (v: number) => (Math.abs(v - Math.round(v)) < 1e-6 ? Math.round(v) : v);
  const origin: [number, number] = [snap(cx / ox - W / 2), snap(cy / oy - H / 2)];
  return { ox, oy, origin };
}

/** Loss history (optional; `costs` is an alias of `loss_values`). */
function readLoss(k: ProductKeys): ProductReadResult['loss'] {
  const valuesKey = k.has('loss_values') ? 'loss_values' : k.has('costs') ? 'costs' : null;
  if (!valuesKey) return undefined;
  const values = Array.from(k.vector(valuesKey));
  const epochs = k.has('loss_epochs') ? Array.from(k.vector('loss_epochs')) : values.map((_, i) => i);
  if (epochs.length !== values.length)
    throw k.refuse('loss_epochs', `holds ${epochs.length} epochs but "${valuesKey}" holds ${values.length} values`);
  return { epochs, values };
}

export function readPtychodusProduct(bytes: Uint8Array, fileName: string): ProductReadResult {
  const k = new ProductKeys(readNpz(bytes, { fileName, float64Keys: F64_KEYS }), fileName);
  const name = k.text('name');
  const comments = k.text('comments');
  const distanceM = k.scalar('detector_object_distance_m');
  const energyEV = k.scalar('probe_energy_eV');
  const exposureS = k.scalar('exposure_time_s');
  for (const key of ['probe_photon_count', 'mass_attenuation_m2_kg', 'tomography_angle_deg']) k.scalar(key, 0);
  const { xm, ym } = readPositions(k);
  const { probe, N } = readProbe(k);
  const { object, W, H } = readObject(k);
  const { ox, oy, origin } = readGeometry(k, W, H);
  const loss = readLoss(k);
  const out: ProductReadResult = {
    object,
    width: W,
    height: H,
    origin,
    probe,
    N,
    positionsX: xm.map((v) => v / ox),
    positionsY: ym.map((v) => v / oy),
    pixelSizeM: { x: ox, y: oy },
    name,
    comments,
    energyEV,
    distanceM,
    exposureS,
  };
  if (loss) out.loss = loss;
  return out;
}

/**
 * Physical parameters from a scan's `_metadata` JSON (specs/npz.md "Ptychodus product"), looked up at the top level
 * and under `physics_parameters`: `pixel_size_m` (number, [x, y] or {x, y}; also `object_pixel_size_m`),
 * `probe_energy_eV` (or `energy_eV`), `detector_distance_m` (or `detector_object_distance_m`), `exposure_time_s`.
 * Absent or non-positive values are left out (the product then uses 1 m per pixel and zeros).
 */
export function productPhysicsFromMetadata(
  meta: Record<string, unknown> | undefined,
): Pick<ProductWriteInput, 'pixelSizeM' | 'energyEV' | 'distanceM' | 'exposureS'> {
  const out: Pick<ProductWriteInput, 'pixelSizeM' | 'energyEV' | 'distanceM' | 'exposureS'> = {};
  if (!meta) return out;
  const phys = (
    typeof meta.physics_parameters === 'object' && meta.physics_parameters !== null ? meta.physics_parameters : {}
  ) as Record<string, unknown>;
  const find = (...keys: string[]): unknown => {
    for (const k of keys) {
      if (phys[k] !== undefined) return phys[k];
      if (meta[k] !== undefined) return meta[k];
    }
    return undefined;
  };
  const pos = (v: unknown): number | undefined =>
    typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;
  const ps = find('pixel_size_m', 'object_pixel_size_m');
  let x: number | undefined, y: number | undefined;
  if (Array.isArray(ps)) [x, y] = [pos(ps[0]), pos(ps[1])];
  else if (typeof ps === 'object' && ps !== null)
    [x, y] = [pos((ps as Record<string, unknown>).x), pos((ps as Record<string, unknown>).y)];
  else x = y = pos(ps);
  if (x !== undefined && y !== undefined) out.pixelSizeM = { x, y };
  const e = pos(find('probe_energy_eV', 'energy_eV'));
  if (e !== undefined) out.energyEV = e;
  const d = pos(find('detector_distance_m', 'detector_object_distance_m'));
  if (d !== undefined) out.distanceM = d;
  const t = pos(find('exposure_time_s'));
  if (t !== undefined) out.exposureS = t;
  return out;
}
