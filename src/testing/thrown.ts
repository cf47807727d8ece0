/**
 * The error a refusal test expects (tests only): the PtychoError a call throws, with its code; the test fails when
 * the call returns, or throws anything that is not a PtychoError. (No time bound: tests assert no timings; how early a
 * refusal comes is checked by the memory it took, src/testing/pickleKit.ts refusesSmall.)
 */
import { getHeapStatistics } from 'node:v8';
import { expect } from 'vitest';
import { PtychoError } from '../errors';

/** The PtychoError `fn` throws (with `code` when given). */
export function thrownPtychoError(fn: () => unknown, code?: string): PtychoError {
  let err: unknown;
  let threw = false;
  try {
    fn();
  } catch (e) {
    err = e;
    threw = true;
  }
  if (!(err instanceof PtychoError)) throw new Error(`expected a PtychoError, got ${threw ? String(err) : 'a result'}`);
  if (code !== undefined) expect(err.code).toBe(code);
  return err;
}

/**
 * `thrownPtychoError`, and the memory the refusal took: the growth of heapUsed + arrayBuffers and of the committed
 * heap (which keeps the trace of garbage a collection during the call freed), the larger one, in bytes. How early a
 * refusal comes, without timing it.
 */
export function thrownSmall(fn: () => unknown, code?: string): { error: PtychoError; grew: number } {
  const m0 = process.memoryUsage();
  const h0 = getHeapStatistics().total_heap_size;
  const error = thrownPtychoError(fn, code);
  const m1 = process.memoryUsage();
  const grew = Math.max(
    m1.heapUsed + m1.arrayBuffers - m0.heapUsed - m0.arrayBuffers,
    getHeapStatistics().total_heap_size - h0,
  );
  return { error, grew };
}

/** The PtychoError('config') that `fn` throws. */
export const configError = (fn: () => unknown): PtychoError => thrownPtychoError(fn, 'config');
