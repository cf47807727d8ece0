import type { DatasetPreview, ErrorInfo, GpuInfo, Request, Response } from './protocol';

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

/** Promise-based client of the engine worker. */
export class EngineClient {
  private worker: Worker;
  private next = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: ErrorInfo) => void }>();

  constructor() {
    this.worker = new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (ev: MessageEvent<Response>) => {
      const p = this.pending.get(ev.data.id);
      if (!p) return;
      this.pending.delete(ev.data.id);
      if (ev.data.ok) p.resolve(ev.data.result);
      else p.reject(ev.data.error);
    };
  }

  private call<T>(req: WithoutId<Request>, transfer: Transferable[] = []): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...req, id } as Request, transfer);
    });
  }

  load(fileName: string, bytes: ArrayBuffer): Promise<DatasetPreview> {
    return this.call({ type: 'load', fileName, bytes }, [bytes]);
  }

  gpuInfo(): Promise<GpuInfo> {
    return this.call({ type: 'gpuInfo' });
  }
}
