/**
 * What the page's buttons do: each action asks the engine worker (through EngineClient only) and records the
 * answer in the store. Errors land in the error banner with the engine's message and hint; a failed action never
 * drops what was loaded.
 */
import { PRESET_FIELDS, presetConfig, presetFor, restartAfterCollapse } from '../config/presets';
import type { TrainingConfig } from '../config/schema';
import { EngineClient } from '../worker/client';
import type {
  AttachState,
  DatasetLoaded,
  ErrorInfo,
  FileOut,
  SimulateRequest,
  StitchMethod,
  TrainEnd,
} from '../worker/protocol';
import { engineServerTarget } from './engineLocation';
import { NO_RESULTS, showResult, withoutResult, withResult, type ResultKind } from './resultSet';
import { solveInPage, type SolveChoice } from './solveAction';
import { attachedState, useStore, type DatasetSource } from './store';
import { buildHash, parseHash } from './urlState';

export const EXAMPLES: Record<string, { url: string; label: string }> = {
  'lines-n32': { url: '/fixtures/lines-n32.npz', label: 'lines, N 32 (default probe)' },
  'lines-fly64': { url: '/fixtures/lines-fly64.npz', label: 'lines, N 64 (measured fly001 probe)' },
};
export const DEFAULT_EXAMPLE = 'lines-n32';

const asError = (e: unknown): ErrorInfo =>
  e && typeof e === 'object' && 'message' in e && 'code' in e
    ? (e as ErrorInfo)
    : { code: 'internal', message: String((e as Error)?.message ?? e), hint: 'reload the page' };

