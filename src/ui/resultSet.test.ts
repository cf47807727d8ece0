// Tests of the kept results (src/ui/resultSet.ts): one per kind, which is shown, what the exports write, the line
// that says what the solver ran.
import { describe, expect, it } from 'vitest';
import type { ResultImage, SolverSummary } from '../worker/protocol';
import { NO_RESULTS, resultKind, showResult, solverLine, withoutResult, withResult } from './resultSet';

const summary = (p: Partial<SolverSummary> = {}): SolverSummary => ({
  init: 'flat',
  iterations: 30,
  seconds: 7.62,
  error: 3.31e-5,
  refinedProbe: false,
  refinedPositions: false,
  positionRms: 0,
  ...p,
});

const image = (stitch: ResultImage['stitch'], solver?: SolverSummary): ResultImage => ({
  width: 2,
  height: 1,
  origin: [0, 0],
  object: new Float32Array(4),
  weights: new Float32Array(2),
  stitch,
  patches: 1,
  solver,
});

describe('kept results', () => {
  const network = image('barycentric');
  const solver = image('solver', summary());
  const refined = image('solver', summary({ init: 'model' }));

  it('tells the kinds apart: stitched patches, the solver from flat, the solver from the model', () => {
    expect(resultKind(network)).toBe('network');
    expect(resultKind(image('position'))).toBe('network');
    expect(resultKind(solver)).toBe('solver');
    expect(resultKind(refined)).toBe('refined');
  });

  it('keeps one of each kind, shows the newest, and switches between them', () => {
    let s = { ...NO_RESULTS, ...withResult(NO_RESULTS.results, network) };
    s = { ...s, ...withResult(s.results, solver) };
    expect(s.shown).toBe('solver');
    expect(s.latest).toBe('solver');
    expect(s.result).toBe(solver);
    expect(Object.keys(s.results).sort()).toEqual(['network', 'solver']);
    s = { ...s, ...showResult(s.results, 'network') };
    expect(s.result).toBe(network);
    expect(s.latest).toBe('solver'); // the exports still write the solver's
    expect(showResult(s.results, 'refined')).toEqual({}); // none kept: nothing changes
    const again = image('solver', summary({ iterations: 5 }));
    s = { ...s, ...withResult(s.results, again) };
    expect(s.results.solver).toBe(again);
    expect(withResult(s.results, null)).toEqual({});
  });

  it('forgets a stale kind and shows what is left', () => {
    let s = { ...NO_RESULTS, ...withResult({}, solver) };
    s = { ...s, ...withResult(s.results, network) };
    const gone = withoutResult(s, 'network');
    expect(gone.results).toEqual({ solver });
    expect(gone.shown).toBe('solver');
    expect(gone.result).toBe(solver);
    expect(gone.latest).toBeNull();
    const kept = withoutResult({ ...s, shown: 'solver' }, 'network');
    expect(kept.shown).toBe('solver');
    expect(withoutResult(NO_RESULTS, 'network')).toEqual(NO_RESULTS);
  });

  it('says what the solver ran in one line', () => {
    expect(solverLine(summary({ refinedProbe: true }))).toBe(
      'iterative solver, 30 iterations in 7.6 s, error 3.3e-5, probe refined',
    );
    expect(
      solverLine(summary({ init: 'model', iterations: 1, error: null, refinedPositions: true, positionRms: 0.25 })),
    ).toBe("iterative solver from the network's object, 1 iteration in 7.6 s, positions refined (RMS move 0.25 px)");
  });
});
