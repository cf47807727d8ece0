#!/usr/bin/env python3
"""Copy the golden arrays our tests need from ../shared/golden/*.npz into tests/fixtures/golden/<set>/.

Each set becomes a folder with one raw little-endian file per array (<key>.f32 / .c64 / .i32 / .u8, '/' in keys
replaced by '__') and an index.json {key: {dtype, shape, file}}. Tests load them with src/testing/fixtures.ts
(no dependency on our own NPZ reader, so golden tests stay independent oracles).
Usage: python3 scripts/extract_golden.py [--tolerances] SET SOURCE.npz KEY [KEY ...]   (a KEY ending in '*' is a prefix)
0-d arrays (scalars) are written with shape [1]. --tolerances (full-model files model_*.npz only) also writes
tolerances.json from the file's meta: f64_loss, per_param_l2_rel_own (float32 grad vs the float64 re-run),
grad_none_keys, physics_scaling_constant, padded_size_M, and where present architecture, generator classes,
aliases (state_dict keys that are one tensor), state_dict_keys and the other f32-vs-f64 relative errors.
"""
import json, os, sys
import numpy as np

def main():
    args = sys.argv[1:]
    want_tol = '--tolerances' in args
    args = [a for a in args if a != '--tolerances']
    name, src, keys = args[0], args[1], args[2:]
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
        index[k] = {'dtype': dt, 'shape': list(a.shape) or [1], 'file': fn}
    json.dump(index, open(idx_path, 'w'), indent=1, sort_keys=True)
    if want_tol:
        meta = json.loads(bytes(z['_meta_json']).decode('utf-8'))
        tc = meta['tolerance_checks']
        tol = {
            'f64_loss': tc['f64_loss'],
            'per_param_l2_rel_own': {k: v['l2_rel_own'] for k, v in tc['grad_f32_vs_f64_per_param'].items()},
            'grad_none_keys': meta['grad_none_keys'],
            'physics_scaling_constant': meta['physics_scaling_constant'],
            'padded_size_M': meta['padded_size_M'],
        }
        for k in ('architecture', 'registry_generator', 'generator_core_class', 'aliases', 'state_dict_keys',
                  'named_parameters', 'generator_raw_shape', 'param_count_real_scalars'):
            if k in meta:
                tol[k] = meta[k]
        if 'model_config' in meta:
            tol['model_config'] = {k: v for k, v in meta['model_config'].items()
                                   if k.startswith('fno_') or k in ('architecture', 'generator_output_mode',
                                                                    'C_model', 'C_forward', 'object_big', 'probe_big')}
        rel = {k: v for k, v in tc.items() if k.startswith('relerr_') or k.startswith('threads8_relerr')
               or (k.startswith('grad_') and not isinstance(v, (dict, list)))}
        if rel:
            tol['relerr'] = rel
        json.dump(tol, open(os.path.join(out, 'tolerances.json'), 'w'), indent=1, sort_keys=True)
    print(f'{name}: {len(chosen)} arrays')

main()
