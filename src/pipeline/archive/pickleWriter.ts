/**
 * Pickle protocol-2 writer for exactly the subset `pickle.ts` reads back and torch.save / the reference's dill files
 * use: dict, list, tuple, str, int, float, bool, None, `collections.OrderedDict`, and `torch._utils._rebuild_tensor_v2`
 * records whose storages are persistent ids `('storage', torch.<T>Storage, key, 'cpu', numel)`.
 * Opcode choices follow CPython's Pickler at protocol 2 (as torch.save uses): every str/tuple/dict/list/global/reduce
 * result is memoized with BINPUT/LONG_BINPUT, and a repeated global or equal string is fetched with BINGET/LONG_BINGET.
 * Lists are always written MARK…APPENDS (never APPEND), dicts with one item with SETITEM, more with MARK…SETITEMS.
 * The format is described in specs/model_archive.md.
 */

/** A float that must stay a Python float even when it has an integral value (JS numbers cannot tell 1 from 1.0). */
export class PyFloat {
  constructor(readonly value: number) {}
}
/** A Python tuple (plain JS arrays are written as lists). */
export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}
/** `module.name`, written with GLOBAL. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
}
/**
 * `collections.OrderedDict(items)`; with `state`, followed by BUILD(state) as pickle writes an OrderedDict that has
 * instance attributes (torch's state_dict: `state = {'_metadata': OrderedDict(prefix → {'version': 1})}`).
 */
export class PyOrderedDict {
  constructor(
    readonly entries: [PyValue, PyValue][],
    readonly state?: PyValue,
  ) {}
}
/** A tensor record: `_rebuild_tensor_v2(persistent storage, offset, size, stride, False, OrderedDict())`. */
export class PyTensor {
  constructor(
    readonly storageKey: string,
    readonly storageType: string, // e.g. 'FloatStorage'
    readonly numel: number,
    readonly shape: number[],
    readonly stride?: number[],
    readonly offset = 0,
  ) {}
}

export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | PyFloat
  | PyTuple
  | PyGlobal
  | PyOrderedDict
  | PyTensor
  | PyValue[]
  | Map<PyValue, PyValue>
  | { [k: string]: PyValue };

const OP = {
  PROTO: 0x80,
  STOP: 0x2e,
  MARK: 0x28,
  EMPTY_DICT: 0x7d,
  EMPTY_LIST: 0x5d,
  EMPTY_TUPLE: 0x29,
  NONE: 0x4e,
  NEWTRUE: 0x88,
  NEWFALSE: 0x89,
  BININT: 0x4a,
  BININT1: 0x4b,
  BININT2: 0x4d,
  LONG1: 0x8a,
  BINFLOAT: 0x47,
  BINUNICODE: 0x58,
  BINPUT: 0x71,
  LONG_BINPUT: 0x72,
  BINGET: 0x68,
  LONG_BINGET: 0x6a,
  TUPLE: 0x74,
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  TUPLE3: 0x87,
  APPENDS: 0x65,
  SETITEM: 0x73,
  SETITEMS: 0x75,
  GLOBAL: 0x63,
  BINPERSID: 0x51,
  REDUCE: 0x52,
  BUILD: 0x62,
} as const;

const BATCH = 1000;

