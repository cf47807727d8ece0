/**
 * The page's side of the engine protocol: a promise per request and a subscription for the engine's events.
 * The engine is this page's Web Worker, or an engine server (`ptychopinn serve`) reached over a WebSocket with the
 * same messages (wire.ts frames); the page talks to either only through this (specs/app.md "One engine, one door").
 */
import type { ErrorInfo, Request, Results, WorkerEvent, WorkerMessage } from './protocol';
import { decodeMessage, encodeMessage } from './wire';

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
type Req = WithoutId<Request>;

/** An engine server: its WebSocket URL (ws://host:port/engine) and the token it printed. */
export interface EngineServerTarget {
  url: string;
  token: string;
}

interface Transport {
  send(msg: Request, transfer: Transferable[]): void;
}

/** Close codes of the engine server that mean "do not retry". */
const REFUSED: Record<number, string> = {
  4401: 'the engine server refused the token',
  4403: "the engine server refused this page's origin",
};

export class EngineClient {
  private transport: Transport;
  private next = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: ErrorInfo) => void }>();
  private listeners = new Set<(e: WorkerEvent) => void>();
  /** Requests waiting for the socket to open. */
  private queue: Request[] = [];
  private socket: WebSocket | null = null;
  private retry: ReturnType<typeof setTimeout> | null = null;
  /** The engine server refused this page (token or origin): every later request fails with this at once. */
  refused: ErrorInfo | null = null;

  constructor(readonly server: EngineServerTarget | null = null) {
    if (server) {
      this.transport = { send: (msg) => this.sendSocket(msg) };
      this.connect();
      return;
    }
    const worker = new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (ev: MessageEvent<WorkerMessage>) => this.receive(ev.data);
    worker.onerror = (ev) => {
      // A crashed worker: fail everything pending with the reason instead of hanging.
      this.failPending({
        code: 'internal',
        message: `the engine worker failed: ${ev.message || 'unknown error'}`,
        hint: 'reload the page; your last checkpoint is kept',
      });
    };
    this.transport = { send: (msg, transfer) => worker.postMessage(msg, transfer) };
  }

  private receive(m: WorkerMessage): void {
    if ('event' in m) {
      this.emit(m.event);
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.ok) p.resolve(m.result);
    else p.reject(m.error);
  }

  private emit(e: WorkerEvent): void {
    for (const l of this.listeners) l(e);
  }

  private failPending(err: ErrorInfo): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  private connect(): void {
    const { url, token } = this.server!;
    const ws = new WebSocket(url, ['ptychopinn', `token.${token}`]);
    ws.binaryType = 'arraybuffer';
    this.socket = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      this.emit({ type: 'connection', state: 'open', message: `connected to the engine at ${new URL(url).host}` });
      for (const m of this.queue.splice(0)) this.sendSocket(m);
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (!(ev.data instanceof ArrayBuffer)) return;
      try {
        this.receive(decodeMessage(new Uint8Array(ev.data)) as WorkerMessage);
      } catch (e) {
        this.failPending({ code: 'protocol', message: String((e as Error).message), hint: 'reload the page' });
      }
    };
    ws.onclose = (ev: CloseEvent) => {
      this.socket = null;
      const refused = REFUSED[ev.code];
      const where = new URL(url).host;
      if (refused) {
        const message = `${refused}${ev.reason ? `: ${ev.reason}` : ''}`;
        // A page served from elsewhere (not by the server itself) is let in only when the server names its origin.
        const hint =
          ev.code === 4403
            ? `open the URL that \`ptychopinn serve\` printed, or start the server with --allow-origin ${self.location.origin}`
            : 'open the URL that `ptychopinn serve` printed, or connect again with its token';
        this.refused = { code: 'access', message, hint };
        this.queue = [];
        this.failPending(this.refused);
        this.emit({ type: 'connection', state: 'refused', message });
        return;
      }
      // Lost (server restarted, network): what was asked is answered never; the job itself lives on in the server.
      this.failPending({
        code: 'access',
        message: `the connection to the engine at ${where} was lost`,
        hint: 'the page reconnects by itself; a run on the server keeps going',
      });
      this.emit({
        type: 'connection',
        state: 'lost',
        message: opened
          ? `the connection to the engine at ${where} was lost; reconnecting…`
          : `cannot reach the engine at ${where}; retrying…`,
      });
      this.retry = setTimeout(() => this.connect(), 1500);
    };
  }

  private sendSocket(msg: Request): void {
    const ws = this.socket;
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      this.queue.push(msg);
      return;
    }
    ws.send(encodeMessage(msg));
  }

  request<T extends Req['type']>(req: Extract<Req, { type: T }>, transfer: Transferable[] = []): Promise<Results[T]> {
    const id = this.next++;
    return new Promise<Results[T]>((resolve, reject) => {
      // Refused for good: nothing would ever answer (it would wait in the queue forever).
      if (this.refused) return reject(this.refused);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.transport.send({ ...req, id } as Request, transfer);
    });
  }

  /** Subscribe to progress / preview / checkpoint / device / connection events; returns the unsubscribe function. */
  onEvent(fn: (e: WorkerEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  load(fileName: string, bytes: ArrayBuffer) {
    return this.request({ type: 'load', fileName, bytes }, [bytes]);
  }

  /** Stop reconnecting and close the socket (engine server only). */
  close(): void {
    if (this.retry) clearTimeout(this.retry);
    this.socket?.close();
  }
}