export function download(out: FileOut | { blob: Blob; fileName: string }): void {
  const blob = 'blob' in out ? out.blob : new Blob([out.bytes]);
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = out.fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

export class Controller {
  readonly client: EngineClient;
  /** A run this page asked for is in progress (its end arrives as the request's answer, not only as an event). */
  private ownRun = false;
  /** The engine server's connection was lost: on the next 'open', join the job again. */
  private rejoin = false;
  private get s() {
    return useStore.getState();
  }

  constructor() {
    const server = engineServerTarget();
    this.client = new EngineClient(server);
    if (server) this.s.set({ engine: { kind: 'server', host: new URL(server.url).host } });
    this.client.onEvent((e) => {
      this.s.applyEvent(e);
      if (e.type === 'train-end' && !this.ownRun) this.finishTraining(e.end);
      // A resumed run brought back its checkpoint's scan: the link now describes that (a file: #example=none).
      if (e.type === 'dataset') this.syncHash();
      if (e.type === 'connection' && e.state === 'lost') this.rejoin = true;
      if (e.type === 'connection' && e.state === 'open' && this.rejoin) {
        this.rejoin = false;
        this.ownRun = false;
        void this.join();
      }
    });
  }

  /** Ask the engine what it holds and show it (a page reconnecting to an engine server finds its job again). */
  private async join(): Promise<AttachState | null> {
    const init = await this.client.request({ type: 'init' });
    this.s.set({ gpu: init.gpu, checkpoint: init.checkpoint, storageWarning: init.checkpointError ?? null });
    if (init.attach) this.attach(init.attach);
    return init.attach;
  }

  /** Show a job the engine already holds: scan, config, model, the run in progress with its history, the result. */
  private attach(a: AttachState): void {
    this.s.set(attachedState(a));
    if (a.training?.progress) this.s.applyEvent(a.training.progress);
  }

  private fail(e: unknown): void {
    this.s.setError(asError(e));
  }

  /**
   * Start: engine + GPU info + stored checkpoint; settings from the URL (else the adapter's preset); then the example
   * unless #example=none.
   */
  async start(): Promise<void> {
    let url: ReturnType<typeof parseHash> = {};
    try {
      url = parseHash(location.hash);
    } catch (e) {
      this.fail(e);
    }
    try {
      // Joining an engine server's job: show it as it is (no example, no settings from the link over it).
      if (await this.join()) return;
      const k = this.s.checkpoint;
      if (k) {
        this.s.set({
          recovery:
            k.epochsDone < k.epochs
              ? `A training run of ${k.datasetFileName} stopped after epoch ${k.epochsDone} of ${k.epochs}.`
              : `The last training run (${k.datasetFileName}, ${k.epochsDone} epochs) is stored.`,
        });
      }
      if (url.config) await this.applyConfig(url.config.config, url.config.given, true);
      // No settings in the link: the preset measured for this adapter (small on a software one, else reference).
      else if (this.s.gpu?.available)
        await this.applyConfig(presetConfig(presetFor(this.s.gpu.isFallbackAdapter), this.s.config), [], true);
      if (url.stitch) this.s.set({ stitch: url.stitch });
    } catch (e) {
      this.fail(e);
    }
    // An engine server that refused this page: keep its reason on screen; there is no engine to load into.
    if (this.client.refused) return;
    // A page watching another page's job on an engine server loads nothing of its own.
    const control = this.s.control;
    if (this.s.engine.kind === 'server' && control && !control.controller) return;
    if (url.simulate) await this.simulate(url.simulate);
    else if (url.example !== 'none')
      await this.loadExample(url.example && EXAMPLES[url.example] ? url.example : DEFAULT_EXAMPLE);
  }

  /** Keep the link in the address bar current (config, seed, dataset source, stitch). */
  syncHash(): void {
    const s = this.s;
    const src = s.datasetSource;
    const hash = buildHash({
      // A scan from a file or a simulation cannot come back from the bundled example: a reload must not load it.
      example: src?.kind === 'example' ? src.name : src?.kind === 'simulated' ? undefined : 'none',
      simulate: src?.kind === 'simulated' ? src.request : undefined,
      config: s.config,
      stitch: s.stitch,
    });
    if (hash !== location.hash) history.replaceState(null, '', hash);
  }

  async loadExample(name: string): Promise<void> {
    const ex = EXAMPLES[name];
    this.s.set({ status: 'loading', error: null });
    let bytes: ArrayBuffer;
    try {
      const r = await fetch(ex.url);
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      bytes = await r.arrayBuffer();
    } catch (e) {
      this.fail({
        code: 'internal',
        message: `could not fetch the example dataset ${ex.url} (${(e as Error).message})`,
        hint: 'reload the page',
      });
      return;
    }
    await this.loadBytes(`${name}.npz`, bytes, { kind: 'example', name });
  }

  /** A dropped or picked file: a scan (.npz/.npy) or a model archive (ours or wts.h5.zip), told apart by content. */
  async openFile(file: File): Promise<void> {
    await this.loadBytes(file.name, await file.arrayBuffer(), { kind: 'file', name: file.name });
  }

  private async loadBytes(fileName: string, bytes: ArrayBuffer, source: DatasetSource): Promise<void> {
    const prev = this.s.status;
    this.s.set({ status: 'loading', error: null, busy: `reading ${fileName}…` });
    try {
      const r = await this.client.load(fileName, bytes);
      if (r.kind === 'dataset') {
        this.showDataset(r, source);
      } else {
        this.s.set({
          model: r.model,
          config: r.config,
          // A new model makes the network's result stale; the solver's stay (same scan).
          ...withoutResult(this.s, 'network'),
          losses: [],
          stepLosses: [],
          status: this.s.dataset ? 'trained' : prev === 'loading' ? 'idle' : prev,
          busy: null,
        });
      }
      this.syncHash();
    } catch (e) {
      this.s.set({ status: prev === 'loading' ? 'idle' : prev });
      this.fail(e);
    }
  }

  /** A new scan replaces the last result and live view; the engine's answer says whether a model survived it. */
  private showDataset(r: Omit<DatasetLoaded, 'kind'>, source: DatasetSource): void {
    const { preview, config, model } = r;
    const status = model ? 'trained' : 'ready';
    this.s.set({
      dataset: preview,
      datasetSource: source,
      config,
      model,
      ...NO_RESULTS,
      solver: null,
      live: null,
      status,
      busy: null,
    });
  }

  async simulate(request: SimulateRequest): Promise<void> {
    this.s.set({ status: 'loading', error: null, busy: 'simulating a scan…' });
    try {
      const r = await this.client.request({ type: 'simulate', request });
      this.showDataset(r, { kind: 'simulated', request });
      this.syncHash();
    } catch (e) {
      this.fail(e);
    }
  }

  /** Send settings to the engine; `given` are the fields the user set (they survive the next scan's metadata). */
  /** The engine decides (N follows the probe): the store shows the config the engine answers with. */
  async applyConfig(config: TrainingConfig, given: string[], replace = false): Promise<void> {
    try {
      const r = await this.client.request({ type: 'setConfig', config, explicit: given, replaceExplicit: replace });
      this.s.set({ config: r.config, model: r.model });
      this.syncHash();
    } catch (e) {
      this.fail(e);
    }
  }

  async setStitch(stitch: StitchMethod): Promise<void> {
    this.s.set({ stitch });
    this.syncHash();
    if (this.s.model && this.s.dataset && this.s.results.network) await this.reconstruct();
  }

  /**
   * After a collapse: stop the run if it is still going, take the fix (the adapter's preset, or the next seed;
   * src/config/presets.ts), and train again.
   */
  async restartAfterCollapse(): Promise<void> {
    if (this.running) {
      this.stop();
      await this.running;
    }
    const r = restartAfterCollapse(this.s.config, !!this.s.gpu?.isFallbackAdapter);
    await this.applyConfig(r.config, r.preset ? [...PRESET_FIELDS] : ['seed']);
    await this.train(false);
  }

  /** The page's own run in progress (settles when it ends), or null. */
  private running: Promise<void> | null = null;

  async train(resume = false): Promise<void> {
    const run = this.runTraining(resume);
    this.running = run;
    try {
      await run;
    } finally {
      if (this.running === run) this.running = null;
    }
  }

  private async runTraining(resume: boolean): Promise<void> {
    const s = this.s;
    this.s.set({
      status: 'training',
      error: null,
      recovery: null,
      busy: resume ? 'resuming from the checkpoint…' : 'preparing…',
      progress: null,
      live: null,
      liveFrom: 'training',
      previews: 0,
      ...withoutResult(this.s, 'network'),
      collapse: null,
      ...(resume ? {} : { losses: [], stepLosses: [] }),
    });
    if (resume && s.checkpoint) this.s.set({ config: s.checkpoint.config });
    let end: TrainEnd;
    this.ownRun = true;
    try {
      end = await this.client.request({ type: 'train', resume });
    } catch (e) {
      this.s.set({ status: this.s.model ? 'trained' : this.s.dataset ? 'ready' : 'idle', busy: null, progress: null });
      this.fail(e);
      return;
    } finally {
      this.ownRun = false;
    }
    this.finishTraining(end);
  }

  /** A run ended (this page's, or one it joined on an engine server): model, result, and what went wrong if anything. */
  private finishTraining(end: TrainEnd): void {
    this.s.set({
      lastRun: end,
      collapse: end.collapse ?? null,
      model: end.model,
      ...withResult(this.s.results, end.result),
      busy: null,
      status: end.model ? 'trained' : this.s.dataset ? 'ready' : 'idle',
    });
    if (end.status === 'failed') {
      const lost = /device was lost/.test(end.error ?? '');
      this.s.set({
        error: {
          code: lost ? 'gpu-lost' : 'internal',
          message: `Training failed: ${end.error}`,
          hint: lost
            ? 'Resume from the last checkpoint, or export it.'
            : 'The last good weights are kept: export or reconstruct with them, or lower the learning rate and train again.',
        },
      });
      if (lost && this.s.checkpoint) this.s.set({ recovery: `The GPU device was lost during training.` });
    }
    if (end.resultError) this.fail(end.resultError);
  }

  pause(): void {
    this.client.request({ type: 'pause' }).then(
      () => this.s.set({ status: 'paused' }),
      (e) => this.fail(e),
    );
  }

  resume(): void {
    this.client.request({ type: 'resume' }).then(
      () => this.s.set({ status: this.s.solver?.running ? 'solving' : 'training' }),
      (e) => this.fail(e),
    );
  }

  stop(): void {
    this.s.set({ busy: 'stopping after this step…' });
    this.client.request({ type: 'stop' }).catch((e) => this.fail(e));
  }

  async reconstruct(): Promise<void> {
    const prev = this.s.status;
    this.s.set({ busy: 'reconstructing…', error: null });
    try {
      const result = await this.client.request({ type: 'reconstruct', stitch: this.s.stitch });
      this.s.set({ ...withResult(this.s.results, result), busy: null, status: prev === 'ready' ? 'trained' : prev });
    } catch (e) {
      this.fail(e);
    }
  }

  /** The iterative solver from a flat object ('flat') or from the model's object ('model': Refine). */
  solve(init: 'flat' | 'model', choice: SolveChoice): Promise<void> {
    return solveInPage(this.client, init, choice, (e) => this.fail(e));
  }

  /** Show another kept result (network, solver, refined). */
  showResult(kind: ResultKind): void {
    this.s.set(showResult(this.s.results, kind));
  }

  private async export(
    type: 'exportModel' | 'exportTorch' | 'exportRecon' | 'exportProduct' | 'exportCheckpoint',
  ): Promise<void> {
    try {
      download(await this.client.request({ type }));
    } catch (e) {
      this.fail(e);
    }
  }

  exportModel = () => this.export('exportModel');
  exportTorch = () => this.export('exportTorch');
  exportRecon = () => this.export('exportRecon');
  exportProduct = () => this.export('exportProduct');
  exportCheckpoint = () => this.export('exportCheckpoint');

  async discardCheckpoint(): Promise<void> {
    try {
      await this.client.request({ type: 'discardCheckpoint' });
      this.s.set({ checkpoint: null, recovery: null });
    } catch (e) {
      this.fail(e);
    }
  }

  /** Test hook (window.__ptychopinnDebug.loseDevice): destroy the GPU device, as a driver reset would. */
  loseDevice(): Promise<null> {
    return this.client.request({ type: 'loseDevice' });
  }

  /** Test hook (window.__ptychopinnDebug.failStorage): later checkpoint writes fail with this DOMException name. */
  failStorage(name: string | null): Promise<null> {
    return this.client.request({ type: 'failStorage', name });
  }
}
