// The page (specs/app.md): the engine status, error banner (its text by code: errorText.ts), recovery banner, drop
// zone, dataset, settings, training and result views, wired to the controller (controller.ts) and the store
// (store.ts).
import { useState } from 'react';
import { DEFAULT_EXAMPLE, EXAMPLES, type Controller } from './controller';
import { errorText } from './errorText';
import { isRunning, useStore } from './store';
import { ConfigPanel } from './views/ConfigPanel';
import { DatasetView } from './views/DatasetView';
import { EngineStatus } from './views/EngineStatus';
import { RecoveryBanner } from './views/RecoveryBanner';
import { ResultView } from './views/ResultView';
import { SimulatePanel } from './views/SimulatePanel';
import { TrainingView } from './views/TrainingView';
import { DropZone } from './widgets/DropZone';

export function App({ ctl }: { ctl: Controller }) {
  const dataset = useStore((s) => s.dataset);
  const status = useStore((s) => s.status);
  const server = useStore((s) => (s.engine.kind === 'server' ? s.engine.host : null));
  const errorInfo = useStore((s) => s.error);
  const error = errorInfo && errorText(errorInfo);
  const [simOpen, setSimOpen] = useState(false);
  const [example, setExample] = useState(DEFAULT_EXAMPLE);
  const locked = status === 'loading' || isRunning(status);
  return (
    <div className="app">
      <header>
        <h1>PtychoPINN Web</h1>
        <span className="tagline">physics-informed neural-network ptychography on your GPU</span>
        <EngineStatus />
      </header>
      {error && (
        <div className="error-banner" data-testid="error-banner" data-code={error.code} role="alert">
          <strong>{error.message}</strong>
          {error.hint && <p>{error.hint}</p>}
          <button type="button" onClick={() => useStore.getState().set({ error: null })} aria-label="dismiss">
            ×
          </button>
        </div>
      )}
      <RecoveryBanner ctl={ctl} />
      <DropZone busy={locked} server={server} onFile={(f) => ctl.openFile(f)}>
        <select
          aria-label="example dataset"
          value={example}
          onChange={(e) => setExample(e.target.value)}
          disabled={locked}
        >
          {Object.entries(EXAMPLES).map(([k, v]) => (
            <option key={k} value={k}>
              {v.label}
            </option>
          ))}
        </select>{' '}
        <button type="button" data-testid="load-example" onClick={() => ctl.loadExample(example)} disabled={locked}>
          load the example
        </button>{' '}
        or{' '}
        <button type="button" data-testid="simulate-open" onClick={() => setSimOpen(true)} disabled={locked}>
          simulate a scan
        </button>
      </DropZone>
      {status === 'loading' && (
        <p className="muted" data-testid="loading">
          reading…
        </p>
      )}
      <div className="layout">
        <main>
          {simOpen && <SimulatePanel ctl={ctl} onClose={() => setSimOpen(false)} />}
          {dataset && <DatasetView d={dataset} />}
          <TrainingView ctl={ctl} />
          <ResultView ctl={ctl} />
        </main>
        <aside>
          <ConfigPanel ctl={ctl} />
        </aside>
      </div>
    </div>
  );
}
