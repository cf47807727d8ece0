import { PtychoError } from '../../errors';

/**
 * A safe subset of Python's pickle VM, enough to read what PtychoPINN's PyTorch backend persists:
 * `torch.save(state_dict)` (`<prefix>/data.pkl`, protocol 2) and the dill/pickle dicts `manifest.dill`, `params.dill`
 * (protocol 4, plain str/float/int/bool/None values). It never executes code: GLOBAL/STACK_GLOBAL only resolve
 * through the caller's `globals` table, and anything else is refused with the name of the global.
 */
export class PickleGlobal {
  constructor(readonly module: string, readonly name: string) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** A call we do not interpret ourselves: `fn(*args)` kept as data for the caller to map. */
export class PickleReduce {
  constructor(readonly fn: unknown, readonly args: unknown[]) {}
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
}

const MARK = Symbol('mark');

export function unpickle(bytes: Uint8Array, opts: PickleOptions): unknown {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const td = new TextDecoder();
  let pos = 0;
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  const fail = (msg: string): never => {
    throw new PtychoError('model-archive', `${opts.source}: ${msg} (pickle byte ${pos})`, 'the file is damaged or was not written by PtychoPINN');
  };
  const need = (n: number) => {
    if (pos + n > bytes.length) fail('truncated pickle');
  };
  const u8 = () => (need(1), bytes[pos++]);
  const u16 = () => (need(2), (pos += 2), dv.getUint16(pos - 2, true));
  const u32 = () => (need(4), (pos += 4), dv.getUint32(pos - 4, true));
  const i32 = () => (need(4), (pos += 4), dv.getInt32(pos - 4, true));
  const str = (n: number) => (need(n), (pos += n), td.decode(bytes.subarray(pos - n, pos)));
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail('unterminated text line');
    const s = td.decode(bytes.subarray(pos, end));
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
  const top = () => (stack.length ? stack[stack.length - 1] : fail('stack underflow'));
  const pop = () => (stack.length ? stack.pop() : fail('stack underflow'));
  const global = (module: string, name: string) => {
    const g = new PickleGlobal(module, name);
    if (!opts.allowedGlobals.includes(g.qualified)) {
      fail(`refusing to load Python global ${g.qualified}`);
    }
    return g;
  };
  const setItems = (d: unknown, kv: unknown[]) => {
    if (!(d instanceof Map)) fail('SETITEM(S) on a non-dict');
    for (let i = 0; i + 1 < kv.length; i += 2) (d as Map<unknown, unknown>).set(kv[i], kv[i + 1]);
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: u8(); break; // PROTO
      case 0x95: need(8); pos += 8; break; // FRAME
      case 0x2e: return pop(); // STOP '.'
      case 0x28: stack.push(MARK); break; // MARK '('
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT '}'
      case 0x5d: stack.push([]); break; // EMPTY_LIST ']'
      case 0x29: stack.push([]); break; // EMPTY_TUPLE ')' (tuples are arrays)
      case 0x8f: stack.push(new Set()); break; // EMPTY_SET
      case 0x4e: stack.push(null); break; // NONE 'N'
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4a: stack.push(i32()); break; // BININT 'J'
      case 0x4b: stack.push(u8()); break; // BININT1 'K'
      case 0x4d: stack.push(u16()); break; // BININT2 'M'
      case 0x8a: { // LONG1
        const n = u8();
        need(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[pos + i]);
        if (n > 0 && bytes[pos + n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        pos += n;
        stack.push(Number(v));
        break;
      }
      case 0x47: need(8); stack.push(dv.getFloat64(pos, false)); pos += 8; break; // BINFLOAT 'G' (big-endian)
      case 0x58: stack.push(str(u32())); break; // BINUNICODE 'X'
      case 0x8c: stack.push(str(u8())); break; // SHORT_BINUNICODE
      case 0x8d: { need(8); const n = Number(dv.getBigUint64(pos, true)); pos += 8; stack.push(str(n)); break; } // BINUNICODE8
      case 0x43: { const n = u8(); need(n); stack.push(bytes.slice(pos, pos + n)); pos += n; break; } // SHORT_BINBYTES 'C'
      case 0x42: { const n = u32(); need(n); stack.push(bytes.slice(pos, pos + n)); pos += n; break; } // BINBYTES 'B'
      case 0x71: memo.set(u8(), top()); break; // BINPUT 'q'
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT 'r'
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: { const k = u8(); if (!memo.has(k)) fail(`memo ${k} missing`); stack.push(memo.get(k)); break; } // BINGET
      case 0x6a: { const k = u32(); if (!memo.has(k)) fail(`memo ${k} missing`); stack.push(memo.get(k)); break; } // LONG_BINGET
      case 0x74: stack.push(popMark()); break; // TUPLE 't'
      case 0x85: stack.push([pop()]); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); stack.push([a, b]); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push([a, b, c]); break; } // TUPLE3
      case 0x6c: stack.push(popMark()); break; // LIST 'l'
      case 0x61: { const v = pop(); (top() as unknown[]).push(v); break; } // APPEND 'a'
      case 0x65: { const items = popMark(); (top() as unknown[]).push(...items); break; } // APPENDS 'e'
      case 0x90: { const items = popMark(); for (const x of items) (top() as Set<unknown>).add(x); break; } // ADDITEMS
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; } // SETITEM 's'
      case 0x75: { const kv = popMark(); setItems(top(), kv); break; } // SETITEMS 'u'
      case 0x64: { const kv = popMark(); const m = new Map(); setItems(m, kv); stack.push(m); break; } // DICT 'd'
      case 0x63: { const module = line(); const name = line(); stack.push(global(module, name)); break; } // GLOBAL 'c'
      case 0x93: { const name = pop() as string; const module = pop() as string; stack.push(global(module, name)); break; } // STACK_GLOBAL
      case 0x51: { // BINPERSID 'Q'
        const pid = pop();
        if (!opts.persistentLoad) fail('persistent id without a loader');
        stack.push(opts.persistentLoad!(pid));
        break;
      }
      case 0x52: { // REDUCE 'R'
        const args = pop() as unknown[];
        const fn = pop();
        const r = fn instanceof PickleGlobal ? opts.reducers?.[fn.qualified] : undefined;
        stack.push(r ? r(...args) : new PickleReduce(fn, args));
        break;
      }
      case 0x81: { // NEWOBJ
        const args = pop() as unknown[];
        const cls = pop();
        const r = cls instanceof PickleGlobal ? opts.reducers?.[cls.qualified] : undefined;
        stack.push(r ? r(...args) : new PickleReduce(cls, args));
        break;
      }
      case 0x62: { // BUILD 'b': set state; for OrderedDict the state is _metadata, which we ignore
        const state = pop();
        const obj = top();
        if (obj instanceof PickleReduce) obj.state = state;
        break;
      }
      default:
        fail(`unsupported pickle opcode 0x${op.toString(16)}`);
    }
  }
}
