// Tests of the error banner's text by code (src/ui/errorText.ts): engine-state codes get the page's hint, every
// other code keeps the engine's message and hint.
import { describe, expect, it } from 'vitest';
import { errorText } from './errorText';

describe('error banner text by code', () => {
  it("a 'no-dataset' refusal tells the user to drop a scan; the engine's message stays", () => {
    const t = errorText({ code: 'no-dataset', message: 'no dataset is loaded', hint: 'load a scan (.npz) first' });
    expect(t.code).toBe('no-dataset');
    expect(t.message).toBe('no dataset is loaded');
    expect(t.hint).toMatch(/^Drop a scan/);
  });

  it('no-model, no-result and busy get their own page hints', () => {
    const hint = (code: 'no-model' | 'no-result' | 'busy') => errorText({ code, message: 'm', hint: 'engine' }).hint;
    expect(hint('no-model')).toMatch(/open a model/);
    expect(hint('no-result')).toMatch(/Reconstruct first/);
    expect(hint('busy')).toMatch(/pause or stop/);
  });

  it("other codes keep the engine's hint (e.g. contract, internal)", () => {
    const contract = { code: 'contract' as const, message: '"probeGuess" is missing', hint: 'add probeGuess' };
    expect(errorText(contract)).toEqual(contract);
    expect(errorText({ code: 'internal', message: 'x', hint: 'reload the page' }).hint).toBe('reload the page');
  });
});
