/// <reference lib="webworker" />
import { PtychoError } from '../errors';
import { createGpuDevice, describeAdapter } from '../gpu/device';
import { toRawData } from '../pipeline/contract';
import { readArrayFile } from '../pipeline/npz';
import { summarize } from '../pipeline/summary';
import { complexPreview, patternPreview } from './previews';
import type { DatasetPreview, GpuInfo, Request, Response } from './protocol';

/**
 * The engine worker: parsing, checking and (in later stages) training run here, off the UI thread.
 * Errors travel back as {code, message, hint}; nothing here touches the DOM.
 */
const ctx = self as unknown as DedicatedWorkerGlobalScope;

async function handle(req: Request): Promise<{ result: unknown; transfer: Transferable[] }> {
  switch (req.type) {
    case 'load': {
      const bytes = new Uint8Array(req.bytes);
      const arrays = readArrayFile(bytes, { fileName: req.fileName });
      const raw = toRawData(arrays, { fileName: req.fileName });
      const summary = summarize(arrays, raw, req.fileName);
      const obj = raw.objectGuess ? complexPreview(raw.objectGuess) : undefined;
      const probe = complexPreview(raw.probeGuess);
      const preview: DatasetPreview = {
        summary,
        objectAmplitude: obj?.amplitude,
        objectPhase: obj?.phase,
        probeAmplitude: probe.amplitude,
        probePhase: probe.phase,
        pattern: patternPreview(raw.diffraction),
        scanX: Float32Array.from(raw.xcoords),
        scanY: Float32Array.from(raw.ycoords),
      };
      const transfer = [preview.probeAmplitude.data.buffer, preview.probePhase.data.buffer, preview.pattern.data.buffer, preview.scanX.buffer, preview.scanY.buffer];
      if (obj) transfer.push(obj.amplitude.data.buffer, obj.phase.data.buffer);
      return { result: preview, transfer: transfer as Transferable[] };
    }
    case 'gpuInfo': {
      try {
        const dev = await createGpuDevice();
        const info: GpuInfo = { available: true, description: describeAdapter(dev.adapter), isFallbackAdapter: dev.adapter.isFallbackAdapter };
        dev.destroy();
        return { result: info, transfer: [] };
      } catch (e) {
        const pe = e instanceof PtychoError ? e : new PtychoError('gpu-unavailable', (e as Error).message, '');
        const info: GpuInfo = { available: false, description: 'WebGPU unavailable', isFallbackAdapter: false, reason: pe.message, hint: pe.hint };
        return { result: info, transfer: [] };
      }
    }
  }
}

ctx.onmessage = async (ev: MessageEvent<Request>) => {
  const req = ev.data;
  try {
    const { result, transfer } = await handle(req);
    ctx.postMessage({ id: req.id, ok: true, result } satisfies Response, transfer);
  } catch (e) {
    const err = e instanceof PtychoError ? e.toJSON() : { code: 'internal', message: String((e as Error)?.message ?? e), hint: 'this is a bug; please report it with the file you used' };
    ctx.postMessage({ id: req.id, ok: false, error: err } satisfies Response);
  }
};
