import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { PtychoError } from '../errors';

/** What a command may touch: output streams and files. Tests pass an in-memory implementation. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  readFile(path: string): Uint8Array;
  writeFile(path: string, data: Uint8Array | string): void;
  /** Progress line on stderr (a TTY redraws it in place). */
  progress?(text: string): void;
}

export const nodeIO: CliIO = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
  readFile(path) {
    try {
      const b = readFileSync(path);
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new PtychoError(
        'cli-usage',
        `${path}: cannot read (${code === 'ENOENT' ? 'no such file' : (code ?? (e as Error).message)})`,
        'check the path',
      );
    }
  },
  writeFile(path, data) {
    try {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, data);
    } catch (e) {
      throw new PtychoError(
        'cli-usage',
        `${path}: cannot write (${(e as Error).message})`,
        'check the output folder and permissions',
      );
    }
  },
  progress(text) {
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${text}`);
    else process.stderr.write(`${text}\n`);
  },
};

export function fileNameOf(path: string): string {
  return basename(path);
}
