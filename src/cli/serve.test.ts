/** `ptychopinn serve`: the printed URL (token in the fragment), the data dir line, the non-loopback warning. */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIO } from './io';
import { run } from './serve';
import { helpText } from './main';

const tmp = mkdtempSync(join(tmpdir(), 'ppw-cli-serve-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    readFile: () => new Uint8Array(),
    writeFile: () => undefined,
  };
  return { io, out, err };
}

async function serveOnce(argv: string[]) {
  const c = capture();
  let stop!: (s: string) => void;
  const signal = new Promise<string>((r) => (stop = r));
  const done = run(argv, c.io, signal);
  while (c.out.length === 0) await new Promise((r) => setTimeout(r, 10));
  stop('SIGINT');
  expect(await done).toBe(0);
  return c;
}

describe('ptychopinn serve', () => {
  it('prints the URL with the token in the fragment and where checkpoints go; closes on the signal', async () => {
    const dataDir = join(tmp, 'data');
    const c = await serveOnce(['--port', '0', '--data-dir', dataDir, '--app-dir', tmp]);
    expect(c.out.join('\n')).toMatch(
      /^open http:\/\/127\.0\.0\.1:(\d+)\/#engine=ws:\/\/127\.0\.0\.1:\1\/engine&token=[0-9a-f]{32}$/,
    );
    expect(c.err.join('\n')).toContain(`checkpoints go to ${dataDir}`);
    expect(c.err.join('\n')).not.toMatch(/warning/);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(helpText()).toMatch(/serve \[--port P\] \[--host 127\.0\.0\.1\] \[--data-dir D\] \[--app-dir DIST\]/);
  });

  it('warns when bound beyond loopback', async () => {
    const c = await serveOnce(['--port', '0', '--host', '0.0.0.0', '--data-dir', join(tmp, 'd2'), '--app-dir', tmp]);
    expect(c.err.join('\n')).toMatch(
      /warning: listening on 0\.0\.0\.0: anyone who can reach port \d+ and has the token can use this GPU/,
    );
  });
});
