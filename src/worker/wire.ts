/**
 * The engine protocol (protocol.ts) on a byte stream: one binary WebSocket frame per message. The structure travels
 * as JSON, the arrays (ArrayBuffer, typed arrays) as raw bytes after it, so a scan or a reconstruction crosses once,
 * uncopied by any text encoding. Non-finite numbers (NaN losses) survive, which JSON alone would turn into null.
 *
 * Frame: 'PPW1' · u32 JSON length · JSON · for each array: u32 byte length · bytes (little-endian throughout).
 * Decoding checks every length against the frame and a caller's limits, and refuses anything else with a
 * PtychoError('protocol', …): a server reads frames from whoever connects.
 */
import { PtychoError } from '../errors';

const MAGIC = [0x50, 0x50, 0x57, 0x31]; // 'PPW1'
const BIN = '$bin';
const NUM = '$num';

const TYPED = {
  Float32Array,
  Float64Array,
  Int32Array,
  Uint32Array,
  Int16Array,
  Uint16Array,
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
} as const;
type TypedName = keyof typeof TYPED;

export interface WireLimits {
  /** Largest frame accepted, bytes. */
  maxBytes: number;
  /** Most arrays in one frame. */
  maxArrays: number;
  /** Deepest nesting of the JSON structure. */
  maxDepth: number;
}

export const DEFAULT_WIRE_LIMITS: WireLimits = { maxBytes: 1 << 30, maxArrays: 4096, maxDepth: 64 };

function refuse(message: string): never {
  throw new PtychoError(
    'protocol',
    `malformed engine message: ${message}`,
    'the page and the engine server must be the same version; reload the page',
  );
}

/** One message → one frame. */
export function encodeMessage(value: unknown): Uint8Array {
  const blobs: Uint8Array[] = [];
  const walk = (v: unknown): unknown => {
    if (typeof v === 'number') return Number.isFinite(v) ? v : { [NUM]: String(v) };
    if (v === null || typeof v !== 'object') return v;
    if (v instanceof ArrayBuffer) {
      blobs.push(new Uint8Array(v));
      return { [BIN]: blobs.length - 1, type: 'ArrayBuffer' };
    }
    if (ArrayBuffer.isView(v)) {
      const name = v.constructor.name as TypedName;
      if (!(name in TYPED)) throw new TypeError(`encodeMessage: cannot send a ${name}`);
      blobs.push(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
      return { [BIN]: blobs.length - 1, type: name };
    }
    if (Array.isArray(v)) return v.map(walk);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = walk(x);
    return out;
  };
  const json = new TextEncoder().encode(JSON.stringify(walk(value)));
  let size = 8 + json.length;
  for (const b of blobs) size += 4 + b.byteLength;
  const frame = new Uint8Array(size);
  const dv = new DataView(frame.buffer);
  frame.set(MAGIC, 0);
  dv.setUint32(4, json.length, true);
  frame.set(json, 8);
  let at = 8 + json.length;
  for (const b of blobs) {
    dv.setUint32(at, b.byteLength, true);
    frame.set(b, at + 4);
    at += 4 + b.byteLength;
  }
  return frame;
}

/** One frame → the message; a PtychoError('protocol') for anything that is not a well-formed frame within `limits`. */
export function decodeMessage(frame: Uint8Array, limits: WireLimits = DEFAULT_WIRE_LIMITS): unknown {
  if (frame.byteLength > limits.maxBytes) refuse(`${frame.byteLength} bytes, over the ${limits.maxBytes}-byte limit`);
  if (frame.byteLength < 8 || MAGIC.some((m, i) => frame[i] !== m)) refuse('not a PPW1 frame');
  const dv = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const jsonLength = dv.getUint32(4, true);
  if (8 + jsonLength > frame.byteLength)
    refuse(`JSON length ${jsonLength} runs past the ${frame.byteLength}-byte frame`);
  let skeleton: unknown;
  try {
    skeleton = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(frame.subarray(8, 8 + jsonLength)));
  } catch (e) {
    refuse(`bad JSON (${(e as Error).message})`);
  }
  const blobs: Uint8Array[] = [];
  let at = 8 + jsonLength;
  while (at < frame.byteLength) {
    if (blobs.length >= limits.maxArrays) refuse(`more than ${limits.maxArrays} arrays`);
    if (at + 4 > frame.byteLength) refuse('truncated array length');
    const n = dv.getUint32(at, true);
    if (at + 4 + n > frame.byteLength) refuse(`array ${blobs.length} of ${n} bytes runs past the frame`);
    blobs.push(frame.subarray(at + 4, at + 4 + n));
    at += 4 + n;
  }
  const used = new Set<number>();
  const walk = (v: unknown, depth: number): unknown => {
    if (depth > limits.maxDepth) refuse(`nested deeper than ${limits.maxDepth}`);
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    const o = v as Record<string, unknown>;
    if (NUM in o) {
      if (!['NaN', 'Infinity', '-Infinity'].includes(o[NUM] as string)) refuse(`bad number ${JSON.stringify(o[NUM])}`);
      return Number(o[NUM]);
    }
    if (BIN in o) {
      const i = o[BIN];
      if (!Number.isInteger(i) || (i as number) < 0 || (i as number) >= blobs.length || used.has(i as number))
        refuse(`bad array reference ${JSON.stringify(i)}`);
      used.add(i as number);
      const bytes = blobs[i as number].slice(); // own, aligned buffer
      if (o.type === 'ArrayBuffer') return bytes.buffer;
      const T = TYPED[o.type as TypedName];
      if (!Object.hasOwn(TYPED, o.type as string)) refuse(`unknown array type ${JSON.stringify(o.type)}`);
      if (bytes.byteLength % T.BYTES_PER_ELEMENT)
        refuse(`${bytes.byteLength} bytes is not a whole number of ${o.type as string} elements`);
      return new T(bytes.buffer);
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) {
      if (k === '__proto__') refuse('key __proto__');
      out[k] = walk(x, depth + 1);
    }
    return out;
  };
  const value = walk(skeleton, 0);
  if (used.size !== blobs.length) refuse(`${blobs.length - used.size} arrays not referenced by the message`);
  return value;
}
