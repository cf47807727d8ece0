/**
 * Pickle protocol-2 writer for exactly the subset `pickle.ts` reads back and torch.save / the reference's dill files
 * use: dict, list, tuple, str, int, float, bool, None, `collections.OrderedDict`, and `torch._utils._rebuild_tensor_v2`
 * records whose storages are persistent ids `('storage', torch.<T>Storage, key, 'cpu', numel)`.
 * Opcode choices follow CPython's Pickler at protocol 2 (as torch.save uses): every str/tuple/dict/list/global/reduce
 * result is memoized with BINPUT/LONG_BINPUT, and a repeated global or equal string is fetched with BINGET/LONG_BINGET.
 * Lists are always written MARK…APPENDS (never APPEND), dicts with one item with SETITEM, more with MARK…SETITEMS.
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

export function pickle(value: PyValue): Uint8Array {
  const out = new Out();
  let memoSize = 0;
  const strMemo = new Map<string, number>();
  const globalMemo = new Map<string, number>();
  const objMemo = new Map<object, number>();

  const put = (): number => {
    const i = memoSize++;
    if (i < 256) {
      out.byte(OP.BINPUT);
      out.byte(i);
    } else {
      out.byte(OP.LONG_BINPUT);
      out.u32(i);
    }
    return i;
  };
  const get = (i: number) => {
    if (i < 256) {
      out.byte(OP.BINGET);
      out.byte(i);
    } else {
      out.byte(OP.LONG_BINGET);
      out.u32(i);
    }
  };

  const int = (v: number | bigint) => {
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
  };
  const str = (s: string) => {
    const m = strMemo.get(s);
    if (m !== undefined) return get(m);
    const b = enc.encode(s);
    out.byte(OP.BINUNICODE);
    out.u32(b.length);
    out.bytes(b);
    strMemo.set(s, put());
  };
  const glob = (module: string, name: string) => {
    const q = `${module}\n${name}`;
    const m = globalMemo.get(q);
    if (m !== undefined) return get(m);
    out.byte(OP.GLOBAL);
    out.bytes(enc.encode(`${module}\n${name}\n`));
    globalMemo.set(q, put());
  };
  const tuple = (items: PyValue[]) => {
    if (items.length === 0) {
      out.byte(OP.EMPTY_TUPLE);
      return;
    }
    if (items.length <= 3) {
      for (const x of items) save(x);
      out.byte(items.length === 1 ? OP.TUPLE1 : items.length === 2 ? OP.TUPLE2 : OP.TUPLE3);
    } else {
      out.byte(OP.MARK);
      for (const x of items) save(x);
      out.byte(OP.TUPLE);
    }
    put();
  };
  const setItems = (entries: [PyValue, PyValue][]) => {
    for (let i = 0; i < entries.length; i += BATCH) {
      const batch = entries.slice(i, i + BATCH);
      if (batch.length === 1) {
        save(batch[0][0]);
        save(batch[0][1]);
        out.byte(OP.SETITEM);
        continue;
      }
      out.byte(OP.MARK);
      for (const [k, v] of batch) {
        save(k);
        save(v);
      }
      out.byte(OP.SETITEMS);
    }
  };
  const orderedDict = (entries: [PyValue, PyValue][], state?: PyValue) => {
    glob('collections', 'OrderedDict');
    out.byte(OP.EMPTY_TUPLE);
    out.byte(OP.REDUCE);
    put();
    setItems(entries);
    if (state !== undefined) {
      save(state);
      out.byte(OP.BUILD);
    }
  };
  const tensor = (t: PyTensor) => {
    const stride = t.stride ?? contiguousStride(t.shape);
    glob('torch._utils', '_rebuild_tensor_v2');
    out.byte(OP.MARK);
    // persistent id tuple ('storage', StorageType, key, 'cpu', numel)
    out.byte(OP.MARK);
    str('storage');
    glob('torch', t.storageType);
    str(t.storageKey);
    str('cpu');
    int(t.numel);
    out.byte(OP.TUPLE);
    put();
    out.byte(OP.BINPERSID);
    int(t.offset);
    tuple(t.shape);
    tuple(stride);
    out.byte(OP.NEWFALSE);
    orderedDict([]);
    out.byte(OP.TUPLE);
    put();
    out.byte(OP.REDUCE);
    put();
  };

  function save(v: PyValue): void {
    if (v === null || v === undefined) {
      out.byte(OP.NONE);
      return;
    }
    if (v === true) {
      out.byte(OP.NEWTRUE);
      return;
    }
    if (v === false) {
      out.byte(OP.NEWFALSE);
      return;
    }
    if (typeof v === 'bigint') return int(v);
    if (typeof v === 'number') {
      if (Number.isInteger(v) && Number.isSafeInteger(v) && !Object.is(v, -0)) return int(v);
      out.byte(OP.BINFLOAT);
      out.f64be(v);
      return;
    }
    if (typeof v === 'string') return str(v);
    if (v instanceof PyFloat) {
      out.byte(OP.BINFLOAT);
      out.f64be(v.value);
      return;
    }
    if (v instanceof PyGlobal) return glob(v.module, v.name);
    if (v instanceof PyTensor) return tensor(v);
    const seen = objMemo.get(v);
    if (seen !== undefined) return get(seen);
    if (v instanceof PyTuple) {
      tuple(v.items);
      return;
    }
    if (v instanceof PyOrderedDict) {
      orderedDict(v.entries, v.state);
      return;
    }
    if (Array.isArray(v)) {
      out.byte(OP.EMPTY_LIST);
      objMemo.set(v, put());
      for (let i = 0; i < v.length; i += BATCH) {
        out.byte(OP.MARK);
        for (const x of v.slice(i, i + BATCH)) save(x);
        out.byte(OP.APPENDS);
      }
      return;
    }
    const entries: [PyValue, PyValue][] = v instanceof Map ? [...v] : Object.entries(v);
    out.byte(OP.EMPTY_DICT);
    objMemo.set(v, put());
    setItems(entries);
  }

  out.byte(OP.PROTO);
  out.byte(2);
  save(value);
  out.byte(OP.STOP);
  return out.result();
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

/** Opcode bytes of a pickle in order (a small disassembler for tests and diagnostics; protocol ≤ 4 subset). */
export function listOpcodes(b: Uint8Array): number[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const ops: number[] = [];
  let p = 0;
  const arg: Record<number, (p: number) => number> = {
    0x80: () => 1,
    0x95: () => 8,
    0x4a: () => 4,
    0x4b: () => 1,
    0x4d: () => 2,
    0x8a: (q) => 1 + b[q],
    0x47: () => 8,
    0x58: (q) => 4 + dv.getUint32(q, true),
    0x8c: (q) => 1 + b[q],
    0x8d: (q) => 8 + Number(dv.getBigUint64(q, true)),
    0x43: (q) => 1 + b[q],
    0x42: (q) => 4 + dv.getUint32(q, true),
    0x71: () => 1,
    0x72: () => 4,
    0x68: () => 1,
    0x6a: () => 4,
    0x63: (q) => {
      let e = q;
      for (let n = 0; n < 2; n++) {
        while (b[e] !== 0x0a) e++;
        e++;
      }
      return e - q;
    },
  };
  while (p < b.length) {
    const op = b[p++];
    ops.push(op);
    if (op === 0x2e) break;
    const f = arg[op];
    if (f) p += f(p);
  }
  return ops;
}
