/**
 * `npm run bench -- --quality [--quick] [--preset=small,…] [--generator=cnn,ffno,fno,fno_vanilla] [--family=n32-lines,…]
 * [--seeds=1,2,…] [--config=C] [--no-epie] [--json]`: train each preset on each scan family (bench/quality/families.ts) for several seeds through
 * the engine (the CLI's and the page's path), reconstruct, and score against the truth (src/pipeline/metrics.ts):
 * Pearson r and SSIM / PSNR / FRC of amplitude and phase, "collapsed", wall time; a run "reconstructs" when r of
 * amplitude and of phase are both ≥ 0.8. A plain CPU ePIE on the same scans gives what the physics allows.
 * `--generator` trains each preset with each generator (specs/generators.md; a spectral one at the bench's small
 * spectral shape, bench/spectralShape.ts), rows named `preset+generator`. `--config` (a JSON file or inline JSON)
 * overrides the preset, for experiments. `--preset=solver` (alone or in the
 * list) scores the iterative solver (src/solver/solver.ts, default options, the seed as its batch order) through
 * Engine.solve, as the CLI's `solve` runs it.
 */
import { readFileSync } from 'node:fs';
import { Engine } from '../../src/api/engine';
import { parseTrainingConfigJson } from '../../src/config/serialize';
import { presetConfig, PRESET_NAMES, type PresetName } from '../../src/config/presets';
import { toRawData } from '../../src/pipeline/contract';
import type { ReconstructionMetrics } from '../../src/pipeline/metrics';
import { writeNpz } from '../../src/pipeline/npz';
import { epie, epieMetrics } from './epie';
import { scanFamilies, simulateFamily, type ScanFamily } from './families';
import { summarize, type QualityRow } from './summary';
import { SPECTRAL_SMALL } from '../spectralShape';

type Log = (line: string) => void;

/** r of amplitude and of phase at or above this: the run reconstructs (escapes the flat basin). */
export const ESCAPE_R = 0.8;

/** The quick run (the test command's): N 32 families and seeds small enough for a few minutes on two cores. */
export const QUICK = { families: ['n32-lines', 'n32-sparse'], seeds: [1, 2], presets: ['small'] as PresetName[] };

/** A preset trained and reconstructed, or the iterative solver. */
export type QualityRun = PresetName | 'solver';

export const GENERATORS = ['cnn', 'ffno', 'fno', 'fno_vanilla'] as const;
export type Generator = (typeof GENERATORS)[number];

export interface QualityOptions {
  presets: QualityRun[];
  /** The generator each preset trains ('cnn': the preset's own). */
  generators: Generator[];
  families: ScanFamily[];
  seeds: number[];
  /** Overrides of the preset (experiments). */
  override?: Record<string, unknown>;
  epie: boolean;
}

export function qualityOptions(argv: string[]): QualityOptions {
  const value = (flag: string) => argv.find((a) => a.startsWith(`--${flag}=`))?.slice(flag.length + 3);
  const quick = argv.includes('--quick');
  const list = (flag: string, fallback: string[]) => value(flag)?.split(',') ?? fallback;
  const presets = list('preset', quick ? QUICK.presets : ['small']) as QualityRun[];
  for (const p of presets)
    if (p !== 'solver' && !PRESET_NAMES.includes(p))
      throw new Error(`--preset=${p}: unknown (presets: ${PRESET_NAMES.join(', ')}, solver)`);
  const generators = list('generator', ['cnn']) as Generator[];
  for (const g of generators)
    if (!GENERATORS.includes(g)) throw new Error(`--generator=${g}: unknown (generators: ${GENERATORS.join(', ')})`);
  const all = scanFamilies();
  const names = list('family', quick ? QUICK.families : all.filter((f) => f.N === 32).map((f) => f.name));
  const families = names.map((n) => {
    const f = all.find((x) => x.name === n);
    if (!f) throw new Error(`--family=${n}: unknown (families: ${all.map((x) => x.name).join(', ')})`);
    return f;
  });
  const seeds = list('seeds', quick ? QUICK.seeds.map(String) : ['1', '2', '3', '4', '5']).map(Number);
  const cfg = value('config');
  const override = cfg ? JSON.parse(cfg.trim().startsWith('{') ? cfg : readFileSync(cfg, 'utf8')) : undefined;
  return { presets, generators, families, seeds, override, epie: !argv.includes('--no-epie') && !quick };
}

function metricsOf(m: ReconstructionMetrics) {
  return {
    rAmplitude: m.amplitude.r,
    rPhase: m.phase.r,
    ssimAmplitude: m.amplitude.ssim,
    ssimPhase: m.phase.ssim,
    psnrAmplitude: m.amplitude.psnr,
    psnrPhase: m.phase.psnr,
    frcAmplitudePx: m.amplitude.frc.resolutionPx,
    frcPhasePx: m.phase.frc.resolutionPx,
    collapsed: m.collapsed,
    reconstructs: m.amplitude.r >= ESCAPE_R && m.phase.r >= ESCAPE_R,
  };
}

