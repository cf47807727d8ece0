// The recovery banner: after a reload, a crash or a lost GPU device, continue the stored run or export its weights.
import type { Controller } from '../controller';
import { isRunning, useStore } from '../store';

/** After a reload, a crash or a lost GPU device: continue the stored run, or take its weights home. */
export function RecoveryBanner({ ctl }: { ctl: Controller }) {
  const recovery = useStore((s) => s.recovery);
  const k = useStore((s) => s.checkpoint);
  const status = useStore((s) => s.status);
  const warning = useStore((s) => s.storageWarning);
  return (
    <>
      {warning && (
        <div className="warning-banner" data-testid="storage-warning" role="status">
          <strong>{warning.message}</strong> <span>{warning.hint}</span>
          <button type="button" onClick={() => useStore.getState().set({ storageWarning: null })} aria-label="dismiss">
            ×
          </button>
        </div>
      )}
      {recovery && k && !isRunning(status) && (
        <div className="recovery-banner" data-testid="recovery-banner" role="status">
          <div>
            <strong>{recovery}</strong> Last checkpoint: epoch {k.epochsDone} of {k.epochs} on {k.datasetFileName}
            {k.lastTrainLoss !== null ? `, training loss ${k.lastTrainLoss.toExponential(3)}` : ''}, saved{' '}
            {new Date(k.createdAt).toLocaleString()}.
          </div>
          <div className="row">
            {k.epochsDone < k.epochs && (
              <button type="button" className="primary" data-testid="checkpoint-resume" onClick={() => ctl.train(true)}>
                Resume training from epoch {k.epochsDone + 1}
              </button>
            )}
            <button type="button" data-testid="checkpoint-export" onClick={ctl.exportCheckpoint}>
              Export it as a model
            </button>
            <button type="button" data-testid="checkpoint-discard" onClick={() => ctl.discardCheckpoint()}>
              Discard
            </button>
          </div>
        </div>
      )}
    </>
  );
}
