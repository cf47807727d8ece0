import { create } from 'zustand';
import { makeTrainingConfig, type TrainingConfig } from '../config/schema';
import type { DatasetPreview, ErrorInfo, GpuInfo } from '../worker/protocol';

/** UI state (zustand). The engine lives in a worker; this holds only plain data for rendering. */
export type Status = 'idle' | 'loading' | 'ready' | 'error';

export interface AppState {
  status: Status;
  dataset: DatasetPreview | null;
  error: ErrorInfo | null;
  gpu: GpuInfo | null;
  config: TrainingConfig;
  setLoading(): void;
  setDataset(d: DatasetPreview): void;
  setError(e: ErrorInfo): void;
  clearError(): void;
  setGpu(g: GpuInfo): void;
  setConfig(c: TrainingConfig): void;
}

export const useStore = create<AppState>((set) => ({
  status: 'idle',
  dataset: null,
  error: null,
  gpu: null,
  config: makeTrainingConfig(),
  setLoading: () => set({ status: 'loading', error: null }),
  // A good dataset replaces the previous one; N follows the probe.
  setDataset: (d) => set((s) => ({ status: 'ready', dataset: d, error: null, config: { ...s.config, model: { ...s.config.model, N: d.summary.N as TrainingConfig['model']['N'] }, nphotons: d.summary.nphotons ?? s.config.nphotons } })),
  // A failed load keeps whatever dataset was loaded before.
  setError: (e) => set((s) => ({ status: s.dataset ? 'ready' : 'error', error: e })),
  clearError: () => set({ error: null }),
  setGpu: (g) => set({ gpu: g }),
  setConfig: (c) => set({ config: c }),
}));

/** Read-only state for tests and debugging: window.__ptychopinn. */
export function exposeState(): void {
  const snapshot = () => {
    const s = useStore.getState();
    return Object.freeze({
      status: s.status,
      dataset: s.dataset ? s.dataset.summary : null,
      error: s.error,
      gpu: s.gpu,
      config: s.config,
    });
  };
  Object.defineProperty(window, '__ptychopinn', { get: snapshot, configurable: true });
}
