// The simulate panel: a synthetic scan from the same code as `ptychopinn simulate` (src/cli/simulate.ts).
import { useState } from 'react';
import type { Controller } from '../controller';
import { isRunning, useStore } from '../store';
import type { SimulateRequest } from '../../worker/protocol';

const DEFAULTS: SimulateRequest = {
  object: 'lines',
  probe: 'default',
  positions: 'random',
  N: 32,
  nImages: 128,
  nphotons: 1e9,
  noise: 'poisson',
  seed: 42,
  objectSize: 96,
};

/** The simulation's settings: object, probe, N, positions, scan points, object size, photons, noise and seed. */
function SimulateFields({ r, setR }: { r: SimulateRequest; setR: (r: SimulateRequest) => void }) {
  const hasScan = useStore((s) => !!s.dataset);
  const num = (k: keyof SimulateRequest) => (e: React.ChangeEvent<HTMLInputElement>) =>
    setR({ ...r, [k]: e.target.value === '' ? undefined : Number(e.target.value) });
  return (
    <div className="fields grid2">
      <label>
        object
        <select
          data-testid="sim-object"
          value={r.object}
          onChange={(e) => setR({ ...r, object: e.target.value as 'lines' | 'grf' })}
        >
          <option value="lines">lines</option>
          <option value="grf">Gaussian random field</option>
        </select>
      </label>
      <label>
        probe
        <select value={r.probe} onChange={(e) => setR({ ...r, probe: e.target.value as 'default' | 'dataset' })}>
          <option value="default">reference default</option>
          {hasScan && <option value="dataset">probe of the loaded scan</option>}
        </select>
      </label>
      <label>
        N (default probe)
        <select
          value={r.N}
          disabled={r.probe === 'dataset'}
          onChange={(e) => setR({ ...r, N: Number(e.target.value) })}
        >
          {[32, 64, 128].map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>
      <label>
        positions
        <select value={r.positions} onChange={(e) => setR({ ...r, positions: e.target.value as 'random' | 'grid' })}>
          <option value="random">random</option>
          <option value="grid">jittered grid</option>
        </select>
      </label>
      <label>
        scan points (random)
        <input data-testid="sim-n-images" type="number" min={2} value={r.nImages ?? ''} onChange={num('nImages')} />
      </label>
      <label>
        object size (px)
        <input type="number" min={16} value={r.objectSize ?? ''} onChange={num('objectSize')} />
      </label>
      <label>
        photons per pattern
        <input type="number" value={r.nphotons ?? ''} onChange={num('nphotons')} />
      </label>
      <label>
        noise
        <select value={r.noise} onChange={(e) => setR({ ...r, noise: e.target.value as 'poisson' | 'none' })}>
          <option value="poisson">Poisson</option>
          <option value="none">none</option>
        </select>
      </label>
      <label>
        seed
        <input type="number" value={r.seed ?? ''} onChange={num('seed')} />
      </label>
    </div>
  );
}

/** A synthetic scan from the same simulation code as `ptychopinn simulate`: try the whole loop without a file. */
export function SimulatePanel({ ctl, onClose }: { ctl: Controller; onClose: () => void }) {
  const [r, setR] = useState<SimulateRequest>(DEFAULTS);
  const busy = useStore((s) => s.status === 'loading' || isRunning(s.status));
  return (
    <section className="panel simulate" data-testid="simulate-panel">
      <h2>Simulate a scan</h2>
      <p className="muted small-text">
        Object × probe → far-field amplitude with Poisson counts, exactly as the command line's{' '}
        <code>ptychopinn simulate</code>; the scan keeps its ground truth (objectGuess) so the result is scored.
      </p>
      <SimulateFields r={r} setR={setR} />
      <div className="row">
        <button
          type="button"
          className="primary"
          data-testid="simulate-run"
          disabled={busy}
          onClick={async () => {
            await ctl.simulate(r);
            onClose();
          }}
        >
          Simulate and load
        </button>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </section>
  );
}
