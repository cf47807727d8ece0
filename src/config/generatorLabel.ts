/** The generator a config builds, in words (the page's model line, the CLI's train line). */
import type { TrainingConfig } from './schema.ts';

/** 'CNN · n_filters_scale 2' or 'ffno · width 8 · 1 block · 12 modes'. */
export function generatorLabel(cfg: TrainingConfig): string {
  const m = cfg.model;
  if (m.architecture === 'cnn') return `CNN · n_filters_scale ${m.n_filters_scale}`;
  const blocks = `${m.fno_blocks} block${m.fno_blocks === 1 ? '' : 's'}`;
  return `${m.architecture} · width ${m.fno_width} · ${blocks} · ${m.fno_modes} modes`;
}
