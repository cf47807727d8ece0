/**
 * Zip-structure mutations for the reader fuzzer: a plain zip builder that allows duplicates and odd names, and edits of
 * header fields, counts, offsets, names, nesting, bombs and ZIP64 lies (the checks they probe are in specs/npz.md).
 */
import { deflateSync, unzipSync, zipSync } from 'fflate';
import { crc32 } from '../../pipeline/zip';
import { concat, concatAll, EDGE32, u16, u32, u64, type FuzzRng } from './mutate';

export interface ZipMember {
  name: string;
  data: Uint8Array;
  deflate?: boolean;
}

export interface ZipLayout {
  bytes: Uint8Array;
  locals: number[];
  cds: number[];
  eocd: number;
}

/** A plain zip (no data descriptors), duplicates and odd names allowed; offsets returned for later edits. */
export function buildZip(members: ZipMember[]): ZipLayout {
  const parts: Uint8Array[] = [];
  const cdParts: Uint8Array[] = [];
  const locals: number[] = [];
  let off = 0;
  const enc = new TextEncoder();
  const metas: { name: Uint8Array; crc: number; c: number; u: number; method: number; local: number }[] = [];
  for (const m of members) {
    const name = enc.encode(m.name);
    const comp = m.deflate ? deflateSync(m.data) : m.data;
    const method = m.deflate ? 8 : 0;
    const crc = crc32(m.data);
    const lh = concat(
      u32(0x04034b50),
      u16(20),
      u16(0x800),
      u16(method),
      u16(0),
      u16(0x21),
      u32(crc),
      u32(comp.length),
      u32(m.data.length),
      u16(name.length),
      u16(0),
      name,
    );
    locals.push(off);
    metas.push({ name, crc, c: comp.length, u: m.data.length, method, local: off });
    parts.push(lh, comp);
    off += lh.length + comp.length;
  }
  const cdOff = off;
  const cds: number[] = [];
  for (const m of metas) {
    cds.push(off);
    const cd = concat(
      u32(0x02014b50),
      u16(20),
      u16(20),
      u16(0x800),
      u16(m.method),
      u16(0),
      u16(0x21),
      u32(m.crc),
      u32(m.c),
      u32(m.u),
      u16(m.name.length),
      u16(0),
      u16(0),
      u16(0),
      u16(0),
      u32(0),
      u32(m.local),
      m.name,
    );
    cdParts.push(cd);
    off += cd.length;
  }
  const eocd = off;
  const end = concat(
    u32(0x06054b50),
    u16(0),
    u16(0),
    u16(metas.length),
    u16(metas.length),
    u32(off - cdOff),
    u32(cdOff),
    u16(0),
  );
  return { bytes: concatAll([...parts, ...cdParts, end]), locals, cds, eocd };
}

export function membersOf(zip: Uint8Array): ZipMember[] {
  return Object.entries(unzipSync(zip)).map(([name, data]) => ({ name, data, deflate: data.length > 64 }));
}

const BAD_NAMES = [
  '../evil.npy',
  '../../etc/passwd',
  '/abs.npy',
  'C:\\win.npy',
  'a/../../b.npy',
  '',
  'a\0b.npy',
  '__proto__',
  '__proto__.npy',
  'constructor',
  'dir/',
  'x'.repeat(300),
];

/** Edits that change the members and rebuild the zip (ops 0–4); null for the in-place field edits. */
function memberEdit(members: ZipMember[], ms: ZipMember[], i: number, op: number, r: FuzzRng): Uint8Array | null {
  switch (op) {
    case 0: // duplicate name
      if (ms.length > 1) ms[(i + 1) % ms.length].name = ms[i].name;
      else ms.push({ ...ms[0] });
      return buildZip(ms).bytes;
    case 1: // hostile / odd names
      ms[i].name = r.pick(BAD_NAMES);
      return buildZip(ms).bytes;
    case 2: {
      // nested zip: a member replaced by the zip itself, or by a zip of zips
      const self = buildZip(members).bytes;
      ms[i].data = r.chance(0.5)
        ? self
        : zipSync({ 'inner.zip': self, 'again.zip': zipSync({ 'x.zip': self }) }, { level: 0 });
      return buildZip(ms).bytes;
    }
    case 3: // a deflate bomb member (legitimately ≤ 1032×) next to the real ones
      ms.push({
        name: r.pick(['bomb.npy', 'manifest.json', 'diffraction_to_obj/weights.npz', 'zeros']),
        data: new Uint8Array(1 << (16 + r.int(5))),
        deflate: true,
      });
      return buildZip(ms).bytes;
    case 4: // drop a member
      ms.splice(i, 1);
      return buildZip(ms.length ? ms : [{ name: 'x', data: new Uint8Array(0) }]).bytes;
    default:
      return null;
  }
}

