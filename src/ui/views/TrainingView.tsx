// The training view (specs/app.md): controls, the model line, progress with GPU memory, the live loss chart and
// the live stitched object.
import { useMemo } from 'react';
import { range, toRgba } from '../colormaps';
import type { Controller } from '../controller';
import { isRunning, useStore, type AppState } from '../store';
import { ColorLegend } from '../widgets/ColorLegend';
import { ImageViewer } from '../widgets/ImageViewer';
import { LossChart } from '../widgets/LossChart';
import { SolverErrorChart } from '../widgets/SolverErrorChart';
import { SolveControls } from './SolveControls';

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '—';
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

export const formatBytes = (b: number) => (b >= 1e9 ? `${(b / 1e9).toFixed(2)} GB` : `${(b / 1e6).toFixed(1)} MB`);

/** Train, pause, resume, stop, reconstruct and export buttons. */
function TrainingControls({ ctl, s }: { ctl: Controller; s: AppState }) {
  const { status, gpu, model } = s;
  const running = isRunning(status);
  const canTrain = !!s.dataset && !!gpu?.available && !running && status !== 'loading';
  return (
    <div className="row controls">
      <button
        type="button"
        className="primary"
        data-testid="train-start"
        disabled={!canTrain}
        onClick={() => ctl.train(false)}
        title={gpu && !gpu.available ? 'WebGPU is unavailable in this browser' : ''}
      >
        {model ? 'Train a new model' : 'Train'}
      </button>
      <button
        type="button"
        data-testid="train-pause"
        disabled={status !== 'training' && status !== 'solving'}
        onClick={() => ctl.pause()}
      >
        Pause
      </button>
      <button type="button" data-testid="train-resume" disabled={status !== 'paused'} onClick={() => ctl.resume()}>
        Resume
      </button>
      <button type="button" data-testid="train-stop" disabled={!running} onClick={() => ctl.stop()}>
        Stop
      </button>
      <button
        type="button"
        data-testid="reconstruct"
        disabled={!model || !s.dataset || running || !!s.busy}
        onClick={() => ctl.reconstruct()}
        title="predict every scan position with the current model and stitch the object"
      >
        Reconstruct
      </button>
      <button type="button" data-testid="export-model" disabled={!model || running} onClick={ctl.exportModel}>
        Export model
      </button>
      <button
        type="button"
        data-testid="export-torch"
        disabled={!model || running}
        onClick={ctl.exportTorch}
        title="the model as the PyTorch reference's model bundle, wts.h5.zip"
      >
        Export for PyTorch
      </button>
    </div>
  );
}

/** Which model the engine holds (or how to get one). */
function ModelLine({ model }: { model: AppState['model'] }) {
  return (
    <p className="model-line" data-testid="model-info">
      {model ? (
        <>
          Model:{' '}
          {model.kind === 'trained'
            ? 'trained here'
            : model.kind === 'checkpoint'
              ? model.source
              : `${model.kind === 'torch' ? 'PyTorch bundle' : 'opened'} ${model.source}`}{' '}
          · N {model.N} · gridsize {model.gridsize} · {model.generator} · {model.parameters.toLocaleString('en')}{' '}
          parameters
        </>
      ) : (
        <span className="muted">
          No model yet: train one, or drop a model archive (ours or a PtychoPINN wts.h5.zip) to reconstruct without
          training.
        </span>
      )}
    </p>
  );
}

/** The progress bar with epoch, step, speed and ETA (or the last run), and the GPU memory in use. */
function ProgressLine({ s }: { s: AppState }) {
  const { status, progress: p, gpu } = s;
  const done = p ? (p.epoch - 1) * p.stepsPerEpoch + p.step : 0;
  const total = p ? p.epochs * p.stepsPerEpoch : 1;
  if (s.solver && s.liveFrom === 'solver') return <SolverProgressLine s={s} />;
  return (
    <div className="progress-line" data-testid="train-progress" aria-live="polite">
      <progress value={done} max={total} />
      <span>
        {p ? (
          <>
            epoch {p.epoch}/{p.epochs} · step {p.step}/{p.stepsPerEpoch} ·{' '}
            {p.patternsPerSecond.toFixed(p.patternsPerSecond < 10 ? 2 : 0)} patterns/s · ETA{' '}
            {formatSeconds(p.etaSeconds)}
            {status === 'paused' ? ' · paused' : ''}
          </>
        ) : s.lastRun ? (
          `last run: ${s.lastRun.status}, ${s.lastRun.epochs} epoch${s.lastRun.epochs === 1 ? '' : 's'}`
        ) : (
          'not started'
        )}
      </span>
      {gpu?.memory && (
        <span className="muted" data-testid="gpu-memory">
          GPU memory in use: {formatBytes(gpu.memory.inUseBytes)} (allocated {formatBytes(gpu.memory.allocatedBytes)},
          peak {formatBytes(gpu.memory.peakInUseBytes)})
        </span>
      )}
    </div>
  );
}

