#!/usr/bin/env node
// `ptychopinn` / `npx ptychopinn`: runs the TypeScript CLI through tsx with the WGSL loader.
import '../scripts/node-register.mjs';
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
