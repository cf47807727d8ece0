import { PtychoError } from '../../errors';

/**
 * A safe subset of Python's pickle VM, enough to read what PtychoPINN's PyTorch backend persists:
 * `torch.save(state_dict)` (`<prefix>/data.pkl`, protocol 2) and the dill/pickle dicts `manifest.dill`, `params.dill`
 * (protocol 4, plain str/float/int/bool/None values). It never executes code: GLOBAL/STACK_GLOBAL only resolve
 * through the caller's `globals` table, and anything else is refused with the name of the global.
 *
 * Hostile input is refused with a `PtychoError` naming the opcode and its byte position: every opcode checks the
 * stack depth and the types of its operands, every length prefix is checked against the bytes left before
 * anything is allocated, and callbacks (reducers, persistent loads) that throw are reported the same way.
 * Each opcode pushes at most one value, so the VM's work and memory are linear in the input.
 */
export class PickleGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** A call we do not interpret ourselves: `fn(*args)` kept as data for the caller to map. */
export class PickleReduce {
  constructor(
    readonly fn: unknown,
    readonly args: unknown[],
  ) {}
  state?: unknown;
}

export interface PickleOptions {
  /** Called for persistent ids (BINPERSID); returns what the object stands for (e.g. a tensor storage). */
  persistentLoad?: (pid: unknown) => unknown;
  /** Maps a global to a function applied on REDUCE; unmapped globals become PickleReduce records. */
  reducers?: Record<string, (...args: unknown[]) => unknown>;
  /** Globals allowed to appear at all (qualified names). Others are refused. */
  allowedGlobals: readonly string[];
  /** For messages. */
  source: string;
  /** BUILD on a dict (an OrderedDict's attributes, e.g. torch's `_metadata`); ignored when absent. */
  onBuild?: (obj: Map<unknown, unknown>, state: unknown) => void;
}

const MARK = Symbol('mark');
const HINT = 'the file is damaged or was not written by PtychoPINN';

const OPNAMES: Record<number, string> = {
  0x80: 'PROTO',
  0x95: 'FRAME',
  0x2e: 'STOP',
  0x28: 'MARK',
  0x7d: 'EMPTY_DICT',
  0x5d: 'EMPTY_LIST',
  0x29: 'EMPTY_TUPLE',
  0x8f: 'EMPTY_SET',
  0x4e: 'NONE',
  0x88: 'NEWTRUE',
  0x89: 'NEWFALSE',
  0x4a: 'BININT',
  0x4b: 'BININT1',
  0x4d: 'BININT2',
  0x8a: 'LONG1',
  0x47: 'BINFLOAT',
  0x58: 'BINUNICODE',
  0x8c: 'SHORT_BINUNICODE',
  0x8d: 'BINUNICODE8',
  0x43: 'SHORT_BINBYTES',
  0x42: 'BINBYTES',
  0x71: 'BINPUT',
  0x72: 'LONG_BINPUT',
  0x94: 'MEMOIZE',
  0x68: 'BINGET',
  0x6a: 'LONG_BINGET',
  0x74: 'TUPLE',
  0x85: 'TUPLE1',
  0x86: 'TUPLE2',
  0x87: 'TUPLE3',
  0x6c: 'LIST',
  0x61: 'APPEND',
  0x65: 'APPENDS',
  0x90: 'ADDITEMS',
  0x73: 'SETITEM',
  0x75: 'SETITEMS',
  0x64: 'DICT',
  0x63: 'GLOBAL',
  0x93: 'STACK_GLOBAL',
  0x51: 'BINPERSID',
  0x52: 'REDUCE',
  0x81: 'NEWOBJ',
  0x62: 'BUILD',
};

/** Keys a dict may have once converted to a plain object (Python's hashable scalars). */
function isScalarKey(k: unknown): k is string | number | boolean | null {
  return k === null || typeof k === 'string' || typeof k === 'number' || typeof k === 'boolean';
}

