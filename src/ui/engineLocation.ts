/**
 * Where the page's engine runs: its own Web Worker, or an engine server (`ptychopinn serve`). The server prints a
 * URL whose fragment carries `engine=ws://host:port/engine&token=…` (a fragment never reaches a server's logs);
 * the page takes both out of the address bar at once and keeps them for this tab only (sessionStorage), so a
 * reload reconnects and a copied link never carries the token.
 */
import type { EngineServerTarget } from '../worker/client';

const KEY = 'ptychopinn-engine-server';

/** `engine` and `token` from a hash, and the hash without them. */
export function splitEngineHash(hash: string): { target: EngineServerTarget | null; rest: string } {
  const parts = hash.replace(/^#/, '').split('&').filter(Boolean);
  let url: string | null = null;
  let token: string | null = null;
  const rest: string[] = [];
  for (const p of parts) {
    if (p.startsWith('engine=')) url = safeDecode(p.slice(7));
    else if (p.startsWith('token=')) token = safeDecode(p.slice(6));
    else rest.push(p);
  }
  const target = url && token && /^wss?:\/\//.test(url) ? { url, token } : null;
  return { target, rest: rest.length ? `#${rest.join('&')}` : '' };
}

function safeDecode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

/** The engine server this tab uses (from the address bar, which is then cleaned, or from earlier in this tab), or null. */
export function engineServerTarget(): EngineServerTarget | null {
  const { target, rest } = splitEngineHash(location.hash);
  if (target) {
    sessionStorage.setItem(KEY, JSON.stringify(target));
    history.replaceState(null, '', `${location.pathname}${location.search}${rest}`);
    return target;
  }
  try {
    const saved = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as EngineServerTarget | null;
    return saved && typeof saved.url === 'string' && typeof saved.token === 'string' ? saved : null;
  } catch {
    return null;
  }
}

/** Switch this tab to an engine server (or back to the browser's own engine with null) and restart the page. */
export function switchEngine(target: EngineServerTarget | null): void {
  if (target) sessionStorage.setItem(KEY, JSON.stringify(target));
  else sessionStorage.removeItem(KEY);
  location.reload();
}
