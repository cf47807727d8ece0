// Tests of the engine wire format (src/worker/wire.ts): round trips, views of larger buffers, refusals by name.
import { describe, expect, it } from 'vitest';
import { PtychoError } from '../errors';
import { decodeMessage, encodeMessage } from './wire';
import { concatAll } from '../testing/fuzz/mutate';

const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(PtychoError);
    expect((e as PtychoError).code).toBe('protocol');
    return (e as PtychoError).message;
  }
  throw new Error('expected a refusal');
};

describe('engine wire format', () => {
  it('round-trips requests, events and results: nested objects, arrays of every kind, NaN and ±Infinity', () => {
    const bytes = new Uint8Array([1, 2, 3, 250]).buffer;
    const msg = {
      id: 7,
      type: 'load',
      fileName: 'scan.npz',
      bytes,
      preview: {
        amplitude: Float32Array.from([1.5, -2, 3e-30]),
        scan: [Float64Array.from([Math.PI]), new Int32Array([-1, 2 ** 31 - 1])],
      },
      loss: NaN,
      eta: Infinity,
      low: -Infinity,
      none: null,
      flag: false,
      skipped: undefined,
      text: 'üñí ✓',
    };
    const back = decodeMessage(encodeMessage(msg)) as typeof msg;
    expect(back.id).toBe(7);
    expect(new Uint8Array(back.bytes)).toEqual(new Uint8Array([1, 2, 3, 250]));
    expect(back.bytes).toBeInstanceOf(ArrayBuffer);
    expect(back.preview.amplitude).toBeInstanceOf(Float32Array);
    expect(Array.from(back.preview.amplitude)).toEqual(Array.from(Float32Array.from([1.5, -2, 3e-30])));
    expect(back.preview.scan[0][0]).toBe(Math.PI);
    expect(Array.from(back.preview.scan[1] as Int32Array)).toEqual([-1, 2 ** 31 - 1]);
    expect(back.loss).toBeNaN();
    expect(back.eta).toBe(Infinity);
    expect(back.low).toBe(-Infinity);
    expect(back.none).toBeNull();
    expect(back.flag).toBe(false);
    expect('skipped' in back).toBe(false);
    expect(back.text).toBe('üñí ✓');
  });

  it('sends a view of a larger buffer as just its bytes', () => {
    const big = new Float32Array(100).map((_, i) => i);
    const view = big.subarray(10, 13);
    const frame = encodeMessage({ v: view });
    expect(frame.byteLength).toBeLessThan(100);
    expect(Array.from((decodeMessage(frame) as { v: Float32Array }).v)).toEqual([10, 11, 12]);
  });

  it('refuses malformed frames by name: magic, lengths, JSON, references, types, limits', () => {
    const good = encodeMessage({ a: new Float32Array([1, 2]) });
    expect(refusal(() => decodeMessage(new Uint8Array([1, 2, 3])))).toMatch(/not a PPW1 frame/);
    const longJson = good.slice();
    new DataView(longJson.buffer).setUint32(4, 1e6, true);
    expect(refusal(() => decodeMessage(longJson))).toMatch(/JSON length/);
    expect(refusal(() => decodeMessage(good.subarray(0, good.length - 2)))).toMatch(/runs past the frame|truncated/);
    const enc = (json: string, ...blobs: Uint8Array[]) => {
      const j = new TextEncoder().encode(json);
      const parts: Uint8Array[] = [
        new Uint8Array([0x50, 0x50, 0x57, 0x31, ...new Uint8Array(new Uint32Array([j.length]).buffer)]),
        j,
      ];
      for (const b of blobs) parts.push(new Uint8Array(new Uint32Array([b.length]).buffer), b);
      return concatAll(parts);
    };
    expect(refusal(() => decodeMessage(enc('{"a":')))).toMatch(/bad JSON/);
    expect(refusal(() => decodeMessage(enc('{"a":{"$bin":3,"type":"Float32Array"}}', new Uint8Array(4))))).toMatch(
      /bad array reference/,
    );
    expect(refusal(() => decodeMessage(enc('{"a":{"$bin":0,"type":"Function"}}', new Uint8Array(4))))).toMatch(
      /unknown array type/,
    );
    expect(refusal(() => decodeMessage(enc('{"a":{"$bin":0,"type":"Float32Array"}}', new Uint8Array(5))))).toMatch(
      /whole number/,
    );
    expect(refusal(() => decodeMessage(enc('{"a":1}', new Uint8Array(4))))).toMatch(/not referenced/);
    expect(
      refusal(() =>
        decodeMessage(
          enc('{"a":{"$bin":0,"type":"Uint8Array"},"b":{"$bin":0,"type":"Uint8Array"}}', new Uint8Array(4)),
        ),
      ),
    ).toMatch(/bad array reference/);
    expect(refusal(() => decodeMessage(enc('{"n":{"$num":"1e999x"}}')))).toMatch(/bad number/);
    expect(refusal(() => decodeMessage(enc('{"__proto__":{"x":1}}')))).toMatch(/__proto__/);
    expect(refusal(() => decodeMessage(enc('['.repeat(100) + ']'.repeat(100))))).toMatch(/nested deeper/);
    expect(refusal(() => decodeMessage(good, { maxBytes: 10, maxArrays: 10, maxDepth: 10 }))).toMatch(
      /over the 10-byte limit/,
    );
    expect(
      refusal(() =>
        decodeMessage(encodeMessage([new Uint8Array(1), new Uint8Array(1)]), {
          maxBytes: 1e6,
          maxArrays: 1,
          maxDepth: 10,
        }),
      ),
    ).toMatch(/more than 1 arrays/);
  });
});
