/**
 * The solve in progress (or the last one) as the page shows it: the latest iteration and the error per iteration for
 * the chart. Pure: the store applies these to 'solve-progress' events.
 */
import type { WorkerEvent } from '../worker/protocol';

export type SolveProgress = Omit<Extract<WorkerEvent, { type: 'solve-progress' }>, 'type'>;

export interface SolverRun {
  init: 'flat' | 'model';
  /** True from the request until its answer. */
  running: boolean;
  /** The latest iteration, or null before the first one ends. */
  progress: SolveProgress | null;
  /** [iteration, error] of every iteration so far (the chart's points). */
  errors: [number, number][];
}

export function startSolverRun(init: 'flat' | 'model'): SolverRun {
  return { init, running: true, progress: null, errors: [] };
}

/** One iteration more (an event repeated for the same iteration replaces its point). */
export function solverProgress(run: SolverRun | null, e: SolveProgress): SolverRun {
  const base = run ?? startSolverRun('flat');
  const { iteration, iterations, error, seconds, patternsPerSecond, positionRms } = e;
  return {
    ...base,
    progress: { iteration, iterations, error, seconds, patternsPerSecond, positionRms },
    errors: [...base.errors.filter(([i]) => i !== iteration), [iteration, error]],
  };
}

export function endSolverRun(run: SolverRun | null): SolverRun | null {
  return run && { ...run, running: false };
}
