/**
 * NPZ reading, listing and writing (specs/npz.md): the keys of a zip of `.npy` members. The .npy codec is in npy.ts
 * and npyDecode.ts, the validated zip layer in zip.ts. Every selected member's declared size is checked (against its
 * compressed size, the cap and the running total) before anything is inflated. Writing produces files numpy reads:
 * zip STORED (np.savez) or DEFLATE (np.savez_compressed) with a fixed timestamp.
 */
import { zipSync } from 'fflate';
import { PtychoError } from '../errors';
import { sizeOf, type NdArray } from './ndarray';
import { corrupt, DEFAULT_MAX, isNpy, parseDescr, parseHeader, writeNpy, type NpzReadOptions } from './npy';
import { readNpy } from './npyDecode';
import { checkDeclaredSize, isZip, memberBytes, memberPrefix, readZipDirectory, type ZipEntry } from './zip';

export type { NpzReadOptions } from './npy';

export interface NpzWriteOptions {
  /** DEFLATE (np.savez_compressed) instead of STORED (np.savez). */
  compress?: boolean;
}

/** The array members of an archive as [key, entry] (directories and unselected keys skipped; a key twice is refused). */
function* arrayMembers(
  entries: Iterable<ZipEntry>,
  file: string,
  only?: readonly string[],
): Generator<[string, ZipEntry]> {
  const keys = new Set<string>();
  for (const e of entries) {
    if (e.name.endsWith('/')) continue;
    const key = e.name.replace(/\.npy$/, '');
    if (only && !only.includes(key)) continue;
    if (keys.has(key))
      throw corrupt(
        file,
        `key "${key}" appears twice in the archive (member ${e.name})`,
        're-save the arrays with np.savez(...): each key once',
      );
    keys.add(key);
    yield [key, e];
  }
}

/** The `.npy` members to read (directories and unselected keys skipped), every size checked before inflating. */
function selectMembers(entries: ZipEntry[], opts: NpzReadOptions, file: string): ZipEntry[] {
  const max = opts.maxBytes ?? DEFAULT_MAX;
  const chosen: ZipEntry[] = [];
  let total = 0;
  for (const [, e] of arrayMembers(entries, file, opts.keys)) {
    total += e.usize;
    if (e.usize > max || total > max) {
      if (e.method !== 0 && e.method !== 8) checkDeclaredSize(e, file); // an unknown method is the better message
      throw new PtychoError(
        'npz-too-large',
        `${file}: member ${e.name} declares ${e.usize} bytes (total ${total}), above the ${max}-byte limit`,
        'load a smaller file, or subsample the scan before saving',
      );
    }
    checkDeclaredSize(e, file);
    chosen.push(e);
  }
  return chosen;
}

/** Decode every `.npy` member of an NPZ (zip). */
export function readNpz(bytes: Uint8Array, opts: NpzReadOptions = {}): Record<string, NdArray> {
  const file = opts.fileName ?? '<memory>';
  if (!isZip(bytes))
    throw corrupt(
      file,
      isNpy(bytes) ? 'is a single .npy array, not an .npz archive' : 'is not an NPZ (zip) file',
      'save the scan with np.savez(...)',
    );
  const chosen = selectMembers(readZipDirectory(bytes, file), opts, file);
  const out: Record<string, NdArray> = {};
  for (const e of chosen) {
    const key = e.name.replace(/\.npy$/, '');
    // defineProperty: a key such as "__proto__" becomes an ordinary entry, never the object's prototype.
    Object.defineProperty(out, key, {
      value: readNpy(memberBytes(bytes, e, file), key, opts),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  if (Object.keys(out).length === 0 && !opts.keys)
    throw corrupt(file, 'the archive holds no arrays', 'save the scan with np.savez(...)');
  return out;
}

/** NPZ, or a single NPY (returned under its base name). */
export function readArrayFile(bytes: Uint8Array, opts: NpzReadOptions = {}): Record<string, NdArray> {
  const file = opts.fileName ?? '<memory>';
  if (isNpy(bytes)) {
    const key = file.replace(/^.*[\\/]/, '').replace(/\.npy$/i, '') || 'array';
    return { [key]: readNpy(bytes, key, opts) };
  }
  if (isZip(bytes)) return readNpz(bytes, opts);
  throw corrupt(file, 'is neither an NPZ archive nor an NPY array', 'drop a .npz saved with np.savez (or a .npy)');
}

export interface NpzEntryInfo {
  key: string;
  dtypeOnDisk: string;
  shape: number[];
  fortranOrder: boolean;
  bytes: number;
}

/** Headers of every member (key, on-disk dtype, shape, order, data bytes) from the central directory: no data inflated. */
export function listNpz(bytes: Uint8Array, opts: NpzReadOptions = {}): NpzEntryInfo[] {
  const file = opts.fileName ?? '<memory>';
  if (isNpy(bytes)) {
    const key = file.replace(/^.*[\\/]/, '').replace(/\.npy$/i, '') || 'array';
    const h = parseHeader(bytes, `${file}, key "${key}"`);
    return [{ key, dtypeOnDisk: h.descr, shape: h.shape, fortranOrder: h.fortran, bytes: bytes.length - h.dataOffset }];
  }
  if (!isZip(bytes))
    throw corrupt(file, 'is neither an NPZ archive nor an NPY array', 'drop a .npz saved with np.savez (or a .npy)');
  const out: NpzEntryInfo[] = [];
  for (const [key, e] of arrayMembers(readZipDirectory(bytes, file), file, opts.keys)) {
    checkDeclaredSize(e, file);
    const head = memberPrefix(bytes, e, file);
    const h = parseHeader(head, `${file}, key "${key}"`);
    const dt = parseDescr(h.descr, `${file}, key "${key}"`);
    out.push({ key, dtypeOnDisk: h.descr, shape: h.shape, fortranOrder: h.fortran, bytes: sizeOf(h.shape) * dt.size });
  }
  return out;
}

export function writeNpz(arrays: Record<string, NdArray>, opts: NpzWriteOptions = {}): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  for (const [k, a] of Object.entries(arrays)) files[`${k}.npy`] = writeNpy(a);
  // A fixed timestamp makes the bytes depend on the arrays only (reproducible exports).
  return zipSync(files, { level: opts.compress ? 6 : 0, mtime: '1980-01-01T00:00:00' });
}
