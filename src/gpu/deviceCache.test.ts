/** Tests of the per-device cache (src/gpu/deviceCache.ts): one make per (device, key), devices kept apart. */
import { describe, expect, it } from 'vitest';
import { perDevice } from './deviceCache';
import type { Gpu } from './runtime';

describe('perDevice', () => {
  it('makes each (device, key) value once and keeps devices apart', () => {
    const cache = perDevice<number, string>();
    const a = {} as Gpu;
    const b = {} as Gpu;
    let made = 0;
    const make = (tag: string) => () => `${tag}${++made}`;
    expect(cache(a, 8, make('a'))).toBe('a1');
    expect(cache(a, 8, make('a'))).toBe('a1');
    expect(cache(a, 16, make('a'))).toBe('a2');
    expect(cache(b, 8, make('b'))).toBe('b3');
    expect(made).toBe(3);
  });
});
