/**
 * A safe subset of Python's pickle VM (specs/model_archive.md), enough to read what PtychoPINN's PyTorch backend
 * persists: `torch.save(state_dict)` (`<prefix>/data.pkl`, protocol 2) and the dill/pickle dicts `manifest.dill`,
 * `params.dill` (protocol 4, plain str/float/int/bool/None values). It never executes code: GLOBAL/STACK_GLOBAL only
 * resolve through the caller's `globals` table, and anything else is refused with the name of the global.
 *
 * Hostile input is refused with a `PtychoError` naming the opcode and its byte position: every opcode checks the
 * stack depth and the types of its operands, every length prefix is checked against the bytes left before
 * anything is allocated, and callbacks (reducers, persistent loads) that throw are reported the same way.
 * Each opcode pushes at most one value, so the VM's work and memory are linear in the input; and bounded outright:
 * nesting depth, values built and string lengths are counted as the value is built and refused the moment they pass
 * what a real file holds (PICKLE_LIMITS in pickleMachine.ts: 1000 levels, 100 000 values, 1 MiB strings), so a
 * pickle nested 10⁶ deep is refused after ~1000 containers, not after building all of them. The opcodes are a table
 * of handlers grouped by kind; the VM's state and primitives are in pickleMachine.ts.
 */
import { PtychoError } from '../../errors';
import { HINT, PickleGlobal, PickleMachine, PickleReduce, typeName, type PickleOptions } from './pickleMachine';

export { PICKLE_LIMITS, PickleGlobal, PickleReduce, type PickleLimits, type PickleOptions } from './pickleMachine';

/** One opcode: its name (for messages) and what it does to the machine. */
interface Op {
  name: string;
  run: (m: PickleMachine) => void;
}

const STOP = 0x2e;

/** Framing, constants and numbers. */
const SCALAR_OPS: Record<number, Op> = {
  0x80: { name: 'PROTO', run: (m) => void m.u8() },
  0x95: {
    name: 'FRAME',
    run: (m) => {
      m.need(8);
      m.pos += 8;
    },
  },
  0x28: { name: 'MARK', run: (m) => m.pushMark() }, // '('
  0x4e: { name: 'NONE', run: (m) => m.push(null) }, // 'N'
  0x88: { name: 'NEWTRUE', run: (m) => m.push(true) },
  0x89: { name: 'NEWFALSE', run: (m) => m.push(false) },
  0x4a: { name: 'BININT', run: (m) => m.push(m.i32()) }, // 'J'
  0x4b: { name: 'BININT1', run: (m) => m.push(m.u8()) }, // 'K'
  0x4d: { name: 'BININT2', run: (m) => m.push(m.u16()) }, // 'M'
  0x8a: {
    name: 'LONG1',
    run: (m) => {
      const n = m.u8();
      m.need(n);
      let v = 0n;
      for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(m.bytes[m.pos + i]);
      if (n > 0 && m.bytes[m.pos + n - 1] & 0x80) v -= 1n << BigInt(8 * n);
      m.pos += n;
      m.push(Number(v));
    },
  },
  0x47: {
    name: 'BINFLOAT', // 'G' (big-endian)
    run: (m) => {
      m.need(8);
      m.push(m.dv.getFloat64(m.pos, false));
      m.pos += 8;
    },
  },
};

/** Strings and bytes. */
const TEXT_OPS: Record<number, Op> = {
  0x58: { name: 'BINUNICODE', run: (m) => m.push(m.str(m.u32())) }, // 'X'
  0x8c: { name: 'SHORT_BINUNICODE', run: (m) => m.push(m.str(m.u8())) },
  0x8d: {
    name: 'BINUNICODE8',
    run: (m) => {
      m.need(8);
      const n = m.dv.getBigUint64(m.pos, true);
      m.pos += 8;
      if (n > BigInt(m.bytes.length - m.pos))
        m.fail(`truncated pickle: ${n} bytes declared, ${m.bytes.length - m.pos} left`);
      m.push(m.str(Number(n)));
    },
  },
  0x43: { name: 'SHORT_BINBYTES', run: (m) => m.push(m.raw(m.u8())) }, // 'C'
  0x42: { name: 'BINBYTES', run: (m) => m.push(m.raw(m.u32())) }, // 'B'
};

/** The memo. */
const MEMO_OPS: Record<number, Op> = {
  0x71: { name: 'BINPUT', run: (m) => m.memoPut(m.u8()) }, // 'q'
  0x72: { name: 'LONG_BINPUT', run: (m) => m.memoPut(m.u32()) }, // 'r'
  0x94: { name: 'MEMOIZE', run: (m) => m.memoPut(m.memo.size) },
  0x68: { name: 'BINGET', run: (m) => m.memoGet(m.u8()) },
  0x6a: { name: 'LONG_BINGET', run: (m) => m.memoGet(m.u32()) },
};

