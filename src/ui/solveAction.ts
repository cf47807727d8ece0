/**
 * What "Solve (iterative)" and "Refine" do in the page: ask the engine for a solve (flat start, or the model's
 * object for a refinement) and keep its result beside the network's. Pause, resume and stop are the training
 * buttons' requests: the engine applies them to whichever job runs.
 */
import type { EngineClient } from '../worker/client';
import type { ErrorInfo } from '../worker/protocol';
import { withResult } from './resultSet';
import { endSolverRun, startSolverRun } from './solverRun';
import { useStore } from './store';

/** What the solve row of the page sets. */
export interface SolveChoice {
  iterations: number;
  refineProbe: boolean;
  refinePositions: boolean;
}

export const DEFAULT_SOLVE_CHOICE: SolveChoice = { iterations: 30, refineProbe: false, refinePositions: false };

export async function solveInPage(
  client: EngineClient,
  init: 'flat' | 'model',
  choice: SolveChoice,
  fail: (e: ErrorInfo | unknown) => void,
): Promise<void> {
  const store = useStore.getState();
  store.set({
    status: 'solving',
    error: null,
    busy: init === 'model' ? "preparing: the network's object to start from…" : 'preparing the solver…',
    live: null,
    liveFrom: 'solver',
    previews: 0,
    solver: startSolverRun(init),
  });
  const settled = () => {
    const s = useStore.getState();
    return { solver: endSolverRun(s.solver), busy: null, status: s.model ? ('trained' as const) : ('ready' as const) };
  };
  try {
    const r = await client.request({
      type: 'solve',
      request: {
        init,
        iterations: choice.iterations,
        refineProbe: choice.refineProbe,
        refinePositions: choice.refinePositions,
      },
    });
    useStore.getState().set({ ...settled(), ...withResult(useStore.getState().results, r) });
  } catch (e) {
    useStore.getState().set(settled());
    fail(e);
  }
}
