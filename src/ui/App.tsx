import { useCallback, useEffect, useMemo } from 'react';
import { EngineClient } from '../worker/client';
import type { ErrorInfo } from '../worker/protocol';
import { exposeState, useStore } from './store';
import { ConfigPanel } from './views/ConfigPanel';
import { DatasetView } from './views/DatasetView';
import { DropZone } from './widgets/DropZone';

export const EXAMPLE_URL = '/fixtures/lines-n32.npz';

export function App() {
  const client = useMemo(() => new EngineClient(), []);
  const { status, dataset, error, gpu } = useStore();
  const { setLoading, setDataset, setError, clearError, setGpu } = useStore();

  const load = useCallback(
    async (fileName: string, bytes: ArrayBuffer) => {
      setLoading();
      try {
        setDataset(await client.load(fileName, bytes));
      } catch (e) {
        setError(e as ErrorInfo);
      }
    },
    [client, setLoading, setDataset, setError],
  );

  const loadExample = useCallback(async () => {
    try {
      const r = await fetch(EXAMPLE_URL);
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      await load('lines-n32.npz', await r.arrayBuffer());
    } catch (e) {
      setError({ code: 'internal', message: `could not fetch the example dataset ${EXAMPLE_URL} (${(e as Error).message})`, hint: 'reload the page' });
    }
  }, [load, setError]);

  useEffect(() => {
    exposeState();
    client.gpuInfo().then(setGpu);
    // Open on the bundled example unless the URL says otherwise (#example=none).
    if (!/example=none/.test(location.hash)) loadExample();
  }, [client, setGpu, loadExample]);

  return (
    <div className="app">
      <header>
        <h1>PtychoPINN Web</h1>
        <span className="tagline">physics-informed neural-network ptychography on your GPU</span>
        <span data-testid="gpu-status" className={`gpu ${gpu ? (gpu.available ? (gpu.isFallbackAdapter ? 'slow' : 'ok') : 'none') : ''}`} title={gpu?.hint ?? ''}>
          {gpu ? (gpu.available ? `WebGPU: ${gpu.description}` : `no WebGPU: ${gpu.reason}`) : 'checking WebGPU…'}
          {gpu?.available && gpu.isFallbackAdapter ? ' — software adapter, training will be slow' : ''}
        </span>
      </header>
      {error && (
        <div className="error-banner" data-testid="error-banner" role="alert">
          <strong>{error.message}</strong>
          {error.hint && <p>{error.hint}</p>}
          <button type="button" onClick={clearError} aria-label="dismiss">×</button>
        </div>
      )}
      <DropZone busy={status === 'loading'} onFile={async (f) => load(f.name, await f.arrayBuffer())} onExample={loadExample} />
      {status === 'loading' && <p className="muted" data-testid="loading">reading…</p>}
      <main>
        {dataset && <DatasetView d={dataset} />}
        <ConfigPanel />
      </main>
    </div>
  );
}
