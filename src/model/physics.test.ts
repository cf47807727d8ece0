import { describe, expect, it } from 'vitest';
import { golden } from '../testing/fixtures';
import { compare } from '../testing/gpu';
import { softProbeMask } from './physics';

describe('soft probe mask vs the reference (golden mask_n16, mask_n64)', () => {
  for (const N of [16, 64]) {
    it(`N=${N} within 1e-6`, () => {
      const ref = golden('physics')(`mask_n${N}`).data as Float32Array;
      expect(compare(softProbeMask(N), ref, { atol: 1e-6 }, `mask ${N}`)).toBe('');
    });
  }
});
