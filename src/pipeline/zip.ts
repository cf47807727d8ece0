/**
 * The zip layer under NPZ files and model archives (specs/npz.md): a validated central directory, declared sizes
 * checked before anything is inflated, members inflated into exactly their declared length and CRC-32 verified.
 * Damaged input is refused with a PtychoError before any large allocation: the central directory must lie inside the
 * file and hold the entries it declares; member names must be plain (no `..`, not absolute, no duplicates); members
 * may not overlap each other or the central directory; a STORED member's size equals its compressed size, a DEFLATE
 * member declares ≤ 1032 × compressed + 1 KiB and ≤ `maxBytes`, inflates to exactly that length and matches its CRC-32.
 */
import { Inflate, inflateSync } from 'fflate';
import { PtychoError } from '../errors';
import { corrupt, DEFAULT_MAX } from './npy';

/** Whether the bytes start with a zip local-header (or empty-archive) signature. */
export function isZip(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && (b[2] === 3 || b[2] === 5) && (b[3] === 4 || b[3] === 6);
}

/** One central-directory entry, every offset and size checked against the file. */
export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  /** Compressed bytes. */
  csize: number;
  /** Declared uncompressed bytes. */
  usize: number;
  /** Offset of the member's data (after its local header). */
  dataStart: number;
}

/** DEFLATE cannot expand by more than ~1032×; a larger claim is a damaged (or hostile) header. */
const DEFLATE_MAX_RATIO = 1032;

let CRC_TABLE: Uint32Array | null = null;

/** CRC-32 (zip / zlib polynomial 0xEDB88320). */
export function crc32(data: Uint8Array): number {
  if (!CRC_TABLE) {
    CRC_TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      CRC_TABLE[n] = c >>> 0;
    }
  }
  const t = CRC_TABLE;
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = t[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function decodeName(raw: Uint8Array, utf8Flag: boolean): string {
  if (utf8Flag) return new TextDecoder('utf-8').decode(raw);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    return new TextDecoder('latin1').decode(raw);
  }
}

/** Refuse member names that could not come from np.savez: empty, absolute, `..` components, NUL bytes. */
function checkName(name: string, file: string): void {
  const bad = (why: string) =>
    corrupt(
      file,
      `member name ${JSON.stringify(name.slice(0, 200))} ${why}`,
      're-save the arrays with np.savez(...): its member names are plain keys',
    );
  if (name.length === 0) throw bad('is empty');
  if (name.includes('\0')) throw bad('contains a NUL byte');
  if (/^[\\/]/.test(name) || /^[A-Za-z]:/.test(name)) throw bad('is an absolute path');
  if (name.split(/[\\/]/).includes('..')) throw bad('contains a ".." path component');
}

/** Where the central directory lies, from the end record (and its ZIP64 successor). */
interface DirectoryBounds {
  count: number;
  cdOff: number;
  cdSize: number;
  cdEnd: number;
}

