// Node module hook: `import src from './x.wgsl?raw'` yields the file's text, as Vite does.
// Registered by scripts/node-register.mjs for the CLI and benchmarks (Vite and Vitest handle ?raw themselves).
import { readFile } from 'node:fs/promises';

export async function resolve(specifier, context, next) {
  if (specifier.endsWith('.wgsl?raw') || specifier.endsWith('.wgsl')) {
    const url = new URL(specifier, context.parentURL);
    return { url: url.href, shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  const u = new URL(url);
  if (u.pathname.endsWith('.wgsl')) {
    const text = await readFile(u, 'utf8');
    return { format: 'module', source: `export default ${JSON.stringify(text)};`, shortCircuit: true };
  }
  return next(url, context);
}