export function unpickle(bytes: Uint8Array, opts: PickleOptions): unknown {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const td = new TextDecoder();
  let pos = 0;
  let opPos = 0;
  let opName = '';
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  /** Arrays that stand for Python tuples (immutable: APPEND to them is refused). */
  const tuples = new WeakSet<unknown[]>();
  const fail = (msg: string): never => {
    const where = opName ? `${opName} at pickle byte ${opPos}` : `pickle byte ${pos}`;
    throw new PtychoError('model-archive', `${opts.source}: ${msg} (${where})`, HINT);
  };
  const need = (n: number) => {
    if (!Number.isSafeInteger(n) || n < 0 || n > bytes.length - pos)
      fail(`truncated pickle: ${n} bytes declared, ${bytes.length - pos} left`);
  };
  const u8 = () => (need(1), bytes[pos++]);
  const u16 = () => (need(2), (pos += 2), dv.getUint16(pos - 2, true));
  const u32 = () => (need(4), (pos += 4), dv.getUint32(pos - 4, true));
  const i32 = () => (need(4), (pos += 4), dv.getInt32(pos - 4, true));
  const decode = (b: Uint8Array): string => {
    try {
      return td.decode(b);
    } catch {
      return fail('invalid UTF-8 in a string');
    }
  };
  const str = (n: number) => (need(n), (pos += n), decode(bytes.subarray(pos - n, pos)));
  const raw = (n: number) => (need(n), (pos += n), bytes.slice(pos - n, pos));
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail('unterminated text line');
    const s = decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const popMark = (): unknown[] => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) fail('MARK expected');
    const items = stack.splice(i);
    items.shift();
    return items;
  };
  const top = (): unknown => {
    if (!stack.length) fail('stack underflow');
    const v = stack[stack.length - 1];
    if (v === MARK) fail('value expected, found MARK');
    return v;
  };
  const pop = (): unknown => {
    top();
    return stack.pop();
  };
  const tuple = (items: unknown[]): unknown[] => {
    tuples.add(items);
    return items;
  };
  const global = (module: string, name: string) => {
    const g = new PickleGlobal(module, name);
    if (!opts.allowedGlobals.includes(g.qualified)) {
      fail(`refusing to load Python global ${g.qualified}`);
    }
    return g;
  };
  const list = (): unknown[] => {
    const l = top();
    if (!Array.isArray(l) || tuples.has(l)) fail(`expected a list on the stack, found ${typeName(l)}`);
    return l as unknown[];
  };
  const setItems = (d: unknown, kv: unknown[]) => {
    if (!(d instanceof Map)) fail(`expected a dict on the stack, found ${typeName(d)}`);
    if (kv.length % 2) fail(`odd number of items (${kv.length}) for a dict`);
    for (let i = 0; i < kv.length; i += 2) (d as Map<unknown, unknown>).set(kv[i], kv[i + 1]);
  };
  const memoPut = (k: number) => memo.set(k, top());
  const memoGet = (k: number) => {
    if (!memo.has(k)) fail(`memo ${k} missing`);
    stack.push(memo.get(k));
  };
  /** Run a caller's callback; anything but a PtychoError it throws becomes one. */
  const call = (what: string, f: () => unknown): unknown => {
    try {
      return f();
    } catch (e) {
      if (e instanceof PtychoError) throw e;
      return fail(`${what} failed (${e instanceof Error ? e.message : String(e)})`);
    }
  };
  const apply = () => {
    const args = pop();
    const fn = pop();
    if (!Array.isArray(args)) fail(`arguments must be a tuple, found ${typeName(args)}`);
    if (!(fn instanceof PickleGlobal)) fail(`callable must be a global, found ${typeName(fn)}`);
    const g = fn as PickleGlobal;
    const r = opts.reducers?.[g.qualified];
    stack.push(r ? call(g.qualified, () => r(...(args as unknown[]))) : new PickleReduce(g, args as unknown[]));
  };

  for (;;) {
    opPos = pos;
    opName = '';
    const op = u8();
    opName = OPNAMES[op] ?? `opcode 0x${op.toString(16)}`;
    switch (op) {
      case 0x80:
        u8();
        break; // PROTO
      case 0x95:
        need(8);
        pos += 8;
        break; // FRAME
      case 0x2e: {
        // STOP '.'
        const v = pop();
        return v;
      }
      case 0x28:
        stack.push(MARK);
        break; // MARK '('
      case 0x7d:
        stack.push(new Map());
        break; // EMPTY_DICT '}'
      case 0x5d:
        stack.push([]);
        break; // EMPTY_LIST ']'
      case 0x29:
        stack.push(tuple([]));
        break; // EMPTY_TUPLE ')' (tuples are arrays)
      case 0x8f:
        stack.push(new Set());
        break; // EMPTY_SET
      case 0x4e:
        stack.push(null);
        break; // NONE 'N'
      case 0x88:
        stack.push(true);
        break; // NEWTRUE
      case 0x89:
        stack.push(false);
        break; // NEWFALSE
      case 0x4a:
        stack.push(i32());
        break; // BININT 'J'
      case 0x4b:
        stack.push(u8());
        break; // BININT1 'K'
      case 0x4d:
        stack.push(u16());
        break; // BININT2 'M'
      case 0x8a: {
        // LONG1
        const n = u8();
        need(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[pos + i]);
        if (n > 0 && bytes[pos + n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        pos += n;
        stack.push(Number(v));
        break;
      }
      case 0x47:
        need(8);
        stack.push(dv.getFloat64(pos, false));
        pos += 8;
        break; // BINFLOAT 'G' (big-endian)
      case 0x58:
        stack.push(str(u32()));
        break; // BINUNICODE 'X'
      case 0x8c:
        stack.push(str(u8()));
        break; // SHORT_BINUNICODE
      case 0x8d: {
        // BINUNICODE8
        need(8);
        const n = dv.getBigUint64(pos, true);
        pos += 8;
        if (n > BigInt(bytes.length - pos)) fail(`truncated pickle: ${n} bytes declared, ${bytes.length - pos} left`);
        stack.push(str(Number(n)));
        break;
      }
      case 0x43:
        stack.push(raw(u8()));
        break; // SHORT_BINBYTES 'C'
      case 0x42:
        stack.push(raw(u32()));
        break; // BINBYTES 'B'
      case 0x71:
        memoPut(u8());
        break; // BINPUT 'q'
      case 0x72:
        memoPut(u32());
        break; // LONG_BINPUT 'r'
      case 0x94:
        memoPut(memo.size);
        break; // MEMOIZE
      case 0x68:
        memoGet(u8());
        break; // BINGET
      case 0x6a:
        memoGet(u32());
        break; // LONG_BINGET
      case 0x74:
        stack.push(tuple(popMark()));
        break; // TUPLE 't'
      case 0x85:
        stack.push(tuple([pop()]));
        break; // TUPLE1
      case 0x86: {
        const b = pop();
        const a = pop();
        stack.push(tuple([a, b]));
        break;
      } // TUPLE2
      case 0x87: {
        const c = pop();
        const b = pop();
        const a = pop();
        stack.push(tuple([a, b, c]));
        break;
      } // TUPLE3
      case 0x6c:
        stack.push(popMark());
        break; // LIST 'l'
      case 0x61: {
        const v = pop();
        list().push(v);
        break;
      } // APPEND 'a'
      case 0x65: {
        const items = popMark();
        const l = list();
        for (const x of items) l.push(x);
        break;
      } // APPENDS 'e'
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const s = top();
        if (!(s instanceof Set)) fail(`expected a set on the stack, found ${typeName(s)}`);
        for (const x of items) (s as Set<unknown>).add(x);
        break;
      }
      case 0x73: {
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      } // SETITEM 's'
      case 0x75: {
        const kv = popMark();
        setItems(top(), kv);
        break;
      } // SETITEMS 'u'
      case 0x64: {
        const kv = popMark();
        const m = new Map();
        setItems(m, kv);
        stack.push(m);
        break;
      } // DICT 'd'
      case 0x63: {
        const module = line();
        const name = line();
        stack.push(global(module, name));
        break;
      } // GLOBAL 'c'
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof name !== 'string' || typeof module !== 'string')
          fail(`module and name must be strings, found ${typeName(module)}, ${typeName(name)}`);
        stack.push(global(module as string, name as string));
        break;
      }
      case 0x51: {
        // BINPERSID 'Q'
        const pid = pop();
        const load = opts.persistentLoad;
        if (!load) fail('persistent id without a loader');
        stack.push(call('persistent load', () => load!(pid)));
        break;
      }
      case 0x52:
        apply();
        break; // REDUCE 'R'
      case 0x81:
        apply();
        break; // NEWOBJ
      case 0x62: {
        // BUILD 'b': set state; for an OrderedDict (torch's state_dict: _metadata) it goes to opts.onBuild
        const state = pop();
        const obj = top();
        if (obj instanceof PickleReduce) obj.state = state;
        else if (obj instanceof Map) opts.onBuild?.(obj, state);
        else fail(`cannot set the state of ${typeName(obj)}`);
        break;
      }
      default:
        fail('unsupported pickle opcode');
    }
  }
}

