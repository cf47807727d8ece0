/** Tests of the tensor arena layout (src/gpu/arena.ts): aligned offsets and padded totals. */
import { describe, expect, it } from 'vitest';
import { arenaLayout } from './arena';

describe('arenaLayout', () => {
  it('places each tensor at the next aligned offset and pads the total to the alignment', () => {
    expect(arenaLayout([[3, 5], [1], [64], [65]], 64)).toEqual({ offsets: [0, 64, 128, 192], floats: 320 });
    expect(arenaLayout([[0]], 64)).toEqual({ offsets: [0], floats: 64 });
    expect(arenaLayout([], 64)).toEqual({ offsets: [], floats: 64 });
  });
  it('refuses a non-positive alignment', () => {
    expect(() => arenaLayout([[1]], 0)).toThrow(RangeError);
  });
});
