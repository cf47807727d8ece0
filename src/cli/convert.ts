import { PtychoError } from '../errors';
import { fileKind, nativeArchiveToTorchBundle, torchBundleToNativeArchive } from '../api/modelFiles';
import { readTorchBundle } from '../pipeline/archive/torchBundle';
import { writeTorchBundle } from '../pipeline/archive/torchBundleWriter';
import { parseArgs, type OptionSpec } from './args';
import { fileNameOf, type CliIO } from './io';

const OPTIONS: Record<string, OptionSpec> = {
  to: {
    type: 'string',
    choices: ['torch', 'native'],
    help: "target format: torch (the reference wts.h5.zip) or native (this app's model .zip)",
  },
  out: { type: 'string', help: 'output file' },
};

const USAGE = 'usage: ptychopinn convert MODEL --to torch|native --out FILE';

/**
 * `ptychopinn convert MODEL --to torch|native --out FILE`.
 *  - wts.h5.zip → torch: re-written (state_dict with torch's `_metadata`, params, manifest, scaling metadata kept).
 *  - wts.h5.zip → native: config as when opening the bundle in the app (params.dill, then the model settings of
 *    torch_scaling_metadata.pt: configFromTorchBundle), intensity_scale as the physics scale; the bundle's own
 *    params.dill and scaling metadata kept in torch_origin.json for the way back.
 *  - native → torch: nativeArchiveToTorchBundle — our weights (`_metadata` derived from the names), params.dill and
 *    torch_scaling_metadata.pt from the config bridge (torchBundleParams, torchScalingMetadata; the keys the config
 *    does not determine from torch_origin.json when the archive has one), default manifest.
 *  - native → native: refused (exit 2).
 */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { positionals, options } = parseArgs('convert', argv, OPTIONS, 1);
  const path = positionals[0];
  if (!path) throw new PtychoError('cli-usage', 'convert: missing MODEL', USAGE);
  const to = options.to as string | undefined;
  const out = options.out as string | undefined;
  if (!to) throw new PtychoError('cli-usage', 'convert: missing --to torch|native', USAGE);
  if (!out) throw new PtychoError('cli-usage', 'convert: missing --out FILE', USAGE);
  const fileName = fileNameOf(path);
  const bytes = io.readFile(path);
  const kind = fileKind(bytes);
  if (kind === 'dataset')
    throw new PtychoError(
      'cli-usage',
      `convert: ${fileName} is not a model archive (no manifest.json or manifest.dill member)`,
      'pass a model .zip exported by this app or a PtychoPINN wts.h5.zip',
    );

  let result: Uint8Array;
  if (kind === 'model-torch' && to === 'torch') {
    result = writeTorchBundle(readTorchBundle(bytes, fileName));
  } else if (kind === 'model-torch' && to === 'native') {
    result = torchBundleToNativeArchive(bytes, fileName);
  } else if (kind === 'model-native' && to === 'torch') {
    result = nativeArchiveToTorchBundle(bytes, fileName);
  } else {
    throw new PtychoError(
      'cli-usage',
      `convert: ${fileName} is already a ${to === 'native' ? 'native model archive' : 'PyTorch bundle'}; nothing to convert to --to ${to}`,
      'use --to torch for a native archive, or --to native / --to torch (re-write) for a wts.h5.zip',
    );
  }
  io.writeFile(out, result);
  io.out(`wrote ${out} (${to === 'torch' ? 'PyTorch wts.h5.zip' : 'native model archive'}, ${result.length} bytes)`);
  return 0;
}