function typeName(v: unknown): string {
  if (v === null) return 'None';
  if (v === MARK) return 'MARK';
  if (Array.isArray(v)) return 'a list/tuple';
  if (v instanceof Map) return 'a dict';
  if (v instanceof Set) return 'a set';
  if (v instanceof Uint8Array) return 'bytes';
  if (v instanceof PickleGlobal) return `global ${v.qualified}`;
  if (v instanceof PickleReduce) return 'an object';
  return `a ${typeof v}`;
}

export interface ToPlainOptions {
  /** For messages. */
  source: string;
  /** Deepest nesting accepted (default 1000). */
  maxDepth?: number;
  /** Most values produced in all (default: 10 000 + 16 per input byte, at most 1e6). */
  maxNodes?: number;
  /** Size of the pickle the value came from, for the default `maxNodes`. */
  inputBytes?: number;
}

/**
 * Unpickled value → plain JS (dicts → objects with string keys, tuples/lists/sets → arrays, globals → their
 * qualified names). Shared references are expanded, so depth and the total number of values produced are bounded:
 * a few hundred bytes of memo references cannot expand into gigabytes, and cycles are refused.
 */
export function toPlain(v: unknown, opts: ToPlainOptions): unknown {
  const maxDepth = opts.maxDepth ?? 1000;
  const maxNodes = opts.maxNodes ?? Math.min(1e6, 10_000 + 16 * (opts.inputBytes ?? 0));
  let nodes = 0;
  const fail = (msg: string): never => {
    throw new PtychoError('model-archive', `${opts.source}: ${msg}`, HINT);
  };
  const rec = (x: unknown, depth: number): unknown => {
    if (++nodes > maxNodes) fail(`the pickled value expands to more than ${maxNodes} values`);
    if (depth > maxDepth) fail(`the pickled value is nested deeper than ${maxDepth} levels (or refers to itself)`);
    if (x instanceof Map) {
      const o: Record<string, unknown> = {};
      for (const [k, y] of x) {
        if (!isScalarKey(k)) fail(`a dict key is ${typeName(k)}, expected a string or number`);
        Object.defineProperty(o, String(k), {
          value: rec(y, depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return o;
    }
    if (Array.isArray(x)) return x.map((y) => rec(y, depth + 1));
    if (x instanceof Set) return [...x].map((y) => rec(y, depth + 1));
    if (x instanceof PickleGlobal) return x.qualified;
    return x;
  };
  return rec(v, 0);
}