class Out {
  private buf = new Uint8Array(1024);
  len = 0;
  private grow(n: number) {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }
  byte(b: number) {
    this.grow(1);
    this.buf[this.len++] = b;
  }
  bytes(b: Uint8Array) {
    this.grow(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  u16(v: number) {
    this.byte(v & 0xff);
    this.byte((v >>> 8) & 0xff);
  }
  u32(v: number) {
    this.grow(4);
    new DataView(this.buf.buffer).setUint32(this.len, v >>> 0, true);
    this.len += 4;
  }
  i32(v: number) {
    this.grow(4);
    new DataView(this.buf.buffer).setInt32(this.len, v, true);
    this.len += 4;
  }
  f64be(v: number) {
    this.grow(8);
    new DataView(this.buf.buffer).setFloat64(this.len, v, false);
    this.len += 8;
  }
  result() {
    return this.buf.slice(0, this.len);
  }
}

const enc = new TextEncoder();

/** Minimal two's-complement little-endian bytes of a bigint (as Python's encode_long). */
function encodeLong(v: bigint): Uint8Array {
  if (v === 0n) return new Uint8Array(0);
  const out: number[] = [];
  let x = v;
  for (;;) {
    out.push(Number(x & 0xffn));
    x >>= 8n;
    const last = out[out.length - 1];
    if ((x === 0n && (last & 0x80) === 0) || (x === -1n && (last & 0x80) !== 0)) break;
  }
  return Uint8Array.from(out);
}

/** One pickling run: the output and the memo (strings and globals by value, containers by identity). */
class Pickler {
  readonly out = new Out();
  private memoSize = 0;
  private readonly strMemo = new Map<string, number>();
  private readonly globalMemo = new Map<string, number>();
  private readonly objMemo = new Map<object, number>();

  private put(): number {
    const i = this.memoSize++;
    this.memoOp(i, OP.BINPUT, OP.LONG_BINPUT);
    return i;
  }

  private get(i: number): void {
    this.memoOp(i, OP.BINGET, OP.LONG_BINGET);
  }

  /** A memo opcode: the one-byte index form below 256, the four-byte form above. */
  private memoOp(i: number, short: number, long: number): void {
    if (i < 256) {
      this.out.byte(short);
      this.out.byte(i);
    } else {
      this.out.byte(long);
      this.out.u32(i);
    }
  }

  private int(v: number | bigint): void {
    const out = this.out;
    if (typeof v === 'number' && !Number.isSafeInteger(v))
      throw new Error(`pickle: ${v} is not a safe integer; pass a bigint`);
    const b = BigInt(v);
    if (b >= 0n && b < 256n) {
      out.byte(OP.BININT1);
      out.byte(Number(b));
      return;
    }
    if (b >= 0n && b < 65536n) {
      out.byte(OP.BININT2);
      out.u16(Number(b));
      return;
    }
    if (b >= -(2n ** 31n) && b < 2n ** 31n) {
      out.byte(OP.BININT);
      out.i32(Number(b));
      return;
    }
    const e = encodeLong(b);
    if (e.length > 255) throw new Error('pickle: integer too large');
    out.byte(OP.LONG1);
    out.byte(e.length);
    out.bytes(e);
  }

  private str(s: string): void {
    const m = this.strMemo.get(s);
    if (m !== undefined) return this.get(m);
    const b = enc.encode(s);
    this.out.byte(OP.BINUNICODE);
    this.out.u32(b.length);
    this.out.bytes(b);
    this.strMemo.set(s, this.put());
  }

  private glob(module: string, name: string): void {
    const q = `${module}\n${name}`;
    const m = this.globalMemo.get(q);
    if (m !== undefined) return this.get(m);
    this.out.byte(OP.GLOBAL);
    this.out.bytes(enc.encode(`${module}\n${name}\n`));
    this.globalMemo.set(q, this.put());
  }

  private tuple(items: PyValue[]): void {
    const out = this.out;
    if (items.length === 0) {
      out.byte(OP.EMPTY_TUPLE);
      return;
    }
    if (items.length <= 3) {
      for (const x of items) this.save(x);
      out.byte(items.length === 1 ? OP.TUPLE1 : items.length === 2 ? OP.TUPLE2 : OP.TUPLE3);
    } else {
      out.byte(OP.MARK);
      for (const x of items) this.save(x);
      out.byte(OP.TUPLE);
    }
    this.put();
  }

  private setItems(entries: [PyValue, PyValue][]): void {
    const out = this.out;
    for (let i = 0; i < entries.length; i += BATCH) {
      const batch = entries.slice(i, i + BATCH);
      if (batch.length === 1) {
        this.save(batch[0][0]);
        this.save(batch[0][1]);
        out.byte(OP.SETITEM);
        continue;
      }
      out.byte(OP.MARK);
      for (const [k, v] of batch) {
        this.save(k);
        this.save(v);
      }
      out.byte(OP.SETITEMS);
    }
  }

  private orderedDict(entries: [PyValue, PyValue][], state?: PyValue): void {
    this.glob('collections', 'OrderedDict');
    this.out.byte(OP.EMPTY_TUPLE);
    this.out.byte(OP.REDUCE);
    this.put();
    this.setItems(entries);
    if (state !== undefined) {
      this.save(state);
      this.out.byte(OP.BUILD);
    }
  }

  private tensor(t: PyTensor): void {
    const out = this.out;
    const stride = t.stride ?? contiguousStride(t.shape);
    this.glob('torch._utils', '_rebuild_tensor_v2');
    out.byte(OP.MARK);
    // persistent id tuple ('storage', StorageType, key, 'cpu', numel)
    out.byte(OP.MARK);
    this.str('storage');
    this.glob('torch', t.storageType);
    this.str(t.storageKey);
    this.str('cpu');
    this.int(t.numel);
    out.byte(OP.TUPLE);
    this.put();
    out.byte(OP.BINPERSID);
    this.int(t.offset);
    this.tuple(t.shape);
    this.tuple(stride);
    out.byte(OP.NEWFALSE);
    this.orderedDict([]);
    out.byte(OP.TUPLE);
    this.put();
    out.byte(OP.REDUCE);
    this.put();
  }

  private list(v: PyValue[]): void {
    const out = this.out;
    out.byte(OP.EMPTY_LIST);
    this.objMemo.set(v, this.put());
    for (let i = 0; i < v.length; i += BATCH) {
      out.byte(OP.MARK);
      for (const x of v.slice(i, i + BATCH)) this.save(x);
      out.byte(OP.APPENDS);
    }
  }

  /** None, bools, ints, floats and strings; false for anything else. */
  private saveScalar(v: PyValue): boolean {
    const out = this.out;
    if (v === null || v === undefined) out.byte(OP.NONE);
    else if (v === true) out.byte(OP.NEWTRUE);
    else if (v === false) out.byte(OP.NEWFALSE);
    else if (typeof v === 'bigint') this.int(v);
    else if (typeof v === 'number') {
      if (Number.isInteger(v) && Number.isSafeInteger(v) && !Object.is(v, -0)) this.int(v);
      else {
        out.byte(OP.BINFLOAT);
        out.f64be(v);
      }
    } else if (typeof v === 'string') this.str(v);
    else if (v instanceof PyFloat) {
      out.byte(OP.BINFLOAT);
      out.f64be(v.value);
    } else return false;
    return true;
  }

  save(v: PyValue): void {
    if (this.saveScalar(v)) return;
    if (v instanceof PyGlobal) return this.glob(v.module, v.name);
    if (v instanceof PyTensor) return this.tensor(v);
    const obj = v as object;
    const seen = this.objMemo.get(obj);
    if (seen !== undefined) return this.get(seen);
    if (v instanceof PyTuple) return this.tuple(v.items);
    if (v instanceof PyOrderedDict) return this.orderedDict(v.entries, v.state);
    if (Array.isArray(v)) return this.list(v);
    const entries: [PyValue, PyValue][] = v instanceof Map ? [...v] : Object.entries(v as { [k: string]: PyValue });
    this.out.byte(OP.EMPTY_DICT);
    this.objMemo.set(obj, this.put());
    this.setItems(entries);
  }
}

export function pickle(value: PyValue): Uint8Array {
  const p = new Pickler();
  p.out.byte(OP.PROTO);
  p.out.byte(2);
  p.save(value);
  p.out.byte(OP.STOP);
  return p.out.result();
}

export function contiguousStride(shape: number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}