/** A ZIP64 locator + end record declaring a huge entry count / offsets. */
function zip64Lie(z: ZipLayout, r: FuzzRng): Uint8Array {
  const b = z.bytes;
  const z64 = concat(
    u32(0x06064b50),
    u64(44n),
    u16(45),
    u16(45),
    u32(0),
    u32(0),
    u64(BigInt(r.pick([0xffffffff, 2 ** 32 + 5, 1e12]))),
    u64(BigInt(r.pick([0xffffffff, 2 ** 40]))),
    u64(BigInt(r.pick([0xffffffff, 2 ** 33, 0]))),
    u64(BigInt(r.pick([0, 2 ** 33]))),
  );
  const head = b.subarray(0, z.eocd);
  const loc = concat(u32(0x07064b50), u32(0), u64(BigInt(head.length)), u32(1));
  const end = b.slice(z.eocd);
  new DataView(end.buffer).setUint16(8, 0xffff, true);
  new DataView(end.buffer).setUint16(10, 0xffff, true);
  return concat(head, z64, loc, end);
}

/** In-place lies in one member's central/local header or the end record (ops 5–14); `count` members. */
function fieldEdit(z: ZipLayout, count: number, i: number, op: number, r: FuzzRng): void {
  const b = z.bytes;
  const dv = new DataView(b.buffer);
  const cd = z.cds[i];
  const lh = z.locals[i];
  const val = () => (r.chance(0.7) ? r.pick(EDGE32) : r.int(b.length * 2));
  switch (op) {
    case 5:
      dv.setUint32(cd + 24, r.chance(0.5) ? val() : dv.getUint32(cd + 20, true) * (1000 + r.int(5000)), true);
      break; // CD usize
    case 6:
      dv.setUint32(cd + 20, val(), true);
      break; // CD csize
    case 7:
      dv.setUint32(lh + 18 + 4 * r.int(2), val(), true);
      break; // local csize/usize
    case 8:
      dv.setUint32(cd + 16, dv.getUint32(cd + 16, true) ^ (1 << r.int(32)), true);
      break; // CRC
    case 9:
      dv.setUint16(z.eocd + 8 + 2 * r.int(2), r.pick([0, count - 1, count + 1, 0xffff, r.int(0x10000)]), true);
      break; // entry counts
    case 10:
      dv.setUint32(z.eocd + 12 + 4 * r.int(2), val(), true);
      break; // CD size / offset
    case 11:
      dv.setUint32(cd + 42, r.chance(0.5) ? z.locals[0] : val(), true);
      break; // local header offset (overlap / outside)
    case 12:
      dv.setUint16(cd + 10, r.pick([1, 6, 9, 12, 14, 93, 99, 0xffff]), true);
      dv.setUint16(lh + 8, dv.getUint16(cd + 10, true), true);
      break; // method
    case 13:
      dv.setUint16(cd + 8, dv.getUint16(cd + 8, true) | r.pick([1, 8, 0x40]), true);
      break; // encrypted / descriptor flags
    case 14:
      dv.setUint16(cd + 28 + 2 * r.int(3), r.pick([0xffff, 1000, 0, 1]), true);
      break; // name / extra / comment lengths
  }
}

/** Structural zip edits: header fields, counts, offsets, names, duplicates, nesting, bombs, zip64 lies. */
export function zipEdit(members: ZipMember[], r: FuzzRng): Uint8Array {
  const ms = members.map((m) => ({ ...m }));
  const i = r.int(ms.length);
  const op = r.int(16);
  const rebuilt = memberEdit(members, ms, i, op, r);
  if (rebuilt) return rebuilt;
  const z = buildZip(ms);
  if (op === 15) return zip64Lie(z, r);
  fieldEdit(z, ms.length, i, op, r);
  return z.bytes;
}
