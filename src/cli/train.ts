import {
  PRESET_NAMES,
  PRESETS,
  presetConfig,
  presetFor,
  restartAfterCollapse,
  type PresetName,
} from '../config/presets';
import type { TrainingConfig } from '../config/schema';
import { getField, setField } from '../config/fields';
import { parseTrainingConfigJsonWithInfo } from '../config/serialize';
import { PtychoError } from '../errors';
import { Engine } from '../api/engine';
import { parseArgs, type OptionSpec, type ParsedArgs } from './args';
import { fileNameOf, type CliIO } from './io';
import { ADAPTER_OPTION, adapterLine, applyAdapterOption } from './gpu';
import { adapterName } from '../gpu/adapterChoice';
import { generatorLabel } from '../config/generatorLabel';

const OPTIONS: Record<string, OptionSpec> = {
  preset: {
    type: 'string',
    choices: PRESET_NAMES,
    help: `training preset: ${PRESET_NAMES.map((n) => `${n} (${PRESETS[n].description})`).join('; ')}; default: small on a software adapter, reference on a GPU, none with --config`,
  },
  config: {
    type: 'string',
    help: 'TrainingConfig JSON (reference field names; PyTorch spellings accepted); its fields override the preset',
  },
  epochs: { type: 'int', help: 'override nepochs' },
  seed: { type: 'int', help: 'override the seed (grouping, shuffling, initialisation)' },
  test: { type: 'string', help: 'validation scan (same probe and N); default: a held-out fraction of the groups' },
  out: { type: 'string', help: 'model archive to write (default model.zip)' },
  adapter: ADAPTER_OPTION,
  json: { type: 'boolean', help: 'print one JSON object (history, status, adapter) on stdout' },
};

export const DEFAULT_EXAMPLE = 'public/fixtures/lines-n32.npz';

export function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}

/**
 * The run's config: the preset (named, or the adapter's when neither --preset nor --config is given) over the loaded
 * scan's config, then the fields the --config file gives, then --epochs and --seed.
 */
function trainingConfig(
  engine: Engine,
  o: ParsedArgs['options'],
  io: CliIO,
): { config: TrainingConfig; preset: PresetName | null } {
  const preset =
    (o.preset as PresetName | undefined) ?? (o.config ? null : presetFor(engine.gpu.adapter.isFallbackAdapter));
  let cfg = preset ? presetConfig(preset, engine.config) : engine.config;
  if (o.config) {
    const file = parseTrainingConfigJsonWithInfo(
      new TextDecoder().decode(io.readFile(o.config as string)),
      o.config as string,
    );
    // N follows the scan's probe; every other field the file names overrides the preset.
    for (const path of file.given.filter((g) => g !== 'model.N'))
      cfg = setField(cfg, path, getField(file.config, path));
  }
  if (o.epochs !== undefined) cfg = { ...cfg, nepochs: o.epochs as number };
  if (o.seed !== undefined) cfg = { ...cfg, seed: o.seed as number };
  return { config: cfg, preset };
}

/** `ptychopinn train [FILE] [--preset P] [--config cfg.json] [--epochs E] [--seed S] [--out model.zip]` (no FILE = bundled example). */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { positionals, options: o } = parseArgs('train', argv, OPTIONS, 1);
  const path = positionals[0] ?? new URL(`../../${DEFAULT_EXAMPLE}`, import.meta.url).pathname;
  applyAdapterOption(o);
  const engine = await Engine.create();
  try {
    io.err(adapterLine(engine.gpu.adapter));
    const scan = await engine.loadDataset(io.readFile(path), fileNameOf(path));
    for (const w of scan.warnings) io.err(`warning: ${w}`);
    if (o.test) await engine.loadValidationDataset(io.readFile(o.test as string), fileNameOf(o.test as string));
    const { config: cfg, preset } = trainingConfig(engine, o, io);
    engine.setConfig(cfg);
    const progress = io.progress ?? ((t: string) => io.err(t));
    io.err(
      `training on ${fileNameOf(path)} (${preset ? `preset ${preset}, ` : ''}N=${engine.config.model.N}, gridsize ${engine.config.model.gridsize}, ${generatorLabel(engine.config)}, ${engine.config.nepochs} epochs, batch ${engine.config.batch_size}, seed ${engine.config.seed}) on ${engine.gpu.adapter.description || engine.gpu.adapter.architecture || 'GPU'}`,
    );
    const result = await engine.train({
      onStep: (e) =>
        progress(
          `epoch ${e.epoch + 1}/${engine.config.nepochs} step ${e.step + 1}/${e.stepsPerEpoch}${e.loss !== undefined ? ` loss ${e.loss.toExponential(4)}` : ''} ${e.patternsPerSecond.toFixed(1)} patterns/s ETA ${fmtTime(e.etaSeconds)}`,
        ),
      onEpoch: (e) =>
        io.err(
          `\nepoch ${e.epoch + 1}: train ${e.trainLoss.toExponential(4)}${e.valLoss !== null ? ` val ${e.valLoss.toExponential(4)}` : ''} lr ${e.learningRate.toExponential(2)}${e.amplitudeContrast !== undefined ? ` amplitude contrast ${(100 * e.amplitudeContrast).toFixed(2)} %` : ''} (${e.seconds.toFixed(1)} s)`,
        ),
    });
    const out = (o.out as string) ?? 'model.zip';
    io.writeFile(out, await engine.saveModel());
    if (result.status === 'failed')
      io.err(`training failed: ${result.error}; the last good weights were saved to ${out}`);
    const restart = result.collapse ? restartAfterCollapse(engine.config, engine.gpu.adapter.isFallbackAdapter) : null;
    if (result.collapse && restart)
      io.err(
        `warning: the amplitude collapsed to a constant at epoch ${result.collapse.epoch + 1} (contrast ${(100 * result.collapse.contrast).toFixed(2)} % where the probe lights the object; a healthy run shows several %). Unless the sample is a pure phase object, this model's picture is flat: train again with ${restart.change} (${restart.preset ? `--preset ${restart.preset}` : `--seed ${restart.config.seed}`}).`,
      );
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
      warnings: [...scan.warnings, ...result.warnings],
      collapse: result.collapse && restart ? { ...result.collapse, restartWith: restart.change } : null,
      adapter: {
        name: adapterName(engine.gpu.adapter),
        isFallbackAdapter: engine.gpu.adapter.isFallbackAdapter,
        ...engine.gpu.adapter.choice,
      },
    };
    if (o.json) io.out(JSON.stringify(summary));
    else io.out(`${result.status}: wrote ${out} (${result.epochs.length} epochs)`);
    return result.status === 'failed' ? 1 : 0;
  } finally {
    engine.destroy();
  }
}

export { PtychoError };
