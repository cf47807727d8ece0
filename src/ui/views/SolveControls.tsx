// The iterative solver's row of the training view (specs/app.md "Solve and Refine"): iterations, probe and position
// refinement, "Solve (iterative)" from a flat object and "Refine" from the network's object.
import { useState } from 'react';
import type { Controller } from '../controller';
import { DEFAULT_SOLVE_CHOICE, type SolveChoice } from '../solveAction';
import { isRunning, type AppState } from '../store';

export function SolveControls({ ctl, s }: { ctl: Controller; s: AppState }) {
  const [choice, setChoice] = useState<SolveChoice>(DEFAULT_SOLVE_CHOICE);
  const canSolve = !!s.dataset && !!s.gpu?.available && !isRunning(s.status) && s.status !== 'loading';
  const iterationsOk = Number.isInteger(choice.iterations) && choice.iterations >= 1 && choice.iterations <= 100000;
  const set = (p: Partial<SolveChoice>) => setChoice((c) => ({ ...c, ...p }));
  return (
    <div className="row controls solve-controls" data-testid="solve-controls">
      <button
        type="button"
        data-testid="solve-start"
        disabled={!canSolve || !iterationsOk}
        onClick={() => ctl.solve('flat', choice)}
        title="reconstruct with the iterative solver (ePIE-style, on the GPU) from a flat object: no network, no training"
      >
        Solve (iterative)
      </button>
      <button
        type="button"
        data-testid="refine-start"
        disabled={!canSolve || !iterationsOk || !s.model}
        onClick={() => ctl.solve('model', choice)}
        title={
          s.model
            ? "start the iterative solver from the network's reconstruction and refine it"
            : 'needs a model: train one or open one first'
        }
      >
        Refine
      </button>
      <label title="solver iterations (each one visits every scan position once)">
        iterations{' '}
        <input
          type="number"
          data-testid="solve-iterations"
          className="narrow"
          min={1}
          max={100000}
          step={1}
          value={Number.isFinite(choice.iterations) ? choice.iterations : ''}
          onChange={(e) => set({ iterations: e.target.valueAsNumber })}
        />
      </label>
      <label title="update the probe too (from the first iteration)">
        <input
          type="checkbox"
          data-testid="solve-refine-probe"
          checked={choice.refineProbe}
          onChange={(e) => set({ refineProbe: e.target.checked })}
        />{' '}
        refine probe
      </label>
      <label title="correct the scan positions too (from the second iteration)">
        <input
          type="checkbox"
          data-testid="solve-refine-positions"
          checked={choice.refinePositions}
          onChange={(e) => set({ refinePositions: e.target.checked })}
        />{' '}
        refine positions
      </label>
      <span className="muted small-text">Pause and Stop above act on the solver too.</span>
    </div>
  );
}
