import { useState } from 'react';
import { parseTrainingConfigJson, trainingConfigToJson } from '../../config/serialize';
import { validateTrainingConfig, type TrainingConfig } from '../../config/schema';
import { PtychoError } from '../../errors';
import { useStore } from '../store';

type Field = { path: string; label: string; kind: 'int' | 'number' | 'select' | 'bool'; options?: (string | number)[] };
const FIELDS: Field[] = [
  { path: 'model.gridsize', label: 'gridsize', kind: 'int' },
  { path: 'model.n_filters_scale', label: 'n_filters_scale', kind: 'select', options: [0.25, 0.5, 1, 2, 3, 4] },
  { path: 'model.cbam_encoder', label: 'CBAM attention', kind: 'bool' },
  { path: 'batch_size', label: 'batch_size', kind: 'select', options: [1, 2, 4, 8, 16, 32, 64] },
  { path: 'nepochs', label: 'nepochs', kind: 'int' },
  { path: 'learning_rate', label: 'learning rate', kind: 'number' },
  { path: 'nphotons', label: 'nphotons', kind: 'number' },
  { path: 'n_groups', label: 'n_groups', kind: 'int' },
  { path: 'neighbor_count', label: 'neighbor_count (K)', kind: 'int' },
  { path: 'seed', label: 'seed', kind: 'int' },
];

function get(c: TrainingConfig, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], c);
}

function set(c: TrainingConfig, path: string, v: unknown): TrainingConfig {
  const [a, b] = path.split('.');
  return b ? { ...c, [a]: { ...(c as unknown as Record<string, Record<string, unknown>>)[a], [b]: v } } : { ...c, [a]: v };
}

/** The main training settings (reference names), N read-only from the probe, JSON import / export. */
export function ConfigPanel() {
  const config = useStore((s) => s.config);
  const setConfig = useStore((s) => s.setConfig);
  const setError = useStore((s) => s.setError);
  const [problem, setProblem] = useState<string | null>(null);
  const update = (path: string, v: unknown) => {
    const next = set(config, path, v);
    try {
      validateTrainingConfig(next);
      setProblem(null);
    } catch (e) {
      setProblem(e instanceof PtychoError ? `${e.message} — ${e.hint}` : String(e));
    }
    setConfig(next);
  };
  return (
    <section className="panel" data-testid="config-panel">
      <h2>Settings</h2>
      <div className="fields">
        <label>
          N (from the probe)
          <input value={config.model.N} readOnly />
        </label>
        {FIELDS.map((f) => {
          const v = get(config, f.path);
          return (
            <label key={f.path}>
              {f.label}
              {f.kind === 'bool' ? (
                <input type="checkbox" checked={!!v} onChange={(e) => update(f.path, e.target.checked)} />
              ) : f.kind === 'select' ? (
                <select value={String(v)} onChange={(e) => update(f.path, Number(e.target.value))}>
                  {f.options!.map((o) => <option key={o} value={o}>{o}</option>)}
                </select>
              ) : (
                <input type="number" value={v === null ? '' : String(v)} step={f.kind === 'int' ? 1 : 'any'} onChange={(e) => update(f.path, e.target.value === '' ? null : Number(e.target.value))} />
              )}
            </label>
          );
        })}
      </div>
      {problem && <p className="problem">{problem}</p>}
      <div className="row">
        <button
          type="button"
          onClick={() => {
            const blob = new Blob([trainingConfigToJson(config)], { type: 'application/json' });
            const a = document.createElement('a');
            a.href = URL.createObjectURL(blob);
            a.download = 'ptychopinn-config.json';
            a.click();
          }}
        >
          export JSON
        </button>
        <label className="button">
          import JSON
          <input
            type="file"
            accept=".json"
            hidden
            onChange={async (e) => {
              const f = e.target.files?.[0];
              if (!f) return;
              try {
                setConfig({ ...parseTrainingConfigJson(await f.text(), f.name), model: { ...parseTrainingConfigJson(await f.text(), f.name).model, N: config.model.N } });
              } catch (err) {
                const pe = err as PtychoError;
                setError({ code: pe.code ?? 'config', message: pe.message, hint: pe.hint ?? '' });
              }
            }}
          />
        </label>
      </div>
    </section>
  );
}
