/**
 * The state and primitives of the safe pickle VM (src/pipeline/archive/pickle.ts; format in specs/model_archive.md):
 * the byte reader with every length checked against the bytes left, the stack with MARK and type checks, the memo,
 * globals resolved only through the caller's allow-list, and callbacks whose failures become PtychoErrors naming the
 * opcode and its byte position. Nesting depth, the number of values and string lengths are counted while the value is
 * built and refused the moment they pass PICKLE_LIMITS, before the damage (memory, time) is done.
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

/**
 * What a real file of the kinds we read holds, with generous room. The reference bundle's state-dict pickle
 * (diffraction_to_obj/model.pth data.pkl) is 15 KB with 2 835 opcodes, nested 5 deep, its longest string < 100 bytes;
 * manifest.dill / params.dill / torch_scaling_metadata.pt hold ≤ 500 opcodes.
 */
export interface PickleLimits {
  /**
   * Deepest nesting of containers built (tuple in list in dict …) and of open MARKs: 1000, Python's default recursion
   * limit, so its pickler cannot have written a deeper value. Counted as each container is made or filled: a
   * container's depth is 1 + its deepest item when the item goes in (a container filled after it was itself nested —
   * through the memo — is not re-propagated upwards; toPlain's depth cap and maxValues still bound such values).
   */
  maxDepth: number;
  /**
   * Values pushed in all (each opcode pushes at most one) and memo entries: 100 000, 35× the reference state dict. This
   * also bounds the stack and every container's length, so memory stays at a few MiB whatever the input.
   */
  maxValues: number;
  /** Bytes of one string, bytes object or text line (GLOBAL): 1 MiB; state-dict keys and globals are < 200 bytes. */
  maxString: number;
}

export const PICKLE_LIMITS: Readonly<PickleLimits> = { maxDepth: 1000, maxValues: 100_000, maxString: 2 ** 20 };

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
  /** Caps on depth, value count and string length (default PICKLE_LIMITS). */
  limits?: Partial<PickleLimits>;
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
  /** Nesting depth of every container (and object) made so far; absent = 1. */
  private readonly depths = new WeakMap<object, number>();
  /** Values pushed so far and MARKs open now (see PickleLimits). */
  private values = 0;
  private marks = 0;
  readonly limits: Readonly<PickleLimits>;
  readonly dv: DataView;
  private readonly td = new TextDecoder();

  constructor(
    readonly bytes: Uint8Array,
    readonly opts: PickleOptions,
  ) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.limits = { ...PICKLE_LIMITS, ...opts.limits };
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

  /** A string / bytes length, refused past maxString before anything is read or decoded. */
  private sized(n: number): void {
    if (n > this.limits.maxString)
      this.fail(`a string of ${n} bytes is longer than the cap of ${this.limits.maxString} bytes`);
    this.need(n);
  }

  str(n: number): string {
    this.sized(n);
    this.pos += n;
    return this.decode(this.bytes.subarray(this.pos - n, this.pos));
  }

  raw(n: number): Uint8Array {
    this.sized(n);
    this.pos += n;
    return this.bytes.slice(this.pos - n, this.pos);
  }

  line(): string {
    const cap = this.limits.maxString;
    const rel = this.bytes.subarray(this.pos, this.pos + cap + 1).indexOf(0x0a);
    if (rel < 0)
      this.fail(
        this.bytes.length - this.pos > cap
          ? `a text line is longer than the cap of ${cap} bytes`
          : 'unterminated text line',
      );
    const s = this.decode(this.bytes.subarray(this.pos, this.pos + rel));
    this.pos += rel + 1;
    return s;
  }

  push(v: unknown): void {
    if (++this.values > this.limits.maxValues)
      this.fail(`the pickle builds more than ${this.limits.maxValues} values; a real one holds a few thousand`);
    this.stack.push(v);
  }

  pushMark(): void {
    if (++this.marks > this.limits.maxDepth) this.tooDeep(this.marks);
    this.push(MARK);
  }

  popMark(): unknown[] {
    const i = this.stack.lastIndexOf(MARK);
    if (i < 0) this.fail('MARK expected');
    const items = this.stack.splice(i);
    items.shift();
    this.marks--;
    return items;
  }

  private tooDeep(depth: number): never {
    return this.fail(`the value is nested ${depth} levels deep, past the cap of ${this.limits.maxDepth} levels`);
  }

  /** Nesting depth of a value: 0 for scalars, else as recorded by nest (1 when never filled). */
  depthOf(v: unknown): number {
    return typeof v === 'object' && v !== null ? (this.depths.get(v) ?? 1) : 0;
  }

  /** `c` made from or filled with `items`: its depth becomes 1 + the deepest item's, refused past maxDepth. */
  nest<T>(c: T, items: Iterable<unknown>): T {
    if (typeof c !== 'object' || c === null) return c;
    let d = this.depths.get(c) ?? 1;
    for (const x of items) d = Math.max(d, 1 + this.depthOf(x));
    if (d > this.limits.maxDepth) this.tooDeep(d);
    this.depths.set(c, d);
    return c;
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
    return this.nest(items, items);
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
    this.nest(d, kv);
    for (let i = 0; i < kv.length; i += 2) (d as Map<unknown, unknown>).set(kv[i], kv[i + 1]);
  }

  memoPut(k: number): void {
    const v = this.top();
    if (!this.memo.has(k) && this.memo.size >= this.limits.maxValues)
      this.fail(`more than ${this.limits.maxValues} memo entries; a real pickle holds a few thousand`);
    this.memo.set(k, v);
  }

  memoGet(k: number): void {
    if (!this.memo.has(k)) this.fail(`memo ${k} missing`);
    this.push(this.memo.get(k));
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
    const made = r ? this.call(g.qualified, () => r(...(args as unknown[]))) : new PickleReduce(g, args as unknown[]);
    this.push(this.nest(made, [args]));
  }
}
