/// <reference lib="webworker" />
/**
 * The engine worker: the page's engine host (host.ts) in a Web Worker, off the UI thread, with checkpoints in
 * IndexedDB. Requests arrive as messages; results and events go back with their big arrays transferred.
 */
import { IdbCheckpointStore } from './checkpointStore';
import { EngineHost, errorInfo, transferOf } from './host';
import type { Request } from './protocol';

const ctx = self as unknown as DedicatedWorkerGlobalScope;
const host = new EngineHost({
  emit: (event, transfer) => ctx.postMessage({ event }, transfer),
  store: new IdbCheckpointStore(),
});

ctx.onmessage = async (ev: MessageEvent<Request>) => {
  const req = ev.data;
  try {
    const result = await host.handle(req);
    ctx.postMessage({ id: req.id, ok: true, result }, transferOf(result));
  } catch (e) {
    ctx.postMessage({ id: req.id, ok: false, error: errorInfo(e) });
  }
};
