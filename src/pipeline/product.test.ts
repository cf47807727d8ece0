import { describe, expect, it } from 'vitest';
import { PtychoError } from '../errors';
import { listNpz, readNpz, writeNpz } from './npz';
import {
  PIXEL_UNITS_COMMENT,
  productPhysicsFromMetadata,
  readPtychodusProduct,
  writePtychodusProduct,
  type ProductWriteInput,
} from './product';

function sample(over: Partial<ProductWriteInput> = {}): ProductWriteInput {
  const W = 7,
    H = 5,
    N = 4,
    n = 6;
  const object = Float32Array.from({ length: 2 * W * H }, (_, i) => Math.sin(i) + 0.25);
  const probe = Float32Array.from({ length: 2 * N * N }, (_, i) => Math.cos(i * 0.7));
  const positionsX = Float64Array.from({ length: n }, (_, i) => 10.25 + 0.5 * i);
  const positionsY = Float64Array.from({ length: n }, (_, i) => 20.125 - 0.75 * i);
  return {
    object,
    width: W,
    height: H,
    origin: [8, 17],
    probe,
    positionsX,
    positionsY,
    lossEpochs: [0, 1, 2],
    lossValues: [3.5, 2.25, 1.125],
    ...over,
  };
}

/** The on-disk dtype and shape of every key, as numpy's np.load would report them (dtype.str, shape). */
const TABLE: Record<string, [string, number[] | 'n' | 'str']> = {
  name: ['<U', 'str'],
  comments: ['<U', 'str'],
  detector_object_distance_m: ['<f8', []],
  probe_energy_eV: ['<f8', []],
  exposure_time_s: ['<f8', []],
  probe_photon_count: ['<f8', []],
  mass_attenuation_m2_kg: ['<f8', []],
  tomography_angle_deg: ['<f8', []],
  probe_position_indexes: ['<i8', 'n'],
  probe_position_x_m: ['<f8', 'n'],
  probe_position_y_m: ['<f8', 'n'],
  probe: ['<c8', [4, 4]],
  probe_pixel_width_m: ['<f8', []],
  probe_pixel_height_m: ['<f8', []],
  object: ['<c8', [1, 5, 7]],
  object_center_x_m: ['<f8', []],
  object_center_y_m: ['<f8', []],
  object_pixel_width_m: ['<f8', []],
  object_pixel_height_m: ['<f8', []],
  object_layer_spacing_m: ['<f8', [0]],
  loss_epochs: ['<i8', [3]],
  loss_values: ['<f8', [3]],
};

/** The product with some keys dropped or replaced (re-written through writeNpz, STORED). */
function edited(
  bytes: Uint8Array,
  drop: string[],
  replace: Record<string, ReturnType<typeof readNpz>[string]> = {},
): Uint8Array {
  const all = readNpz(bytes, { float64Keys: Object.keys(TABLE) });
  for (const k of drop) delete all[k];
  return writeNpz({ ...all, ...replace });
}

