#!/usr/bin/env python3
"""numpy-written NPZ/NPY fixtures for src/pipeline/npz.test.ts (seeded; a few KB). Run: python3 scripts/make_npz_fixtures.py

Writes tests/fixtures/npz/: all_dtypes.npz (savez), all_dtypes_compressed.npz (savez_compressed), expected.json
(values as numpy reads them, complex as [re, im] pairs), single.npy, object.npz, structured.npz, int64_big.npz,
same_as_ours.npz (arrays our writer must reproduce byte for byte), and checks ours_written.npz if present
(written by our writer in the test run that produced it) by loading it with numpy.
"""
import json, os, sys
import numpy as np

out = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'npz')
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(20261122)
base = rng.standard_normal((3, 4))
arrays = {
    'f4': base.astype('<f4'),
    'f8': base.astype('<f8'),
    'f8_be': base.astype('>f8'),
    'f4_be': base.astype('>f4'),
    'f2': base.astype('<f2'),
    'c8': (base + 1j * base[::-1]).astype('<c8'),
    'c16': (base + 1j * base[::-1]).astype('<c16'),
    'c8_be': (base + 1j * base[::-1]).astype('>c8'),
    'i1': np.array([-128, 0, 127], dtype='i1'),
    'u1': np.array([0, 200, 255], dtype='u1'),
    'i2': np.array([-32768, 5, 32767], dtype='<i2'),
    'u2': np.array([0, 40000, 65535], dtype='<u2'),
    'i4': np.array([-2**31, 7, 2**31 - 1], dtype='<i4'),
    'u4': np.array([0, 3_000_000_000, 2**32 - 1], dtype='<u4'),
    'i8': np.array([-(2**53), -5, 2**53], dtype='<i8'),
    'u8': np.array([0, 12345678901234, 2**53], dtype='<u8'),
    'i4_be': np.array([-3, 70000, 1], dtype='>i4'),
    'b1': np.array([True, False, True, True]),
    'scalar_f8': np.float64(3.25),
    'fortran_f4': np.asfortranarray(np.arange(24, dtype='<f4').reshape(2, 3, 4)),
    'fortran_c8': np.asfortranarray((np.arange(6) + 1j * np.arange(6)[::-1]).astype('<c8').reshape(2, 3)),
    '_metadata': np.array(json.dumps({'physics_parameters': {'nphotons': 1e9}, 'ünïcode': 'ok'})),
    'bytes_s': np.array(b'hello'),
    'nested/key': np.arange(5, dtype='<f4'),
}
np.savez(os.path.join(out, 'all_dtypes.npz'), **arrays)
np.savez_compressed(os.path.join(out, 'all_dtypes_compressed.npz'), **arrays)

def enc(a):
    a = np.asarray(a)
    if a.dtype.kind == 'c':
        return {'shape': list(a.shape), 'values': [[float(v.real), float(v.imag)] for v in a.ravel(order='C')]}
    if a.dtype.kind in 'US':
        v = a.item()
        return {'shape': list(a.shape), 'text': v.decode() if isinstance(v, bytes) else v}
    return {'shape': list(a.shape), 'values': [float(v) for v in a.astype('f8').ravel(order='C')]}

json.dump({k: enc(v) for k, v in arrays.items()}, open(os.path.join(out, 'expected.json'), 'w'))
np.save(os.path.join(out, 'single.npy'), arrays['f4'])
np.savez(os.path.join(out, 'object.npz'), ok=np.zeros(2), meta=np.array([{'a': 1}], dtype=object))
np.savez(os.path.join(out, 'structured.npz'), rec=np.zeros(3, dtype=[('x', '<f4'), ('y', '<i4')]))
np.savez(os.path.join(out, 'int64_big.npz'), big=np.array([0, 2**53 + 1], dtype='<i8'))
# Arrays our writer must reproduce byte for byte (the .npy members).
np.savez(os.path.join(out, 'same_as_ours.npz'),
         f32=np.arange(12, dtype='<f4').reshape(3, 4), c64=(np.arange(5) * (1 + 2j)).astype('<c8'),
         scalar=np.float32(7.5), i32=np.array([1, -2, 3], dtype='<i4'), big=np.zeros((2, 3, 4, 5), dtype='<f4'),
         meta=np.array('{"a": 1}'), flags=np.array([True, False]), long=np.arange(123456, 123466, dtype='<i8'),
         f64=np.arange(7, dtype='<f8') / 8)

# What listNpz must report for the dtype fixtures: numpy's own view of each member's header.
listing = {}
for name in ['all_dtypes.npz', 'all_dtypes_compressed.npz']:
    z = np.load(os.path.join(out, name))
    listing[name] = [{'key': k, 'dtypeOnDisk': z[k].dtype.str, 'shape': list(z[k].shape),
                      'fortranOrder': bool(z[k].flags.f_contiguous and not z[k].flags.c_contiguous),
                      'bytes': int(z[k].nbytes)} for k in z.files]
with open(os.path.join(out, 'listing.json'), 'w') as f:
    json.dump(listing, f, indent=1)

ours = os.path.join(out, 'ours_written.npz')
if os.path.exists(ours):
    z = np.load(ours)
    assert z['f32'].dtype == np.float32 and z['f32'].shape == (3, 4) and (z['f32'] == np.arange(12).reshape(3, 4)).all()
    assert z['c64'].dtype == np.complex64 and (z['c64'] == (np.arange(5) * (1 + 2j))).all()
    assert z['meta'].item() == '{"a": 1}' and z['long'][0] == 123456 and z['flags'].tolist() == [True, False]
    print('numpy reads ours_written.npz: OK')
print('fixtures written to', out)
