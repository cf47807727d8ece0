/**
 * `ptychopinn` command-line entry (specs/architecture.md). Each command lives in its own module and returns an exit
 * status: 0 success, 2 invalid input (message + hint on stderr), 1 internal failure.
 */
import { PtychoError } from '../errors';
import { nodeIO, type CliIO } from './io';

interface Command {
  summary: string;
  usage: string;
  load: () => Promise<{ run(argv: string[], io: CliIO): Promise<number> }>;
}

const COMMANDS: Record<string, Command> = {
  inspect: {
    summary: 'check a scan NPZ against the data contract and summarise it',
    usage: 'inspect FILE [--json]',
    load: () => import('./inspect'),
  },
  simulate: {
    summary: 'simulate a scan (object × probe → Poisson diffraction) into a raw-contract NPZ',
    usage:
      'simulate --out F [--object lines|grf|F.npz] [--probe default|F.npz] [--positions F.npz] [--N n] ' +
      '[--n-images n] [--nphotons x] [--noise poisson|none] [--scan random|grid] [--seed s] [--object-size n] [--json]',
    load: () => import('./simulate'),
  },
  group: {
    summary: 'group neighbouring scan points and write the model-ready container',
    usage: 'group FILE --out F [--gridsize g] [--K k] [--n-groups n] [--seed s] [--nphotons x] [--sequential] [--json]',
    load: () => import('./group'),
  },
  train: {
    summary: 'train PtychoPINN on a scan (no FILE: the bundled example) and save the model archive',
    usage:
      'train [FILE] [--preset small|reference|torch-parity] [--config cfg.json] [--epochs E] [--seed S] [--test T.npz] [--out model.zip] [--adapter auto|hardware|software] [--json]',
    load: () => import('./train'),
  },
  reconstruct: {
    summary:
      'predict and stitch the object with a trained model; metrics when objectGuess is present; --product also writes a Ptychodus NPZ product',
    usage: 'reconstruct FILE --model M --out recon.npz [--product P.npz] [--stitch barycentric|position] [--json]',
    load: () => import('./reconstruct'),
  },
  solve: {
    summary:
      "reconstruct the object with the iterative physics solver (no training); probe / position refinement; --init refines a model's object",
    usage:
      'solve FILE --out R.npz [--iterations K] [--refine-probe] [--refine-positions] [--init MODEL.zip] [--product P.npz] [--json]',
    load: () => import('./solve'),
  },
  convert: {
    summary: "convert a model between this app's archive and the PyTorch reference's wts.h5.zip",
    usage: 'convert MODEL --to torch|native --out FILE',
    load: () => import('./convert'),
  },
  serve: {
    summary:
      "serve the app and run its engine on this machine's GPU (prints the URL to open; checkpoints in the data dir)",
    usage:
      'serve [--port P] [--host 127.0.0.1] [--data-dir D] [--app-dir DIST] [--allow-origin O] [--adapter auto|hardware|software]',
    load: () => import('./serve'),
  },
  gpu: {
    summary: 'list the GPU adapters Dawn sees, the Vulkan driver files, and which adapter is used and why',
    usage: 'gpu [--adapter auto|hardware|software] [--json]',
    load: () => import('./gpu'),
  },
  bench: {
    summary:
      'benchmarks (kernels, step profile, training and inference throughput): JSON with patterns/s, GFLOP/s, adapter',
    usage:
      'bench [--gpu] [--solver] [--kernels] [--grouping] [--train [--profile] [--preset=ci,n64s2,…]] [--quality [--preset=small,…] [--family=…] [--seeds=…]] [--quick] [--adapter=auto|hardware|software] [--json]',
    load: () => import('./bench'),
  },
};

export function helpText(): string {
  const lines = ['usage: ptychopinn <command> [options]', '', 'commands:'];
  for (const [name, c] of Object.entries(COMMANDS))
    lines.push(`  ${name.padEnd(10)} ${c.summary}`, `             ${c.usage}`);
  lines.push('', 'exit status: 0 success, 2 invalid input, 1 internal failure');
  return lines.join('\n');
}

export async function main(argv: string[], io: CliIO = nodeIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    io.out(helpText());
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    io.err(`error: unknown command "${name}"\nhint: one of ${Object.keys(COMMANDS).join(', ')} (ptychopinn help)`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`usage: ptychopinn ${cmd.usage}`);
    return 0;
  }
  try {
    const mod = await cmd.load();
    return await mod.run(rest, io);
  } catch (e) {
    return reportError(e, io);
  }
}

export function reportError(e: unknown, io: CliIO): number {
  if (e instanceof PtychoError && e.isUserError) {
    io.err(`error: ${e.message}${e.hint ? `\nhint: ${e.hint}` : ''}`);
    return 2;
  }
  const err = e as Error;
  io.err(`internal error: ${err?.stack ?? String(e)}\nhint: this is a bug; please report it with the command you ran`);
  return 1;
}
