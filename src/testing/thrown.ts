/**
 * The error a refusal test expects (tests only): the PtychoError a call throws, with its code, optionally within a
 * time bound; the test fails when the call returns, or throws anything that is not a PtychoError.
 */
import { expect } from 'vitest';
import { PtychoError } from '../errors';

/** The PtychoError `fn` throws (with `code` when given); `ms` bounds the time the refusal may take. */
export function thrownPtychoError(fn: () => unknown, code?: string, ms?: number): PtychoError {
  const t0 = performance.now();
  let err: unknown;
  let threw = false;
  try {
    fn();
  } catch (e) {
    err = e;
    threw = true;
  }
  if (ms !== undefined) expect(performance.now() - t0).toBeLessThan(ms);
  if (!(err instanceof PtychoError)) throw new Error(`expected a PtychoError, got ${threw ? String(err) : 'a result'}`);
  if (code !== undefined) expect(err.code).toBe(code);
  return err;
}

/** The PtychoError('config') that `fn` throws. */
export const configError = (fn: () => unknown): PtychoError => thrownPtychoError(fn, 'config');