/** Tuples (arrays marked immutable), lists, sets and dicts. */
const CONTAINER_OPS: Record<number, Op> = {
  0x7d: { name: 'EMPTY_DICT', run: (m) => m.push(new Map()) }, // '}'
  0x5d: { name: 'EMPTY_LIST', run: (m) => m.push([]) }, // ']'
  0x29: { name: 'EMPTY_TUPLE', run: (m) => m.push(m.tuple([])) }, // ')' (tuples are arrays)
  0x8f: { name: 'EMPTY_SET', run: (m) => m.push(new Set()) },
  0x74: { name: 'TUPLE', run: (m) => m.push(m.tuple(m.popMark())) }, // 't'
  0x85: { name: 'TUPLE1', run: (m) => m.push(m.tuple([m.pop()])) },
  0x86: {
    name: 'TUPLE2',
    run: (m) => {
      const b = m.pop();
      const a = m.pop();
      m.push(m.tuple([a, b]));
    },
  },
  0x87: {
    name: 'TUPLE3',
    run: (m) => {
      const c = m.pop();
      const b = m.pop();
      const a = m.pop();
      m.push(m.tuple([a, b, c]));
    },
  },
  0x6c: {
    name: 'LIST', // 'l'
    run: (m) => {
      const items = m.popMark();
      m.push(m.nest(items, items));
    },
  },
  0x61: {
    name: 'APPEND', // 'a'
    run: (m) => {
      const v = m.pop();
      m.nest(m.list(), [v]).push(v);
    },
  },
  0x65: {
    name: 'APPENDS', // 'e'
    run: (m) => {
      const items = m.popMark();
      const l = m.nest(m.list(), items);
      for (const x of items) l.push(x);
    },
  },
  0x90: {
    name: 'ADDITEMS',
    run: (m) => {
      const items = m.popMark();
      const s = m.top();
      if (!(s instanceof Set)) m.fail(`expected a set on the stack, found ${typeName(s)}`);
      m.nest(s, items);
      for (const x of items) (s as Set<unknown>).add(x);
    },
  },
  0x73: {
    name: 'SETITEM', // 's'
    run: (m) => {
      const v = m.pop();
      const k = m.pop();
      m.setItems(m.top(), [k, v]);
    },
  },
  0x75: {
    name: 'SETITEMS', // 'u'
    run: (m) => {
      const kv = m.popMark();
      m.setItems(m.top(), kv);
    },
  },
  0x64: {
    name: 'DICT', // 'd'
    run: (m) => {
      const kv = m.popMark();
      const d = new Map();
      m.setItems(d, kv);
      m.push(d);
    },
  },
};

/** Globals (allow-listed), persistent ids, calls and object state. */
const OBJECT_OPS: Record<number, Op> = {
  0x63: {
    name: 'GLOBAL', // 'c'
    run: (m) => {
      const module = m.line();
      const name = m.line();
      m.push(m.global(module, name));
    },
  },
  0x93: {
    name: 'STACK_GLOBAL',
    run: (m) => {
      const name = m.pop();
      const module = m.pop();
      if (typeof name !== 'string' || typeof module !== 'string')
        m.fail(`module and name must be strings, found ${typeName(module)}, ${typeName(name)}`);
      m.push(m.global(module as string, name as string));
    },
  },
  0x51: {
    name: 'BINPERSID', // 'Q'
    run: (m) => {
      const pid = m.pop();
      const load = m.opts.persistentLoad;
      if (!load) m.fail('persistent id without a loader');
      m.push(
        m.nest(
          m.call('persistent load', () => load!(pid)),
          [pid],
        ),
      );
    },
  },
  0x52: { name: 'REDUCE', run: (m) => m.apply() }, // 'R'
  0x81: { name: 'NEWOBJ', run: (m) => m.apply() },
  0x62: {
    name: 'BUILD', // 'b': set state; for an OrderedDict (torch's state_dict: _metadata) it goes to opts.onBuild
    run: (m) => {
      const state = m.pop();
      const obj = m.nest(m.top(), [state]);
      if (obj instanceof PickleReduce) obj.state = state;
      else if (obj instanceof Map) m.opts.onBuild?.(obj, state);
      else m.fail(`cannot set the state of ${typeName(obj)}`);
    },
  },
};

/** Every supported opcode but STOP. */
const OPS = new Map<number, Op>(
  [SCALAR_OPS, TEXT_OPS, MEMO_OPS, CONTAINER_OPS, OBJECT_OPS].flatMap((g) =>
    Object.entries(g).map(([k, op]): [number, Op] => [Number(k), op]),
  ),
);

/** Keys a dict may have once converted to a plain object (Python's hashable scalars). */
function isScalarKey(k: unknown): k is string | number | boolean | null {
  return k === null || typeof k === 'string' || typeof k === 'number' || typeof k === 'boolean';
}

export function unpickle(bytes: Uint8Array, opts: PickleOptions): unknown {
  const m = new PickleMachine(bytes, opts);
  for (;;) {
    m.opPos = m.pos;
    m.opName = '';
    const code = m.u8();
    if (code === STOP) {
      m.opName = 'STOP';
      return m.pop();
    }
    const op = OPS.get(code);
    m.opName = op?.name ?? `opcode 0x${code.toString(16)}`;
    if (!op) m.fail('unsupported pickle opcode');
    op!.run(m);
  }
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
