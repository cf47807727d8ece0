import { parseTrainingConfigJson } from '../config/serialize';
import { PtychoError } from '../errors';
import { Engine } from '../api/engine';
import { parseArgs, type OptionSpec } from './args';
import { fileNameOf, type CliIO } from './io';

const OPTIONS: Record<string, OptionSpec> = {
  config: { type: 'string', help: 'TrainingConfig JSON (reference field names; PyTorch spellings accepted)' },
  epochs: { type: 'int', help: 'override nepochs' },
  test: { type: 'string', help: 'validation scan (same probe and N); default: a held-out fraction of the groups' },
  out: { type: 'string', help: 'model archive to write (default model.zip)' },
  json: { type: 'boolean', help: 'print one JSON object (history, status) on stdout' },
};

export const DEFAULT_EXAMPLE = 'public/fixtures/lines-n32.npz';

function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}

/** `ptychopinn train [FILE] [--config cfg.json] [--epochs E] [--out model.zip]` (no FILE = bundled example). */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { positionals, options: o } = parseArgs('train', argv, OPTIONS, 1);
  const path = positionals[0] ?? new URL(`../../${DEFAULT_EXAMPLE}`, import.meta.url).pathname;
  const engine = await Engine.create();
  try {
    await engine.loadDataset(io.readFile(path), fileNameOf(path));
    if (o.test) await engine.loadValidationDataset(io.readFile(o.test as string), fileNameOf(o.test as string));
    let cfg = engine.config;
    if (o.config) {
      const given = parseTrainingConfigJson(
        new TextDecoder().decode(io.readFile(o.config as string)),
        o.config as string,
      );
      cfg = { ...given, model: { ...given.model, N: engine.config.model.N }, nphotons: given.nphotons };
    }
    if (o.epochs !== undefined) cfg = { ...cfg, nepochs: o.epochs as number };
    engine.setConfig(cfg);
    const progress = io.progress ?? ((t: string) => io.err(t));
    io.err(
      `training on ${fileNameOf(path)} (N=${engine.config.model.N}, gridsize ${engine.config.model.gridsize}, n_filters_scale ${engine.config.model.n_filters_scale}, ${engine.config.nepochs} epochs, batch ${engine.config.batch_size}) on ${engine.gpu.adapter.description || engine.gpu.adapter.architecture || 'GPU'}`,
    );
    const result = await engine.train({
      onStep: (e) =>
        progress(
          `epoch ${e.epoch + 1}/${engine.config.nepochs} step ${e.step + 1}/${e.stepsPerEpoch}${e.loss !== undefined ? ` loss ${e.loss.toExponential(4)}` : ''} ${e.patternsPerSecond.toFixed(1)} patterns/s ETA ${fmtTime(e.etaSeconds)}`,
        ),
      onEpoch: (e) =>
        io.err(
          `\nepoch ${e.epoch + 1}: train ${e.trainLoss.toExponential(4)}${e.valLoss !== null ? ` val ${e.valLoss.toExponential(4)}` : ''} lr ${e.learningRate.toExponential(2)} (${e.seconds.toFixed(1)} s)`,
        ),
    });
    const out = (o.out as string) ?? 'model.zip';
    io.writeFile(out, await engine.saveModel());
    if (result.status === 'failed')
      io.err(`training failed: ${result.error}; the last good weights were saved to ${out}`);
    const summary = {
      status: result.status,
      out,
      groups: result.groups,
      epochs: result.epochs.map((e) => ({
        epoch: e.epoch,
        trainLoss: e.trainLoss,
        valLoss: e.valLoss,
        seconds: e.seconds,
      })),
      error: result.error,
      warnings: result.warnings,
    };
    if (o.json) io.out(JSON.stringify(summary));
    else io.out(`${result.status}: wrote ${out} (${result.epochs.length} epochs)`);
    return result.status === 'failed' ? 1 : 0;
  } finally {
    engine.destroy();
  }
}

export { PtychoError };
