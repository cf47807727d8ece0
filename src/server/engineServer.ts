/**
 * The engine server behind `ptychopinn serve`: one node:http server that serves the built app (staticFiles.ts) and
 * upgrades `/engine` to a WebSocket speaking the page's engine protocol (src/worker/protocol.ts), one binary frame
 * per message (src/worker/wire.ts). One EngineHost per server, with checkpoints in the data dir
 * (FileCheckpointStore); its events go to every connected page. A connection must carry the token and, from a
 * browser, an allowed Origin (access.ts), else it is closed (4401 / 4403) before the host sees anything. The first
 * page to connect controls the job; others may watch and export (requests.ts); control passes on when it leaves.
 * A page that disconnects does not stop training. No request names a file path, so only the data dir is written.
 */
import { mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { Engine } from '../api/engine';
import { PtychoError } from '../errors';
import { EngineHost, errorInfo } from '../worker/host';
import type { WorkerEvent } from '../worker/protocol';
import { DEFAULT_WIRE_LIMITS, decodeMessage, encodeMessage, type WireLimits } from '../worker/wire';
import { allowedOrigins, isLoopback, newToken, offeredProtocols, PROTOCOL, refusal } from './access';
import { FileCheckpointStore } from './fileCheckpointStore';
import { checkAllowed, checkRequest, idOf } from './requests';
import { staticHandler } from './staticFiles';

export const DEFAULT_MAX_MESSAGE_BYTES = 512 * 1024 * 1024;
export const ENGINE_PATH = '/engine';

export interface EngineServerOptions {
  port?: number;
  host?: string;
  /** Where checkpoints go (default ~/.ptychopinn/serve, created 0700). */
  dataDir?: string;
  /** The built app (default dist/ next to the package). */
  appDir?: string;
  /** The access token (default: 128 random bits, hex). */
  token?: string;
  /** Largest message accepted from a client, bytes (default 512 MiB). */
  maxMessageBytes?: number;
  /** Page origins accepted besides the server's own (e.g. a dev server's). */
  allowedOrigins?: string[];
  /** Allow the test hooks 'loseDevice' and 'failStorage' (tests only). */
  testHooks?: boolean;
  /** How the host makes its engine (tests share one). */
  createEngine?: () => Promise<Engine>;
}

/** The control state a page is told about: whether it controls the job, and how many pages are connected. */
export type ControlEvent = { type: 'control'; controller: boolean; clients: number };

export function defaultDataDir(): string {
  return join(homedir(), '.ptychopinn', 'serve');
}

export function defaultAppDir(): string {
  return fileURLToPath(new URL('../../dist/', import.meta.url));
}

export class EngineServer {
  private server: Server | null = null;
  private wss: WebSocketServer | null = null;
  private host: EngineHost | null = null;
  /** Accepted clients, oldest first; the first one controls the job. */
  private clients: WebSocket[] = [];
  private token = '';
  private origins = new Set<string>();
  private limits: WireLimits = DEFAULT_WIRE_LIMITS;
  private testHooks = false;
  private closed = false;

  /** Listen; resolves with the page URL's parts once the port is bound. */
  async start(
    opts: EngineServerOptions = {},
  ): Promise<{ url: string; token: string; port: number; host: string; dataDir: string }> {
    const host = opts.host ?? '127.0.0.1';
    const dataDir = opts.dataDir ?? defaultDataDir();
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const maxBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.limits = { ...DEFAULT_WIRE_LIMITS, maxBytes };
    this.token = opts.token ?? newToken();
    this.testHooks = opts.testHooks ?? false;
    this.host = new EngineHost({
      emit: (event) => this.broadcast({ event }),
      store: new FileCheckpointStore(dataDir),
      createEngine: opts.createEngine,
    });
    const serveFile = staticHandler(opts.appDir ?? defaultAppDir());
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: maxBytes,
      // Select 'ptychopinn' when offered; never echo the token back.
      handleProtocols: (protocols) => (protocols.has(PROTOCOL) ? PROTOCOL : false),
    });
    const server = createServer((req, res) => void serveFile(req, res).catch(() => res.destroy()));
    server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const port = (server.address() as AddressInfo).port;
    this.origins = allowedOrigins(host, port, opts.allowedOrigins);
    const h = host.includes(':') ? `[${host}]` : host;
    const url = `http://${h}:${port}/#engine=ws://${h}:${port}${ENGINE_PATH}&token=${this.token}`;
    return { url, token: this.token, port, host, dataDir };
  }

  /** Whether the host is bound to loopback only. */
  static isLoopback(host: string): boolean {
    return isLoopback(host);
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '').split(/[?#]/, 1)[0];
    if (path !== ENGINE_PATH || !this.wss || this.closed) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const refused = refusal(req, this.token, this.origins);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      if (refused) {
        // Accept nothing: no listener reads its frames, the host never hears of it.
        ws.close(refused.code, refused.reason);
        setTimeout(() => ws.terminate(), 2000).unref();
        return;
      }
      if (!offeredProtocols(req).includes(PROTOCOL)) {
        ws.close(1002, `offer the subprotocol "${PROTOCOL}"`);
        return;
      }
      this.accept(ws);
    });
  }

  private accept(ws: WebSocket): void {
    this.clients.push(ws);
    ws.on('message', (data, isBinary) => void this.onMessage(ws, data, isBinary));
    ws.on('close', () => this.drop(ws));
    ws.on('error', () => this.drop(ws));
    this.announceControl();
  }

  private drop(ws: WebSocket): void {
    const i = this.clients.indexOf(ws);
    if (i < 0) return;
    this.clients.splice(i, 1);
    this.announceControl();
  }

  /** Tell every page whether it controls the job and how many pages are connected. */
  private announceControl(): void {
    const n = this.clients.length;
    this.clients.forEach((c, i) =>
      this.send(
        c,
        encodeMessage({ event: { type: 'control', controller: i === 0, clients: n } satisfies ControlEvent }),
      ),
    );
  }

  private send(ws: WebSocket, frame: Uint8Array): void {
    if (ws.readyState === WebSocket.OPEN) ws.send(frame, { binary: true });
  }

  private broadcast(message: { event: WorkerEvent }): void {
    if (this.closed || this.clients.length === 0) return;
    const frame = encodeMessage(message);
    for (const c of this.clients) this.send(c, frame);
  }

  private async onMessage(ws: WebSocket, data: RawData, isBinary: boolean): Promise<void> {
    let id: number | null = null;
    try {
      if (!isBinary)
        throw new PtychoError(
          'protocol',
          'text frame: the engine speaks binary frames only',
          'the page and the engine server must be the same version; reload the page',
        );
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      const msg = decodeMessage(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), this.limits);
      id = idOf(msg);
      const req = checkRequest(msg);
      checkAllowed(req, { testHooks: this.testHooks, controller: this.clients[0] === ws });
      const result = await this.host!.handle(req);
      this.send(ws, encodeMessage({ id: req.id, ok: true, result }));
    } catch (e) {
      try {
        this.send(ws, encodeMessage({ id, ok: false, error: errorInfo(e) }));
      } catch {
        // an unsendable reply must not take the server down
      }
    }
  }

  /** Close every connection and stop listening; a run in progress is stopped (its last checkpoint stays). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.host?.current?.stop();
    for (const c of this.clients) c.close(1001, 'the engine server is shutting down');
    const wss = this.wss;
    const server = this.server;
    if (wss) for (const c of wss.clients) c.terminate();
    await new Promise<void>((r) => (wss ? wss.close(() => r()) : r()));
    await new Promise<void>((r) => {
      if (!server) return r();
      server.close(() => r());
      server.closeAllConnections();
    });
    this.clients = [];
  }
}
