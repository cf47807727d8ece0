/**
 * One solve of the engine host (host.ts): the iterative solver on the loaded scan (src/api/engineSolve.ts), its
 * iterations streamed to the page(s) as 'solve-progress' events and its object as the same 'preview' events a
 * training run sends, then the result image as the reconstruct request returns it.
 */
import type { Engine } from '../api/engine';
import type { Request, ResultImage, WorkerEvent } from './protocol';
import type { HostState } from './hostRequests';

type SolveRequest = Extract<Request, { type: 'solve' }>;
type SolveProgress = Extract<WorkerEvent, { type: 'solve-progress' }>;

/** A solver iteration as the event the page receives (only the plain numbers it shows). */
export function solveProgressEvent(e: Omit<SolveProgress, 'type'>): SolveProgress {
  return {
    type: 'solve-progress',
    iteration: e.iteration,
    iterations: e.iterations,
    error: e.error,
    seconds: e.seconds,
    patternsPerSecond: e.patternsPerSecond,
    positionRms: e.positionRms,
  };
}

export async function runSolve(host: HostState, e: Engine, req: SolveRequest): Promise<ResultImage> {
  const product = await e.solve(req.request, {
    // Every iteration: the error chart is the solver's monitor, and an iteration is never shorter than a GPU batch.
    onIteration: (ev) => host.emit(solveProgressEvent(ev)),
    onPreview: (p) =>
      host.emit({ type: 'preview', preview: p }, [p.amplitude.buffer as ArrayBuffer, p.phase.buffer as ArrayBuffer]),
  });
  return e.resultImage(product);
}
