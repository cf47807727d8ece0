import { PtychoError } from '../errors';
import { Engine, metricsSummary } from '../api/engine';
import { solverSummary } from '../api/engineResults';
import { parseArgs, type OptionSpec } from './args';
import { fileNameOf, type CliIO } from './io';
import { metricsLines } from './metricsLines';
import { fmtTime } from './train';

const OPTIONS: Record<string, OptionSpec> = {
  out: {
    type: 'string',
    help: 'reconstruction .npz (object, amplitude, phase, weights, origin, metrics; probe / positions when refined)',
  },
  iterations: { type: 'int', help: 'sweeps over every scan position (default 30)' },
  'batch-size': { type: 'int', help: 'scan positions updated together (default 32)' },
  loss: { type: 'string', choices: ['amplitude', 'poisson'], help: 'Fourier step: amplitude (default) or poisson' },
  'refine-probe': {
    type: 'boolean',
    help: 'also update the probe (from the first iteration), starting from probeGuess',
  },
  'refine-positions': {
    type: 'boolean',
    help: 'also update every scan position (from iteration 2); reports how far they moved',
  },
  init: {
    type: 'string',
    help: "start from this model's stitched object (ours or wts.h5.zip): refine after PtychoPINN",
  },
  seed: { type: 'int', help: 'seed of the batch order (default 1)' },
  product: { type: 'string', help: 'also write a Ptychodus NPZ product (object, probe, positions, error history)' },
  json: { type: 'boolean', help: 'print one JSON object (shape, origin, metrics, solver) on stdout' },
};

/** `ptychopinn solve FILE --out R.npz [--iterations K] [--refine-probe] [--refine-positions] [--init MODEL] …`. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { positionals, options: o } = parseArgs('solve', argv, OPTIONS, 1);
  const path = positionals[0];
  if (!path || !o.out)
    throw new PtychoError(
      'cli-usage',
      'solve: FILE and --out are required',
      'usage: ptychopinn solve scan.npz --out recon.npz [--iterations 30] [--refine-probe] [--refine-positions]',
    );
  const engine = await Engine.create();
  try {
    await engine.loadDataset(io.readFile(path), fileNameOf(path));
    if (o.init) engine.openModel(io.readFile(o.init as string), fileNameOf(o.init as string));
    const progress = io.progress ?? ((t: string) => io.err(t));
    const product = await engine.solve(
      {
        iterations: o.iterations as number | undefined,
        batchSize: o['batch-size'] as number | undefined,
        loss: o.loss as 'amplitude' | 'poisson' | undefined,
        refineProbe: !!o['refine-probe'],
        refinePositions: !!o['refine-positions'],
        seed: o.seed as number | undefined,
        init: o.init ? 'model' : 'flat',
      },
      {
        onIteration: (e) =>
          progress(
            `iteration ${e.iteration}/${e.iterations} error ${e.error.toExponential(4)}${o['refine-positions'] ? ` positions moved ${e.positionRms.toFixed(3)} px RMS` : ''} ${e.patternsPerSecond.toFixed(0)} patterns/s ETA ${fmtTime(((e.iterations - e.iteration) * e.seconds) / e.iteration)}`,
          ),
      },
    );
    io.writeFile(o.out as string, Engine.reconstructionNpz(product));
    if (o.product) io.writeFile(o.product as string, engine.reconstructionProduct());
    const { image } = product;
    const solver = solverSummary(product.solver!);
    const summary = {
      out: o.out,
      product: (o.product as string | undefined) ?? null,
      width: image.width,
      height: image.height,
      origin: image.origin,
      patterns: image.patches,
      solver,
      metrics: product.metrics ? metricsSummary(product.metrics) : null,
    };
    if (o.json) io.out(JSON.stringify(summary));
    else {
      io.out(
        `wrote ${o.out}: object ${image.height}×${image.width} at origin [${image.origin.join(', ')}] from ${image.patches} patterns, ${solver.iterations} iterations in ${solver.seconds.toFixed(1)} s (error ${solver.error?.toExponential(3) ?? 'n/a'})`,
      );
      if (solver.refinedProbe) io.out('probe refined (written as probe)');
      if (solver.refinedPositions)
        io.out(`positions refined: moved ${solver.positionRms.toFixed(3)} px RMS (written as positions)`);
      if (o.product) io.out(`wrote ${o.product}: Ptychodus NPZ product`);
      if (summary.metrics) {
        const m = summary.metrics;
        for (const l of metricsLines(m)) io.out(l);
      }
    }
    return 0;
  } finally {
    engine.destroy();
  }
}
