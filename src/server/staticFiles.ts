/**
 * The built app's static files for `ptychopinn serve`: GET only, from one folder (appDir), with the right
 * Content-Type. Paths are checked before and after resolution: a `..` segment (plain or percent-encoded), a
 * backslash, a NUL, or a symlink that leads outside appDir all answer 404, so nothing else on the disk is reachable.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.npz': 'application/octet-stream',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

export function contentType(path: string): string {
  return TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/** The URL path as segments under appDir, or null if it could name anything outside it. */
export function safeSegments(url: string): string[] | null {
  const raw = url.split(/[?#]/, 1)[0];
  if (!raw.startsWith('/')) return null;
  let path: string;
  try {
    path = decodeURIComponent(raw);
  } catch {
    return null;
  }
  if (path.includes('\0') || path.includes('\\')) return null;
  const segments = path.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..')) return null;
  return segments;
}

function send(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  res.end(text);
}

/** A file inside root (real path), or null. */
async function resolveFile(root: string, segments: string[]): Promise<{ path: string; size: number } | null> {
  const wanted = segments.length ? join(root, ...segments) : join(root, 'index.html');
  try {
    const real = await realpath(wanted);
    if (!real.startsWith(root + sep)) return null;
    const s = await stat(real);
    return s.isFile() ? { path: real, size: s.size } : null;
  } catch {
    return null;
  }
}

/** A request handler serving `appDir` (resolved once; a missing folder answers every path with a hint). */
export function staticHandler(appDir: string): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const root = realpath(appDir).catch(() => null);
  return async (req, res) => {
    if (req.method !== 'GET') return send(res, 405, 'method not allowed\n', { Allow: 'GET' });
    const segments = safeSegments(req.url ?? '/');
    const dir = await root;
    if (!dir)
      return send(res, 404, `the app is not built (${appDir} is missing): run \`npm run build\`, or pass --app-dir\n`);
    const file = segments && (await resolveFile(dir, segments));
    if (!file) return send(res, 404, 'not found\n');
    res.writeHead(200, {
      'Content-Type': contentType(file.path),
      'Content-Length': String(file.size),
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-cache',
    });
    const stream = createReadStream(file.path);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  };
}
