/**
 * Training presets, one definition for the page and the CLI (`ptychopinn train --preset NAME`): the model and
 * training settings a preset chooses, applied over a config whose data settings (N from the probe, nphotons, files,
 * seed) stay. Every preset sets the same fields (what one leaves out takes the table's default), so switching
 * presets never keeps a setting of the one before. Measured on the quality benchmark (bench/README.md).
 */
import type { ModelConfig, TrainingConfig } from './fieldTable.ts';
import { makeTrainingConfig } from './schema.ts';

export const PRESET_NAMES = ['small', 'reference', 'torch-parity'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** What a preset chooses: any training field (but the nested model), any model field. */
export type PresetSettings = Partial<Omit<TrainingConfig, 'model'>> & { model?: Partial<ModelConfig> };

export interface Preset {
  name: PresetName;
  label: string;
  /** When to use it, in a sentence. */
  description: string;
  settings: PresetSettings;
}

export const PRESETS: { readonly [P in PresetName]: Preset } = {
  small: {
    name: 'small',
    label: 'small (no GPU)',
    description:
      'A software adapter or a weak GPU: a 256-pattern N 32 scan trains in about 90 s on two CPU cores (the smallest generator, gridsize 2, He initialisation, amplitude level 0.5).',
    settings: {
      model: {
        n_filters_scale: 0.25,
        cbam_encoder: false,
        gridsize: 2,
        init_scheme: 'kaiming',
        amplitude_level: 0.5,
      },
      batch_size: 8,
      nepochs: 16,
      n_groups: 192,
      learning_rate: 3e-3,
      validation_fraction: 0.125,
      enable_oversampling: true,
      neighbor_pool_size: 5,
    },
  },
  reference: {
    name: 'reference',
    label: 'reference (GPU)',
    description:
      'A real GPU: the reference-size generator without CBAM, gridsize 2, He initialisation, amplitude level 0.5, on the whole scan.',
    settings: {
      model: { gridsize: 2, init_scheme: 'kaiming', cbam_encoder: false, amplitude_level: 0.5 },
      nepochs: 30,
      enable_oversampling: true,
      neighbor_pool_size: 5,
    },
  },
  'torch-parity': {
    name: 'torch-parity',
    label: 'torch parity',
    description: "PtychoPINN-PyTorch's own defaults, bit for bit (PyTorch's initialisation, CBAM, gridsize 1).",
    settings: {},
  },
};

const MODEL_KEYS = [...new Set(Object.values(PRESETS).flatMap((p) => Object.keys(p.settings.model ?? {})))];
const TRAINING_KEYS = [
  ...new Set(Object.values(PRESETS).flatMap((p) => Object.keys(p.settings).filter((k) => k !== 'model'))),
];

/** The config paths every preset sets ('model.x' for model fields). */
export const PRESET_FIELDS: readonly string[] = [...MODEL_KEYS.map((k) => `model.${k}`), ...TRAINING_KEYS];

/** The table's defaults as a config holds them (n_groups resolved to 512, as makeTrainingConfig does). */
const DEFAULTS = makeTrainingConfig();

function pick<T extends object>(from: T, keys: string[]): Partial<T> {
  return Object.fromEntries(keys.map((k) => [k, (from as Record<string, unknown>)[k]])) as Partial<T>;
}

/** `base` with the preset's settings (the table's defaults for the preset fields it leaves out). */
export function presetConfig(name: PresetName, base: TrainingConfig): TrainingConfig {
  const s = PRESETS[name].settings;
  const model = { ...base.model, ...pick(DEFAULTS.model, MODEL_KEYS), ...s.model } as ModelConfig;
  // probe_scale follows amplitude_level (taken from the scan when set, src/config/amplitudeLevel.ts); without it the
  // table's value, so a preset after one with a level does not keep that scan's probe_scale.
  if (model.amplitude_level === null) model.probe_scale = DEFAULTS.model.probe_scale;
  return { ...base, ...pick(DEFAULTS, TRAINING_KEYS), ...s, model } as TrainingConfig;
}

/** The preset whose settings `c` has, or null (edited settings). */
export function presetOf(c: TrainingConfig): PresetName | null {
  return (
    PRESET_NAMES.find((name) => {
      const p = presetConfig(name, c);
      return (
        MODEL_KEYS.every((k) => p.model[k as keyof ModelConfig] === c.model[k as keyof ModelConfig]) &&
        (p.model.amplitude_level !== null || p.model.probe_scale === c.model.probe_scale) &&
        TRAINING_KEYS.every((k) => p[k as keyof TrainingConfig] === c[k as keyof TrainingConfig])
      );
    }) ?? null
  );
}

/** The preset a new run on this adapter starts from: small on a software (fallback) adapter, else reference. */
export function presetFor(isFallbackAdapter: boolean): PresetName {
  return isFallbackAdapter ? 'small' : 'reference';
}

/**
 * What to restart with after the amplitude collapsed: the adapter's preset when the run used other settings (the
 * presets are the ones measured to train on every seed), else the same settings with the next seed.
 */
export function restartAfterCollapse(
  c: TrainingConfig,
  isFallbackAdapter: boolean,
): { config: TrainingConfig; preset: PresetName | null; change: string } {
  const current = presetOf(c);
  if (current === 'small' || current === 'reference')
    return { config: { ...c, seed: c.seed + 1 }, preset: null, change: `the same settings and seed ${c.seed + 1}` };
  const name = presetFor(isFallbackAdapter);
  return { config: presetConfig(name, c), preset: name, change: `the ${name} preset` };
}