/** Offset of the end-of-central-directory record; split archives are refused. */
function findEndRecord(dv: DataView, file: string): number {
  const n = dv.byteLength;
  if (n < 22)
    throw corrupt(file, 'the zip archive is damaged or truncated (shorter than an end-of-central-directory record)');
  let eocd = -1;
  for (let i = n - 22; i >= Math.max(0, n - 22 - 65535); i--) {
    if (dv.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw corrupt(file, 'the zip archive is damaged or truncated (no end-of-central-directory record)');
  if (dv.getUint16(eocd + 4, true) !== 0 || dv.getUint16(eocd + 6, true) !== 0) {
    throw new PtychoError(
      'npz-unsupported',
      `${file}: split (multi-disk) zip archives are not supported`,
      're-save the arrays as one file with np.savez(...)',
    );
  }
  return eocd;
}

/** Entry count and extent of the central directory, which must lie before the end record(s). */
function directoryBounds(dv: DataView, eocd: number, file: string): DirectoryBounds {
  let count = dv.getUint16(eocd + 10, true);
  let cdSize = dv.getUint32(eocd + 12, true);
  let cdOff = dv.getUint32(eocd + 16, true);
  let cdLimit = eocd;
  // ZIP64 end record (Python's zipfile writes one for > 65535 members or > 4 GiB archives).
  if (eocd >= 20 && dv.getUint32(eocd - 20, true) === 0x07064b50) {
    const z = Number(dv.getBigUint64(eocd - 20 + 8, true));
    if (!(z + 56 <= eocd - 20) || dv.getUint32(z, true) !== 0x06064b50)
      throw corrupt(file, 'the zip archive is damaged (bad ZIP64 end-of-central-directory record)');
    count = Number(dv.getBigUint64(z + 32, true));
    cdSize = Number(dv.getBigUint64(z + 40, true));
    cdOff = Number(dv.getBigUint64(z + 48, true));
    cdLimit = z;
  }
  const cdEnd = cdOff + cdSize;
  if (!(cdEnd <= cdLimit))
    throw corrupt(file, `the zip central directory (${cdSize} bytes at offset ${cdOff}) lies outside the file`);
  if (count > cdSize / 46)
    throw corrupt(
      file,
      `the zip end record declares ${count} entries but the central directory holds at most ${Math.floor(cdSize / 46)}`,
    );
  return { count, cdOff, cdSize, cdEnd };
}

/** The raw fields of one central-directory entry. */
interface CentralEntry {
  name: string;
  flags: number;
  method: number;
  crc: number;
  csize: number;
  usize: number;
  local: number;
  next: number;
}

/** ZIP64 extra field: 8-byte values for whichever 32-bit fields hold 0xFFFFFFFF, in this order. */
function applyZip64Extra(dv: DataView, start: number, stop: number, c: CentralEntry, file: string): void {
  for (let e = start; e + 4 <= stop;) {
    const id = dv.getUint16(e, true);
    const len = dv.getUint16(e + 2, true);
    const end = e + 4 + len;
    if (end > stop) throw corrupt(file, `member ${c.name}: damaged extra field in the zip central directory`);
    if (id === 1) {
      let q = e + 4;
      const take = (): number => {
        if (q + 8 > end) throw corrupt(file, `member ${c.name}: ZIP64 extra field too short`);
        const v = Number(dv.getBigUint64(q, true));
        q += 8;
        return v;
      };
      if (c.usize === 0xffffffff) c.usize = take();
      if (c.csize === 0xffffffff) c.csize = take();
      if (c.local === 0xffffffff) c.local = take();
    }
    e = end;
  }
}

/** Entry `i` at offset `p`, its ZIP64 sizes applied; it must end inside the central directory. */
function readCentralEntry(
  bytes: Uint8Array,
  dv: DataView,
  p: number,
  cdEnd: number,
  i: number,
  file: string,
): CentralEntry {
  if (p + 46 > cdEnd || dv.getUint32(p, true) !== 0x02014b50)
    throw corrupt(file, `the zip central directory is damaged (entry ${i})`);
  const flags = dv.getUint16(p + 8, true);
  const nlen = dv.getUint16(p + 28, true);
  const elen = dv.getUint16(p + 30, true);
  const clen = dv.getUint16(p + 32, true);
  const next = p + 46 + nlen + elen + clen;
  if (next > cdEnd) throw corrupt(file, `the zip central directory is damaged (entry ${i} runs past its end)`);
  const c: CentralEntry = {
    name: decodeName(bytes.subarray(p + 46, p + 46 + nlen), (flags & 0x800) !== 0),
    flags,
    method: dv.getUint16(p + 10, true),
    crc: dv.getUint32(p + 16, true),
    csize: dv.getUint32(p + 20, true),
    usize: dv.getUint32(p + 24, true),
    local: dv.getUint32(p + 42, true),
    next,
  };
  applyZip64Extra(dv, p + 46 + nlen, p + 46 + nlen + elen, c, file);
  return c;
}

/** A plain, unique, unencrypted member whose local header and data lie inside the file. */
function checkedEntry(dv: DataView, c: CentralEntry, seen: Set<string>, file: string): ZipEntry {
  const { name, flags, csize, local } = c;
  const n = dv.byteLength;
  checkName(name, file);
  if (seen.has(name))
    throw corrupt(
      file,
      `member ${name} appears twice in the zip archive`,
      're-save the arrays with np.savez(...): each key once',
    );
  seen.add(name);
  if (flags & 1)
    throw new PtychoError(
      'npz-unsupported',
      `${file}: member ${name} is encrypted`,
      'save without a password, with np.savez or np.savez_compressed',
    );
  if (local + 30 > n || dv.getUint32(local, true) !== 0x04034b50)
    throw corrupt(file, `member ${name}: local header missing or beyond the end of the file`);
  const dataStart = local + 30 + dv.getUint16(local + 26, true) + dv.getUint16(local + 28, true);
  if (dataStart + csize > n)
    throw corrupt(file, `member ${name} declares ${csize} bytes past the end of the file (truncated?)`);
  return { name, method: c.method, flags, crc: c.crc, csize, usize: c.usize, dataStart };
}

/** No member may share bytes with another or with the central directory. */
function checkNoOverlap(spans: [number, number, string][], file: string): void {
  spans.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  for (let i = 1; i < spans.length; i++) {
    const [s, , nm] = spans[i];
    const [, e0, nm0] = spans[i - 1];
    if (s < e0) throw corrupt(file, `zip members ${nm0} and ${nm} overlap (bytes ${s}–${e0})`);
  }
}

/**
 * Parse and validate the central directory: the end record(s), entry count, every entry's name, sizes and local
 * header, with no member overlapping another or the central directory. Nothing is inflated here.
 */
export function readZipDirectory(bytes: Uint8Array, file: string): ZipEntry[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { count, cdOff, cdEnd } = directoryBounds(dv, findEndRecord(dv, file), file);
  const entries: ZipEntry[] = [];
  const spans: [number, number, string][] = [];
  const seen = new Set<string>();
  let p = cdOff;
  for (let i = 0; i < count; i++) {
    const c = readCentralEntry(bytes, dv, p, cdEnd, i, file);
    p = c.next;
    const e = checkedEntry(dv, c, seen, file);
    spans.push([c.local, e.dataStart + e.csize, e.name]);
    entries.push(e);
  }
  spans.push([cdOff, cdEnd, '(central directory)']);
  checkNoOverlap(spans, file);
  return entries;
}

/** Sizes a member may declare: STORED = its compressed size; DEFLATE ≤ 1032 × compressed + 1 KiB. */
export function checkDeclaredSize(e: ZipEntry, file: string): void {
  if (e.method !== 0 && e.method !== 8)
    throw corrupt(
      file,
      `member ${e.name} uses zip compression method ${e.method}`,
      'save with np.savez or np.savez_compressed',
    );
  if (e.method === 0 && e.usize !== e.csize)
    throw corrupt(file, `member ${e.name} is stored (uncompressed) yet declares ${e.usize} bytes in ${e.csize}`);
  if (e.method === 8 && e.usize > e.csize * DEFLATE_MAX_RATIO + 1024)
    throw corrupt(file, `member ${e.name} claims ${e.usize} bytes from ${e.csize} compressed bytes`);
}

/** The full bytes of one member (sizes already checked), inflated into exactly the declared length, CRC-32 verified. */
export function memberBytes(bytes: Uint8Array, e: ZipEntry, file: string): Uint8Array {
  const comp = bytes.subarray(e.dataStart, e.dataStart + e.csize);
  let data: Uint8Array;
  if (e.method === 0) data = comp;
  else if (e.csize === 0 && e.usize === 0) data = comp;
  else {
    let out: Uint8Array;
    try {
      out = new Uint8Array(e.usize + 1); // one spare byte reveals a stream longer than declared
    } catch {
      throw new PtychoError(
        'npz-too-large',
        `${file}: member ${e.name} needs ${e.usize} bytes, more than this machine can allocate`,
        'load a smaller file, or subsample the scan before saving',
      );
    }
    try {
      data = inflateSync(comp, { out });
    } catch (err) {
      throw corrupt(file, `member ${e.name} does not inflate (${(err as Error).message})`);
    }
    if (data.length !== e.usize)
      throw corrupt(
        file,
        `member ${e.name} inflates to ${data.length === e.usize + 1 ? 'more than' : data.length} bytes but declares ${e.usize}`,
      );
  }
  const c = crc32(data);
  if (c !== e.crc)
    throw corrupt(
      file,
      `member ${e.name} fails its CRC-32 check (stored ${e.crc.toString(16).padStart(8, '0')}, computed ${c.toString(16).padStart(8, '0')})`,
    );
  return data;
}

/**
 * Every member of a zip (not only `.npy`), through the same checks as readNpz: a validated central directory (plain,
 * unique names; no overlaps; entry count within the directory), declared sizes checked before inflating, each member
 * inflated into exactly its declared length and CRC-32 verified, and the total declared size ≤ `maxBytes`. The
 * result has no prototype, so a member named "__proto__" is an ordinary entry. Used by the model-archive readers.
 */
export function unzipMembers(
  bytes: Uint8Array,
  opts: { fileName?: string; maxBytes?: number } = {},
): Record<string, Uint8Array> {
  const file = opts.fileName ?? '<memory>';
  if (!isZip(bytes)) throw corrupt(file, 'is not a zip archive', 'choose the zip file itself');
  const max = opts.maxBytes ?? DEFAULT_MAX;
  const entries = readZipDirectory(bytes, file).filter((e) => !e.name.endsWith('/'));
  let total = 0;
  for (const e of entries) {
    checkDeclaredSize(e, file);
    total += e.usize;
    if (total > max)
      throw new PtychoError(
        'npz-too-large',
        `${file}: member ${e.name} declares ${e.usize} bytes (total ${total}), above the ${max}-byte limit`,
        'the archive is damaged or far larger than a model',
      );
  }
  const out = Object.create(null) as Record<string, Uint8Array>;
  for (const e of entries) out[e.name] = memberBytes(bytes, e, file);
  return out;
}

/** Member names from the central directory (validated as in unzipMembers); nothing is inflated. */
export function zipMemberNames(bytes: Uint8Array, fileName = '<memory>'): string[] {
  if (!isZip(bytes)) throw corrupt(fileName, 'is not a zip archive', 'choose the zip file itself');
  return readZipDirectory(bytes, fileName).map((e) => e.name);
}

/** NPY header bytes we need at most (v1 header ≤ 65535 + 10; a v2 header beyond that is refused as corrupt). */
const HEAD_MAX = 65546;

/** The first ≤ HEAD_MAX bytes of a zip member: STORED = a slice, DEFLATE = a streamed prefix (never the whole). */
export function memberPrefix(bytes: Uint8Array, e: ZipEntry, file: string): Uint8Array {
  const comp = bytes.subarray(e.dataStart, e.dataStart + e.csize);
  if (e.method === 0) return comp.subarray(0, HEAD_MAX);
  const parts: Uint8Array[] = [];
  let got = 0;
  const inf = new Inflate((chunk) => {
    parts.push(chunk);
    got += chunk.length;
  });
  try {
    // Feed small slices until the header is out; the data themselves are never inflated in full.
    for (let o = 0; o < comp.length && got < HEAD_MAX; o += 4096)
      inf.push(comp.subarray(o, o + 4096), o + 4096 >= comp.length);
  } catch (err) {
    throw corrupt(file, `member ${e.name} does not inflate (${(err as Error).message})`);
  }
  const out = new Uint8Array(Math.min(got, HEAD_MAX));
  let o = 0;
  for (const p of parts) {
    if (o >= out.length) break;
    out.set(p.subarray(0, out.length - o), o);
    o += p.length;
  }
  return out;
}
