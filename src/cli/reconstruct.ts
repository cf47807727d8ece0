import { PtychoError } from '../errors';
import { alignmentLine, Engine, metricsSummary } from '../api/engine';
import { parseArgs, type OptionSpec } from './args';
import { fileNameOf, type CliIO } from './io';
import { metricsLines } from './metricsLines';

const OPTIONS: Record<string, OptionSpec> = {
  model: { type: 'string', help: 'model archive: ours (.zip) or the reference PyTorch wts.h5.zip' },
  out: { type: 'string', help: 'reconstruction .npz (object, amplitude, phase, weights, origin, metrics)' },
  product: {
    type: 'string',
    help: 'also write the reconstruction as a Ptychodus NPZ product (object, probe, positions in metres, loss history)',
  },
  stitch: { type: 'string', choices: ['barycentric', 'position'], help: 'stitching method (default barycentric)' },
  'align-phases': {
    type: 'string',
    choices: ['auto', 'off'],
    help: "align the groups' phases by their overlaps, kept where the diffraction agrees (default auto)",
  },
  json: { type: 'boolean', help: 'print one JSON object (shape, origin, metrics) on stdout' },
};

/**
 * `ptychopinn reconstruct FILE --model M --out recon.npz [--product P.npz] [--stitch barycentric|position]
 * [--align-phases auto|off]`.
 */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { positionals, options: o } = parseArgs('reconstruct', argv, OPTIONS, 1);
  const path = positionals[0];
  if (!path || !o.model || !o.out)
    throw new PtychoError(
      'cli-usage',
      'reconstruct: FILE, --model and --out are required',
      'usage: ptychopinn reconstruct scan.npz --model model.zip --out recon.npz [--product product.npz]',
    );
  const engine = await Engine.create();
  try {
    await engine.loadDataset(io.readFile(path), fileNameOf(path));
    engine.openModel(io.readFile(o.model as string), fileNameOf(o.model as string));
    const product = await engine.reconstruct({
      stitch: (o.stitch as 'barycentric' | 'position') ?? 'barycentric',
      onProgress: (d, t) => (io.progress ?? io.err)(`predicting ${d}/${t} groups`),
      alignPhases: o['align-phases'] !== 'off',
    });
    io.writeFile(o.out as string, Engine.reconstructionNpz(product));
    if (o.product) io.writeFile(o.product as string, engine.reconstructionProduct());
    const { image } = product;
    const summary = {
      out: o.out,
      product: (o.product as string | undefined) ?? null,
      width: image.width,
      height: image.height,
      origin: image.origin,
      patches: image.patches,
      stitch: product.stitch,
      metrics: product.metrics ? metricsSummary(product.metrics) : null,
      phaseAlignment: image.alignment ?? null,
    };
    if (o.json) io.out(JSON.stringify(summary));
    else {
      io.out(
        `wrote ${o.out}: object ${image.height}×${image.width} at origin [${image.origin.join(', ')}] (${image.patches} patches, ${product.stitch} stitching)`,
      );
      if (o.product) io.out(`wrote ${o.product}: Ptychodus NPZ product`);
      if (image.alignment) io.out(alignmentLine(image.alignment));
      if (summary.metrics) {
        const m = summary.metrics;
        for (const l of metricsLines(m)) io.out(l);
        if (m.collapsed)
          io.out(
            "warning: the amplitude is flat (its std is under 1 % of objectGuess's): the model collapsed; train again (ptychopinn train --preset small|reference)",
          );
      }
    }
    return 0;
  } finally {
    engine.destroy();
  }
}
