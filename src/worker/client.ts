/**
 * The page's side of the engine protocol: a promise per request and a subscription for the worker's events.
 * The page talks to the engine only through this (design.md §1).
 */
import type { ErrorInfo, Request, Results, WorkerEvent, WorkerMessage } from './protocol';

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
type Req = WithoutId<Request>;

export class EngineClient {
  private worker: Worker;
  private next = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: ErrorInfo) => void }>();
  private listeners = new Set<(e: WorkerEvent) => void>();

  constructor() {
    this.worker = new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (ev: MessageEvent<WorkerMessage>) => {
      const m = ev.data;
      if ('event' in m) {
        for (const l of this.listeners) l(m.event);
        return;
      }
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(m.error);
    };
    this.worker.onerror = (ev) => {
      // A crashed worker: fail everything pending with the reason instead of hanging.
      const err: ErrorInfo = { code: 'internal', message: `the engine worker failed: ${ev.message || 'unknown error'}`, hint: 'reload the page; your last checkpoint is kept' };
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
  }

  request<T extends Req['type']>(req: Extract<Req, { type: T }>, transfer: Transferable[] = []): Promise<Results[T]> {
    const id = this.next++;
    return new Promise<Results[T]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...req, id }, transfer);
    });
  }

  /** Subscribe to progress / preview / checkpoint / device events; returns the unsubscribe function. */
  onEvent(fn: (e: WorkerEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  load(fileName: string, bytes: ArrayBuffer) {
    return this.request({ type: 'load', fileName, bytes }, [bytes]);
  }
}
