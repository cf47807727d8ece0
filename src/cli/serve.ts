/**
 * `ptychopinn serve`: the engine server (src/server/engineServer.ts) for the page. Prints the URL to open (the
 * token in its fragment, which browsers never send to servers) and where checkpoints go, then runs until
 * SIGINT/SIGTERM and closes cleanly.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EngineServer, defaultAppDir, defaultDataDir } from '../server/engineServer';
import { isLoopback } from '../server/access';
import { parseArgs, type OptionSpec } from './args';
import type { CliIO } from './io';
import { ADAPTER_OPTION, applyAdapterOption } from './gpu';
import { adapterName } from '../gpu/adapterChoice';
import { surveyAdapters } from '../gpu/device';

const OPTIONS: Record<string, OptionSpec> = {
  port: { type: 'int', help: 'TCP port (default 8787; 0 = any free port)' },
  host: { type: 'string', help: 'address to bind (default 127.0.0.1; anything else exposes the GPU to the network)' },
  'data-dir': { type: 'string', help: `where checkpoints go (default ${defaultDataDir()})` },
  'app-dir': { type: 'string', help: 'the built app to serve (default dist/ of this package)' },
  'allow-origin': {
    type: 'string',
    help: 'also accept pages from this origin, e.g. http://localhost:5173 (a dev server)',
  },
  adapter: ADAPTER_OPTION,
};

export const DEFAULT_PORT = 8787;

/** Resolves on the first SIGINT or SIGTERM (tests pass their own). */
function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: string) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/**
 * Which adapter the engine will run on and why (src/gpu/adapterChoice.ts). An explicit mode that finds no adapter
 * stops the server; in auto mode the page reports the missing GPU itself.
 */
async function printAdapter(io: CliIO, explicit: boolean): Promise<void> {
  const s = await surveyAdapters();
  if (s.choice) {
    const a = s.adapters[s.choice.index].info;
    io.err(`GPU adapter: ${adapterName(a)}${a.isFallbackAdapter ? ' (software: slow)' : ''}; ${s.choice.reason}`);
  } else if (s.error && (explicit || s.mode !== 'auto')) {
    throw s.error;
  } else {
    io.err(`no GPU adapter: ${s.error?.message ?? 'none found'} (\`ptychopinn gpu\` shows what was found)`);
  }
}

export async function run(argv: string[], io: CliIO, stopSignal: Promise<string> = untilSignal()): Promise<number> {
  const { options: o } = parseArgs('serve', argv, OPTIONS, 0);
  const host = (o.host as string | undefined) ?? '127.0.0.1';
  applyAdapterOption(o);
  await printAdapter(io, o.adapter !== undefined);
  // A fresh clone has no build yet: make it once, so `npx ptychopinn serve` is the whole set-up.
  if (!o['app-dir'] && !existsSync(join(defaultAppDir(), 'index.html'))) {
    io.err('building the app once (vite build)…');
    const { build } = await import('vite');
    await build({ root: dirname(defaultAppDir()), logLevel: 'warn' });
  }
  const server = new EngineServer();
  const started = await server.start({
    port: (o.port as number | undefined) ?? DEFAULT_PORT,
    host,
    dataDir: o['data-dir'] as string | undefined,
    appDir: o['app-dir'] as string | undefined,
    allowedOrigins: o['allow-origin'] ? [o['allow-origin'] as string] : [],
  });
  io.out(`open ${started.url}`);
  io.err(`checkpoints go to ${started.dataDir}; Ctrl-C stops the server`);
  if (!isLoopback(host)) {
    io.err(
      `warning: listening on ${host}: anyone who can reach port ${started.port} and has the token can use this GPU`,
    );
  }
  const sig = await stopSignal;
  io.err(`${sig}: closing the engine server`);
  await server.close();
  return 0;
}
