/**
 * The state and primitives of the safe pickle VM (src/pipeline/archive/pickle.ts; format in specs/model_archive.md):
 * the byte reader with every length checked against the bytes left, the stack with MARK and type checks, the memo,
 * globals resolved only through the caller's allow-list, and callbacks whose failures become PtychoErrors naming the
 * opcode and its byte position.
 */
import { PtychoError } from '../../errors';

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

export const MARK = Symbol('mark');
export const HINT = 'the file is damaged or was not written by PtychoPINN';

/** Python-ish name of a value, for messages. */
export function typeName(v: unknown): string {
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

/** One run of the VM over `bytes`: position, current opcode (for messages), stack and memo. */
export class PickleMachine {
  pos = 0;
  opPos = 0;
  opName = '';
  readonly stack: unknown[] = [];
  readonly memo = new Map<number, unknown>();
  /** Arrays that stand for Python tuples (immutable: APPEND to them is refused). */
  private readonly tuples = new WeakSet<unknown[]>();
  readonly dv: DataView;
  private readonly td = new TextDecoder();

  constructor(
    readonly bytes: Uint8Array,
    readonly opts: PickleOptions,
  ) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(msg: string): never {
    const where = this.opName ? `${this.opName} at pickle byte ${this.opPos}` : `pickle byte ${this.pos}`;
    throw new PtychoError('model-archive', `${this.opts.source}: ${msg} (${where})`, HINT);
  }

  need(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0 || n > this.bytes.length - this.pos)
      this.fail(`truncated pickle: ${n} bytes declared, ${this.bytes.length - this.pos} left`);
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.pos++];
  }

  u16(): number {
    this.need(2);
    this.pos += 2;
    return this.dv.getUint16(this.pos - 2, true);
  }

  u32(): number {
    this.need(4);
    this.pos += 4;
    return this.dv.getUint32(this.pos - 4, true);
  }

  i32(): number {
    this.need(4);
    this.pos += 4;
    return this.dv.getInt32(this.pos - 4, true);
  }

  private decode(b: Uint8Array): string {
    try {
      return this.td.decode(b);
    } catch {
      return this.fail('invalid UTF-8 in a string');
    }
  }

  str(n: number): string {
    this.need(n);
    this.pos += n;
    return this.decode(this.bytes.subarray(this.pos - n, this.pos));
  }

  raw(n: number): Uint8Array {
    this.need(n);
    this.pos += n;
    return this.bytes.slice(this.pos - n, this.pos);
  }

  line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) this.fail('unterminated text line');
    const s = this.decode(this.bytes.subarray(this.pos, end));
    this.pos = end + 1;
    return s;
  }

  push(v: unknown): void {
    this.stack.push(v);
  }

  popMark(): unknown[] {
    const i = this.stack.lastIndexOf(MARK);
    if (i < 0) this.fail('MARK expected');
    const items = this.stack.splice(i);
    items.shift();
    return items;
  }

  top(): unknown {
    if (!this.stack.length) this.fail('stack underflow');
    const v = this.stack[this.stack.length - 1];
    if (v === MARK) this.fail('value expected, found MARK');
    return v;
  }

  pop(): unknown {
    this.top();
    return this.stack.pop();
  }

  tuple(items: unknown[]): unknown[] {
    this.tuples.add(items);
    return items;
  }

  global(module: string, name: string): PickleGlobal {
    const g = new PickleGlobal(module, name);
    if (!this.opts.allowedGlobals.includes(g.qualified)) {
      this.fail(`refusing to load Python global ${g.qualified}`);
    }
    return g;
  }

  list(): unknown[] {
    const l = this.top();
    if (!Array.isArray(l) || this.tuples.has(l)) this.fail(`expected a list on the stack, found ${typeName(l)}`);
    return l as unknown[];
  }

  setItems(d: unknown, kv: unknown[]): void {
    if (!(d instanceof Map)) this.fail(`expected a dict on the stack, found ${typeName(d)}`);
    if (kv.length % 2) this.fail(`odd number of items (${kv.length}) for a dict`);
    for (let i = 0; i < kv.length; i += 2) (d as Map<unknown, unknown>).set(kv[i], kv[i + 1]);
  }

  memoPut(k: number): void {
    this.memo.set(k, this.top());
  }

  memoGet(k: number): void {
    if (!this.memo.has(k)) this.fail(`memo ${k} missing`);
    this.stack.push(this.memo.get(k));
  }

  /** Run a caller's callback; anything but a PtychoError it throws becomes one. */
  call(what: string, f: () => unknown): unknown {
    try {
      return f();
    } catch (e) {
      if (e instanceof PtychoError) throw e;
      return this.fail(`${what} failed (${e instanceof Error ? e.message : String(e)})`);
    }
  }

  /** REDUCE / NEWOBJ: a mapped reducer's result, or the call kept as a PickleReduce. */
  apply(): void {
    const args = this.pop();
    const fn = this.pop();
    if (!Array.isArray(args)) this.fail(`arguments must be a tuple, found ${typeName(args)}`);
    if (!(fn instanceof PickleGlobal)) this.fail(`callable must be a global, found ${typeName(fn)}`);
    const g = fn as PickleGlobal;
    const r = this.opts.reducers?.[g.qualified];
    this.stack.push(
      r ? this.call(g.qualified, () => r(...(args as unknown[]))) : new PickleReduce(g, args as unknown[]),
    );
  }
}
