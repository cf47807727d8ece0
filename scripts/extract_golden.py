#!/usr/bin/env python3
"""Copy the golden arrays our tests need from ../shared/golden/*.npz into tests/fixtures/golden/<set>/.

Each set becomes a folder with one raw little-endian file per array (<key>.f32 / .c64 / .i32 / .u8, '/' in keys
replaced by '__') and an index.json {key: {dtype, shape, file}}. Tests load them with src/testing/fixtures.ts
(no dependency on our own NPZ reader, so golden tests stay independent oracles).
Usage: python3 scripts/extract_golden.py SET SOURCE.npz KEY [KEY ...]   (a KEY ending in '*' is a prefix)
"""
import json, os, sys
import numpy as np

def main():
    name, src, keys = sys.argv[1], sys.argv[2], sys.argv[3:]
    z = np.load(src)
    out = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'golden', name)
    os.makedirs(out, exist_ok=True)
    idx_path = os.path.join(out, 'index.json')
    index = json.load(open(idx_path)) if os.path.exists(idx_path) else {}
    chosen = []
    for k in keys:
        if k.endswith('*'):
            chosen += [x for x in z.files if x.startswith(k[:-1])]
        else:
            chosen.append(k)
    for k in chosen:
        a = np.ascontiguousarray(z[k])
        if a.dtype == np.complex64: dt, ext = 'c64', 'c64'
        elif a.dtype == np.float32: dt, ext = 'f32', 'f32'
        elif a.dtype == np.int32: dt, ext = 'i32', 'i32'
        elif a.dtype == np.uint8: dt, ext = 'u8', 'u8'
        else: raise SystemExit(f'{k}: unsupported dtype {a.dtype}')
        fn = k.replace('/', '__') + '.' + ext
        a.astype(a.dtype.newbyteorder('<')).tofile(os.path.join(out, fn))
        index[k] = {'dtype': dt, 'shape': list(a.shape), 'file': fn}
    json.dump(index, open(idx_path, 'w'), indent=1, sort_keys=True)
    print(f'{name}: {len(chosen)} arrays')

main()