describe('Ptychodus NPZ product', () => {
  it('writes every key with the dtype and shape of the Ptychodus table, STORED like np.savez', () => {
    const bytes = writePtychodusProduct(sample());
    const list = listNpz(bytes, { fileName: 'p.npz' });
    expect(list.map((e) => e.key).sort()).toEqual(Object.keys(TABLE).sort());
    for (const e of list) {
      const [descr, shape] = TABLE[e.key];
      if (shape === 'str') {
        expect(e.dtypeOnDisk, e.key).toMatch(/^<U\d+$/);
        expect(e.shape, e.key).toEqual([]);
      } else {
        expect(e.dtypeOnDisk, e.key).toBe(descr);
        expect(e.shape, e.key).toEqual(shape === 'n' ? [6] : shape);
      }
      expect(e.fortranOrder).toBe(false);
    }
    // Zip local headers: compression method 0 (STORED) for every member.
    const dv = new DataView(bytes.buffer, bytes.byteOffset);
    let members = 0;
    for (let p = 0; p + 30 <= bytes.length; p++) {
      if (dv.getUint32(p, true) === 0x04034b50) {
        expect(dv.getUint16(p + 8, true)).toBe(0);
        members++;
      }
    }
    expect(members).toBe(Object.keys(TABLE).length);
  });

  it('reads with readNpz as numpy would: exact dtypes, values in metres, pixel-units convention stated', () => {
    const s = sample();
    const a = readNpz(writePtychodusProduct(s), { float64Keys: Object.keys(TABLE) });
    expect(a.name.dtype).toBe('str');
    expect(a.name.text).toBe('ptychopinn-web reconstruction');
    expect(a.comments.text).toBe(PIXEL_UNITS_COMMENT);
    expect(a.probe_position_indexes.dtype).toBe('i64');
    expect(Array.from(a.probe_position_indexes.data)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(a.probe_position_x_m.dtype).toBe('f64');
    expect(Array.from(a.probe_position_x_m.data)).toEqual(Array.from(s.positionsX));
    // Every f8 scalar: pixel units (1 m a pixel), the centre x_px = (x_m − cx)/pw + W/2 = canvas pixel x − origin,
    // and 0 for what the sample leaves unknown (energy, distance, exposure, photons, attenuation, angle).
    const scalars: Record<string, number> = {
      object_pixel_width_m: 1,
      object_pixel_height_m: 1,
      probe_pixel_width_m: 1,
      probe_pixel_height_m: 1,
      object_center_x_m: 8 + 7 / 2,
      object_center_y_m: 17 + 5 / 2,
    };
    for (const [k, [descr, shape]] of Object.entries(TABLE))
      if (descr === '<f8' && Array.isArray(shape) && shape.length === 0) {
        expect(a[k].dtype, k).toBe('f64');
        expect(a[k].data[0], k).toBe(scalars[k] ?? 0);
      }
    expect(a.object.dtype).toBe('c64');
    expect(Array.from(a.object.data)).toEqual(Array.from(s.object));
    expect(Array.from(a.probe.data)).toEqual(Array.from(s.probe));
    expect(a.loss_epochs.dtype).toBe('i64');
    expect(Array.from(a.loss_values.data)).toEqual([3.5, 2.25, 1.125]);
  });

  it('round trip: object, origin, probe, positions (object pixels), loss history; physical pixel size', () => {
    for (const pixelSizeM of [undefined, { x: 5e-8, y: 7.5e-8 }]) {
      const s = sample({
        pixelSizeM,
        energyEV: 8800,
        distanceM: 1.5,
        exposureS: 0.1,
        name: 'run 7',
        comments: 'hello',
      });
      const r = readPtychodusProduct(writePtychodusProduct(s), 'p.npz');
      expect([r.width, r.height, r.N]).toEqual([7, 5, 4]);
      expect(r.origin[0]).toBeCloseTo(8, 9);
      expect(r.origin[1]).toBeCloseTo(17, 9);
      expect(Array.from(r.object)).toEqual(Array.from(s.object));
      expect(Array.from(r.probe)).toEqual(Array.from(s.probe));
      r.positionsX.forEach((v, i) => expect(v).toBeCloseTo(s.positionsX[i], 9));
      r.positionsY.forEach((v, i) => expect(v).toBeCloseTo(s.positionsY[i], 9));
      expect(r.pixelSizeM).toEqual(pixelSizeM ?? { x: 1, y: 1 });
      expect(r.loss).toEqual({ epochs: [0, 1, 2], values: [3.5, 2.25, 1.125] });
      expect([r.name, r.energyEV, r.distanceM, r.exposureS]).toEqual(['run 7', 8800, 1.5, 0.1]);
      expect(r.comments).toBe(pixelSizeM ? 'hello' : `hello\n${PIXEL_UNITS_COMMENT}`);
    }
    // Pixel units: exact.
    const r = readPtychodusProduct(
      writePtychodusProduct(sample({ lossValues: undefined, lossEpochs: undefined })),
      'p.npz',
    );
    expect(r.origin).toEqual([8, 17]);
    expect(Array.from(r.positionsX)).toEqual(Array.from(sample().positionsX));
    expect(r.loss).toBeUndefined();
  });

  it('reads other writers: probe modes [C, I, H, W], `costs` alias, optional keys defaulted, unicode text', () => {
    const bytes = writePtychodusProduct(sample());
    const s = sample();
    const modes = new Float32Array(2 * 2 * 3 * 16);
    modes.set(s.probe);
    modes.fill(9, s.probe.length);
    const other = edited(
      bytes,
      ['loss_values', 'loss_epochs', 'probe_photon_count', 'mass_attenuation_m2_kg', 'tomography_angle_deg'],
      {
        probe: { dtype: 'c64', shape: [2, 3, 4, 4], data: modes },
        costs: { dtype: 'f32', shape: [2], data: Float32Array.of(4, 2) },
        name: { dtype: 'str', shape: [], data: new Uint8Array(0), text: 'Ω-scan ✓' },
      },
    );
    const r = readPtychodusProduct(other, 'other.npz');
    expect(Array.from(r.probe)).toEqual(Array.from(s.probe));
    expect(r.loss).toEqual({ epochs: [0, 1], values: [4, 2] });
    expect(r.name).toBe('Ω-scan ✓');
  });

  it('refuses a product missing a required key or with an ill-typed one, naming the file and the key', () => {
    const bytes = writePtychodusProduct(sample());
    const refused = (b: Uint8Array): PtychoError => {
      try {
        readPtychodusProduct(b, 'bad.npz');
      } catch (e) {
        expect(e).toBeInstanceOf(PtychoError);
        return e as PtychoError;
      }
      throw new Error('not refused');
    };
    for (const key of [
      'probe_energy_eV',
      'detector_object_distance_m',
      'exposure_time_s',
      'probe',
      'object',
      'probe_position_x_m',
      'probe_position_indexes',
      'object_pixel_width_m',
      'object_center_y_m',
      'object_layer_spacing_m',
    ]) {
      const e = refused(edited(bytes, [key]));
      expect(e.message).toBe(`bad.npz: Ptychodus product key "${key}" is missing`);
      expect(e.code).toBe('contract');
    }
    const cases: [Record<string, ReturnType<typeof readNpz>[string]>, RegExp][] = [
      [
        { object: { dtype: 'f32', shape: [1, 5, 7], data: new Float32Array(35) } },
        /bad\.npz: .*"object" has dtype f32, expected complex/,
      ],
      [
        { probe_energy_eV: { dtype: 'str', shape: [], data: new Uint8Array(0), text: 'x' } },
        /"probe_energy_eV" has dtype str/,
      ],
      [
        { probe_energy_eV: { dtype: 'f64', shape: [2], data: new Float64Array(2) } },
        /"probe_energy_eV" has shape \(2,\), expected a 0-d scalar/,
      ],
      [
        { probe_position_indexes: { dtype: 'f64', shape: [6], data: new Float64Array(6) } },
        /"probe_position_indexes" has dtype f(32|64), expected integers/,
      ],
      [
        { probe_position_y_m: { dtype: 'f64', shape: [5], data: new Float64Array(5) } },
        /"probe_position_y_m" lengths differ/,
      ],
      [
        { object_pixel_width_m: { dtype: 'f64', shape: [], data: Float64Array.of(0) } },
        /"object_pixel_width_m" is 0, expected a positive pixel size/,
      ],
      [
        { probe_pixel_width_m: { dtype: 'f64', shape: [], data: Float64Array.of(2) } },
        /"probe_pixel_width_m" .* differs from the object pixel size/,
      ],
      [{ probe: { dtype: 'c64', shape: [4, 3], data: new Float32Array(24) } }, /"probe" has shape \(4, 3\)/],
      [
        { name: { dtype: 'f64', shape: [], data: Float64Array.of(1) } },
        /"name" has dtype f32 shape \(\), expected a 0-d unicode string/,
      ],
      [
        { object_layer_spacing_m: { dtype: 'f64', shape: [1], data: Float64Array.of(1) } },
        /"object_layer_spacing_m" holds 1 values, expected 0/,
      ],
    ];
    for (const [rep, msg] of cases) expect(refused(edited(bytes, [], rep)).message).toMatch(msg);
  });

  it('takes pixel size, energy and distance from scan metadata when present', () => {
    expect(productPhysicsFromMetadata(undefined)).toEqual({});
    expect(productPhysicsFromMetadata({ physics_parameters: { nphotons: 1e9 } })).toEqual({});
    expect(
      productPhysicsFromMetadata({
        physics_parameters: { pixel_size_m: 2e-8, probe_energy_eV: 8800, detector_distance_m: 2 },
      }),
    ).toEqual({ pixelSizeM: { x: 2e-8, y: 2e-8 }, energyEV: 8800, distanceM: 2 });
    expect(
      productPhysicsFromMetadata({ object_pixel_size_m: [1e-8, 3e-8], energy_eV: 500, exposure_time_s: 0.5 }),
    ).toEqual({ pixelSizeM: { x: 1e-8, y: 3e-8 }, energyEV: 500, exposureS: 0.5 });
    expect(productPhysicsFromMetadata({ pixel_size_m: -1 })).toEqual({});
  });
});
