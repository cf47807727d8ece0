/**
 * One training run of the engine host (host.ts): resume from the stored checkpoint or start fresh, stream progress,
 * epochs, previews and checkpoints to the page(s) as events, then reconstruct with the trained model. A device lost
 * mid-run ends it as failed, with the last checkpoint kept.
 */
import { checkpointInfo, type TrainingCheckpoint } from '../api/checkpoint';
import type { Collapse, Engine, EngineTrainResult } from '../api/engine';
import { restartAfterCollapse } from '../config/presets';
import { PtychoError } from '../errors';
import { datasetLoaded, errorInfo, type HostState } from './hostRequests';
import type { Request, TrainEnd, WorkerEvent } from './protocol';

type TrainRequest = Extract<Request, { type: 'train' }>;
type EpochRecord = {
  epoch: number;
  trainLoss: number;
  valLoss: number | null;
  learningRate: number;
  seconds: number;
  amplitudeContrast?: number;
};

/** Progress events at most every 100 ms (and always when the step carries a loss). */
function progressThrottle(host: HostState) {
  let last = 0;
  return (ev: WorkerEvent & { type: 'progress' }) => {
    const now = performance.now();
    if (ev.loss === undefined && now - last < 100) return;
    last = now;
    host.emit(ev);
  };
}

/** A collapse with what the page offers to restart with (src/config/presets.ts). */
function withRestart(c: Collapse, e: Engine): Collapse & { restartWith: string } {
  return { ...c, restartWith: restartAfterCollapse(e.config, !!e.gpuInfo().isFallbackAdapter).change };
}

function epochEvent(ev: EpochRecord, collapse: TrainEnd['collapse']): WorkerEvent {
  return {
    type: 'epoch',
    epoch: ev.epoch,
    trainLoss: ev.trainLoss,
    valLoss: ev.valLoss,
    learningRate: ev.learningRate,
    seconds: ev.seconds,
    amplitudeContrast: ev.amplitudeContrast,
    collapse,
  };
}

/** The checkpoint a resumed run continues (its scan loaded again if the engine holds another), or undefined. */
async function startingPoint(host: HostState, e: Engine, req: TrainRequest): Promise<TrainingCheckpoint | undefined> {
  if (!req.resume) {
    // "Train" in the page is a fresh, reproducible run: new weights from the seed (resume continues a run).
    e.resetModel();
    return undefined;
  }
  const stored = await host.store.load();
  if (!stored) throw new PtychoError('storage', 'there is no checkpoint to resume', 'start training instead');
  const k = stored.checkpoint;
  if (!e.dataset || e.dataset.sha256 !== k.dataset.sha256) {
    if (!stored.datasetBytes)
      throw new PtychoError(
        'storage',
        `the checkpoint's scan ${k.dataset.fileName} is not stored with it`,
        `load ${k.dataset.fileName} again, then resume`,
      );
    await e.loadDataset(stored.datasetBytes, k.dataset.fileName);
    // The page shows the scan the run continues on, not the one it held before.
    host.emit({ type: 'dataset', dataset: datasetLoaded(e) });
  }
  return k;
}

/** The run's end: failed if the device was lost, else the model and (when there is one) its reconstruction. */
async function endOfRun(host: HostState, e: Engine, r: EngineTrainResult): Promise<TrainEnd> {
  const end: TrainEnd = {
    status: r.status,
    error: r.error,
    epochs: r.epochs.length,
    model: null,
    preview: r.preview,
    collapse: r.collapse && withRestart(r.collapse, e),
  };
  if (host.lostMessage) {
    end.status = 'failed';
    end.error = `the GPU device was lost (${host.lostMessage}); the last checkpoint is kept: resume or export it`;
    return end;
  }
  end.model = e.modelInfo;
  if (e.model) {
    try {
      const p = await e.reconstruct({
        stitch: 'barycentric',
        onProgress: (done, total) => host.emit({ type: 'reconstruct-progress', done, total }),
      });
      end.result = e.resultImage(p);
    } catch (err) {
      end.resultError = errorInfo(err);
    }
  }
  return end;
}

export async function runTraining(host: HostState, e: Engine, req: TrainRequest): Promise<TrainEnd> {
  const resume = await startingPoint(host, e, req);
  const ds = e.dataset;
  if (!ds) throw new PtychoError('no-dataset', 'no scan is loaded', 'drop a scan (.npz) or load the example first');
  const epochs = (resume ?? { config: e.config }).config.nepochs;
  const progress = progressThrottle(host);
  let datasetStored = false;
  host.lostMessage = null;
  const r = await e.train({
    resume,
    previewBudget: req.previewBudget,
    onStart: (model) => {
      host.emit({ type: 'model', model });
      // A resumed run shows its whole loss history, not only the epochs still to come.
      for (const ev of resume?.history ?? []) host.emit(epochEvent(ev, null));
    },
    onStep: (s) =>
      progress({
        type: 'progress',
        epoch: s.epoch,
        epochs,
        step: s.step,
        stepsPerEpoch: s.stepsPerEpoch,
        loss: s.loss,
        patternsPerSecond: s.patternsPerSecond,
        etaSeconds: s.etaSeconds,
        memory: e.gpuInfo().memory!,
      }),
    onEpoch: (ev, collapse) => host.emit(epochEvent(ev, collapse && withRestart(collapse, e))),
    onPreview: (p) =>
      host.emit({ type: 'preview', preview: p }, [p.amplitude.buffer as ArrayBuffer, p.phase.buffer as ArrayBuffer]),
    onCheckpoint: async (k) => {
      try {
        await host.store.save(k, datasetStored ? undefined : ds.bytes);
        datasetStored = true;
        host.emit({ type: 'checkpoint', info: checkpointInfo(k) });
      } catch (err) {
        host.emit({ type: 'checkpoint-error', error: errorInfo(err) });
      }
    },
  });
  return endOfRun(host, e, r);
}
