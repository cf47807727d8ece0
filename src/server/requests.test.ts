// Tests of what the engine server accepts (src/server/requests.ts) for the solver's request.
import { describe, expect, it } from 'vitest';
import { PtychoError } from '../errors';
import { checkAllowed, checkRequest } from './requests';

describe('the solve request at the engine server', () => {
  it('is accepted with its options, refused without them, and only from the controlling page', () => {
    const req = checkRequest({ id: 1, type: 'solve', request: { iterations: 5, init: 'flat' } });
    expect(req.type).toBe('solve');
    expect(() => checkRequest({ id: 2, type: 'solve' })).toThrow('solve.request must be object');
    expect(() => checkRequest({ id: 3, type: 'solve', request: [5] })).toThrow(PtychoError);
    expect(() => checkAllowed(req, { testHooks: false, controller: true })).not.toThrow();
    expect(() => checkAllowed(req, { testHooks: false, controller: false })).toThrow('another page controls');
  });
});