/** The model settings that put `generator` in a preset (none for the CNN: the preset's own). */
function generatorSettings(generator: Generator): Record<string, unknown> {
  if (generator === 'cnn') return {};
  const s = SPECTRAL_SMALL;
  return {
    architecture: generator,
    fno_width: s.width,
    fno_blocks: s.blocks,
    fno_modes: s.modes,
    fno_cnn_blocks: s.cnnBlocks,
  };
}

/** Train `preset` (with `generator`) on the loaded scan and score its reconstruction. */
async function runPreset(engine: Engine, preset: PresetName, generator: Generator, o: QualityOptions, seed: number) {
  const preset0 = presetConfig(preset, engine.config);
  const base = { ...preset0, model: { ...preset0.model, ...generatorSettings(generator) } };
  const cfg = o.override
    ? parseTrainingConfigJson(
        JSON.stringify({ ...base, ...o.override, model: { ...base.model, ...((o.override.model as object) ?? {}) } }),
        '--config',
      )
    : base;
  engine.setConfig({ ...cfg, seed });
  // Every run from fresh weights drawn with its seed, as the page's Train and the CLI do: the engine otherwise goes
  // on training the model it holds (same shape), and each run would start where the one before ended.
  engine.resetModel();
  const t0 = performance.now();
  const r = await engine.train();
  const trainSeconds = (performance.now() - t0) / 1000;
  const plain = metricsOf((await engine.reconstruct({ alignPhases: false })).metrics!);
  const p = await engine.reconstruct();
  return {
    ...metricsOf(p.metrics!),
    plainRPhase: plain.rPhase,
    plainReconstructs: plain.reconstructs,
    alignmentKept: p.image.alignment?.kept ?? null,
    status: r.status,
    amplitudeContrast: r.epochs.at(-1)?.amplitudeContrast ?? null,
    detectorCollapsed: r.collapse !== null,
    epochs: r.epochs.length,
    finalLoss: r.epochs.at(-1)?.trainLoss ?? null,
    trainSeconds,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** The iterative solver on the loaded scan (default options; the seed draws the batch order). */
async function solverRow(engine: Engine, seed: number) {
  const t0 = performance.now();
  const p = await engine.solve({ seed });
  const seconds = (performance.now() - t0) / 1000;
  return {
    ...metricsOf(p.metrics!),
    status: 'completed',
    amplitudeContrast: null,
    detectorCollapsed: false,
    epochs: p.solver!.iterations,
    finalLoss: p.solver!.history.at(-1)?.error ?? null,
    trainSeconds: seconds,
    seconds,
  };
}

function epieRow(raw: ReturnType<typeof toRawData>) {
  const e = epie(raw, { iterations: 50 });
  const m = epieMetrics(raw, e);
  return {
    ...metricsOf(m),
    status: 'completed',
    amplitudeContrast: null,
    detectorCollapsed: false,
    epochs: 50,
    finalLoss: null,
    trainSeconds: e.seconds,
    seconds: e.seconds,
  };
}

export async function benchQuality(o: QualityOptions, log: Log) {
  const engine = await Engine.create();
  const rows: QualityRow[] = [];
  try {
    for (const f of o.families)
      for (const seed of o.seeds) {
        const arrays = simulateFamily(f, seed);
        await engine.loadDataset(writeNpz(arrays, { compress: false }), `${f.name}-seed${seed}.npz`);
        const runs: [string, () => Promise<Omit<QualityRow, 'preset' | 'family' | 'seed'>>][] = o.presets.flatMap(
          (p): [string, () => Promise<Omit<QualityRow, 'preset' | 'family' | 'seed'>>][] =>
            p === 'solver'
              ? [[p, () => solverRow(engine, seed)]]
              : o.generators.map((g) => [g === 'cnn' ? p : `${p}+${g}`, () => runPreset(engine, p, g, o, seed)]),
        );
        if (o.epie) runs.push(['epie', async () => epieRow(toRawData(arrays))]);
        for (const [preset, go] of runs) {
          const row: QualityRow = { preset, family: f.name, seed, ...(await go()) };
          rows.push(row);
          log(
            `${preset.padEnd(12)} ${f.name.padEnd(20)} seed ${seed}: r amp ${row.rAmplitude.toFixed(3)} phase ${row.rPhase.toFixed(3)}, SSIM ${row.ssimAmplitude.toFixed(3)} / ${row.ssimPhase.toFixed(3)}${row.collapsed ? ', COLLAPSED' : ''}${row.reconstructs ? '' : ', does not reconstruct'} (${row.seconds.toFixed(1)} s)`,
          );
        }
      }
  } finally {
    engine.destroy();
  }
  return { options: { ...o, families: o.families.map((f) => f.name) }, rows, summary: summarize(rows, o.families) };
}
