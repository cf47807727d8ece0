// Tests of the solve the page follows (src/ui/solverRun.ts): the error per iteration for the chart, the latest.
import { describe, expect, it } from 'vitest';
import { endSolverRun, solverProgress, startSolverRun } from './solverRun';

const it_ = (iteration: number, error: number) => ({
  iteration,
  iterations: 3,
  error,
  seconds: iteration * 0.25,
  patternsPerSecond: 1000,
  positionRms: 0,
});

describe('the solve in the page', () => {
  it('records every iteration once, the latest as progress, and ends', () => {
    let run = startSolverRun('model');
    expect(run).toEqual({ init: 'model', running: true, progress: null, errors: [] });
    run = solverProgress(run, it_(1, 1e-2));
    run = solverProgress(run, it_(2, 1e-3));
    run = solverProgress(run, it_(2, 2e-3)); // the same iteration again replaces its point
    expect(run.errors).toEqual([
      [1, 1e-2],
      [2, 2e-3],
    ]);
    expect(run.progress).toEqual(it_(2, 2e-3));
    expect(run.init).toBe('model');
    expect(endSolverRun(run)!.running).toBe(false);
    expect(endSolverRun(null)).toBeNull();
  });

  it('follows a solve it did not start (a page joining an engine server) as a flat one', () => {
    const run = solverProgress(null, it_(1, 0.5));
    expect(run.init).toBe('flat');
    expect(run.errors).toEqual([[1, 0.5]]);
  });
});
