/** The CLI's IO in memory for tests (src/cli/io.ts): files in a Map, stdout/stderr captured. */
import { readFileSync } from 'node:fs';
import type { CliIO } from '../cli/io';
import { PtychoError } from '../errors';

/** Files in a Map, stdout/stderr captured; paths under public/ (the bundled fixtures) are read from disk. */
export function memIO(files: Record<string, Uint8Array> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const fs = new Map(Object.entries(files));
  const io: CliIO = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    readFile(p) {
      const f =
        fs.get(p) ??
        (p.startsWith('public/') ? new Uint8Array(readFileSync(new URL(`../../${p}`, import.meta.url))) : undefined);
      if (!f) throw new PtychoError('cli-usage', `${p}: cannot read (no such file)`, 'check the path');
      return f;
    },
    writeFile(p, d) {
      fs.set(p, typeof d === 'string' ? new TextEncoder().encode(d) : d);
    },
  };
  return { io, out, err, fs };
}
