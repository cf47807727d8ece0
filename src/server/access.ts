/**
 * Who may use the engine server: a secret token, offered by the page as a WebSocket subprotocol `token.<hex>` next
 * to `ptychopinn` (so it never travels in a URL that reaches logs), compared in constant time; and, for browsers, an
 * Origin that is the server's own (or one the operator allowed), so another site open in the same browser cannot
 * drive the GPU even if it guesses the port. Non-browser clients send no Origin; the token still applies.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const PROTOCOL = 'ptychopinn';
export const TOKEN_PREFIX = 'token.';

/** Close codes of a refused connection (4000–4999 are the application's). */
export const CLOSE_TOKEN = 4401;
export const CLOSE_ORIGIN = 4403;
export const TOKEN_REASON = 'wrong or missing token: open the URL `ptychopinn serve` printed';
export const ORIGIN_REASON = 'page origin not allowed: open the URL `ptychopinn serve` printed';

/** A fresh 128-bit token, hex. */
export function newToken(): string {
  return randomBytes(16).toString('hex');
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Constant-time comparison (both sides hashed first, so lengths never leak or throw). */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  return given !== undefined && timingSafeEqual(digest(given), digest(expected));
}

/** The subprotocols a client offered (Sec-WebSocket-Protocol, comma-separated). */
export function offeredProtocols(req: IncomingMessage): string[] {
  const h = req.headers['sec-websocket-protocol'];
  const raw = Array.isArray(h) ? h.join(',') : (h ?? '');
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The token a client offered, if any. */
export function offeredToken(req: IncomingMessage): string | undefined {
  return offeredProtocols(req)
    .find((p) => p.startsWith(TOKEN_PREFIX))
    ?.slice(TOKEN_PREFIX.length);
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

function hostPart(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** The origins a page served by this server has (plus the operator's extra ones). */
export function allowedOrigins(host: string, port: number, extra: readonly string[] = []): Set<string> {
  const out = new Set<string>([`http://${hostPart(host)}:${port}`]);
  if (isLoopback(host)) for (const h of ['localhost', '127.0.0.1', '[::1]']) out.add(`http://${h}:${port}`);
  for (const o of extra) out.add(o.replace(/\/+$/, ''));
  return out;
}

/** Why a connection is refused (a close code and a reason that says what to do), or null to accept it. */
export function refusal(
  req: IncomingMessage,
  token: string,
  origins: Set<string>,
): { code: number; reason: string } | null {
  const origin = req.headers.origin;
  if (origin !== undefined && !origins.has(origin)) return { code: CLOSE_ORIGIN, reason: ORIGIN_REASON };
  if (!tokenMatches(offeredToken(req), token)) return { code: CLOSE_TOKEN, reason: TOKEN_REASON };
  return null;
}