/** The solver's progress in the same place as training's: iteration, error, speed, position moves. */
function SolverProgressLine({ s }: { s: AppState }) {
  const p = s.solver?.progress;
  return (
    <div className="progress-line" data-testid="train-progress" aria-live="polite">
      <progress value={p?.iteration ?? 0} max={p?.iterations ?? 1} />
      <span>
        {p ? (
          <>
            {s.solver?.running ? '' : 'last '}
            {s.solver?.init === 'model' ? 'refinement: ' : 'iterative solver: '}
            iteration {p.iteration}/{p.iterations} · error {p.error.toExponential(2)} · {p.patternsPerSecond.toFixed(0)}{' '}
            patterns/s
            {p.positionRms > 0 ? ` · positions moved ${p.positionRms.toFixed(2)} px RMS` : ''}
            {s.status === 'paused' ? ' · paused' : ''}
          </>
        ) : (
          'iterative solver: starting'
        )}
      </span>
    </div>
  );
}

/** The live stitched object of the whole scan (amplitude and phase), refreshed during training. */
function LivePreview({ s }: { s: AppState }) {
  const live = s.live;
  const liveAmp = useMemo(
    () => (live ? { px: toRgba(live.amplitude, 'viridis', ...range(live.amplitude)), r: range(live.amplitude) } : null),
    [live],
  );
  const livePh = useMemo(() => (live ? toRgba(live.phase, 'twilight', -Math.PI, Math.PI) : null), [live]);
  return (
    <div className="live">
      {live && liveAmp && livePh ? (
        <>
          <div className="images">
            <ImageViewer
              title="live amplitude"
              testId="live-amplitude"
              width={live.width}
              height={live.height}
              pixels={liveAmp.px}
              size={170}
              legend={<ColorLegend colormap="viridis" lo={liveAmp.r[0]} hi={liveAmp.r[1]} />}
            />
            <ImageViewer
              title="live phase"
              testId="live-phase"
              width={live.width}
              height={live.height}
              pixels={livePh}
              size={170}
              legend={<ColorLegend colormap="twilight" lo={-Math.PI} hi={Math.PI} cyclic />}
            />
          </div>
          {s.liveFrom === 'solver' ? (
            <p className="muted small-text">
              The solver&apos;s object after iteration {live.step} ({s.previews} refresh{s.previews === 1 ? '' : 'es'}).
            </p>
          ) : (
            <p className="muted small-text">
              Stitched from every scan position at epoch {live.epoch + 1}, step {live.step + 1} ({s.previews} refresh
              {s.previews === 1 ? '' : 'es'}; previews took {(100 * live.overhead).toFixed(1)} % of the training time).
            </p>
          )}
        </>
      ) : (
        <p className="muted small-text">
          The stitched object of the whole scan appears here during training (refreshed as often as costs at most ~12 %
          of the training time) or the iterative solver.
        </p>
      )}
    </div>
  );
}

/** Training controls, progress, the live loss chart and the live stitched object of the whole scan. */
/**
 * The collapse detector's verdict (src/model/collapse.ts), as soon as an epoch ends in it: where the amplitude went
 * flat, and a restart with the fix (stopping the run first if it is still going).
 */
export function CollapseWarning({ ctl, s }: { ctl: Controller; s: AppState }) {
  const c = s.collapse;
  if (!c) return null;
  const running = isRunning(s.status);
  return (
    <div className="notice warning" role="alert" data-testid="collapse-warning">
      The amplitude collapsed to a constant at epoch {c.epoch + 1}: its contrast where the probe lights the object is{' '}
      {(100 * c.contrast).toFixed(2)} % (healthy runs show several %). Unless the sample is a pure phase object, this
      model&apos;s picture is flat.{' '}
      <button type="button" data-testid="collapse-restart" onClick={() => ctl.restartAfterCollapse()}>
        {running ? 'Stop and restart' : 'Restart'} with {c.restartWith}
      </button>
    </div>
  );
}

export function TrainingView({ ctl }: { ctl: Controller }) {
  const s = useStore();
  return (
    <section className="panel" data-testid="training">
      <h2>Training and iterative solver</h2>
      <TrainingControls ctl={ctl} s={s} />
      <SolveControls ctl={ctl} s={s} />
      <ModelLine model={s.model} />
      <ProgressLine s={s} />
      <CollapseWarning ctl={ctl} s={s} />
      {s.busy && (
        <p className="busy" data-testid="busy">
          {s.busy}
        </p>
      )}
      <div className="training-grid">
        <div className="chart-box">
          {/* Before any training, a solve's error chart stands alone (an empty loss chart would only take room). */}
          {(!s.solver || s.losses.length > 0 || s.stepLosses.length > 0 || s.status === 'training') && (
            <LossChart losses={s.losses} stepLosses={s.stepLosses} testId="loss-chart" />
          )}
          {s.solver && <SolverErrorChart errors={s.solver.errors} testId="solver-chart" />}
        </div>
        <LivePreview s={s} />
      </div>
    </section>
  );
}
