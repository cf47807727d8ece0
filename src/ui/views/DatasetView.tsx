// The loaded scan (specs/app.md): its summary numbers, probe, a diffraction pattern, scan positions and objectGuess.
import type { DatasetPreview } from '../../worker/protocol';
import { ImageView } from '../widgets/ImageView';
import { ScanPlot } from '../widgets/ScanPlot';

const fmt = (v: number) =>
  Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(3) : String(Math.round(v * 1000) / 1000);

export function DatasetView({ d }: { d: DatasetPreview }) {
  const s = d.summary;
  return (
    <section className="panel" data-testid="dataset">
      <h2>Dataset</h2>
      <div className="dataset-grid">
        <div data-testid="dataset-summary" className="summary">
          <p>
            <strong>{s.fileName}</strong>: <span data-testid="n-patterns">{s.nPatterns}</span> diffraction patterns of{' '}
            {s.N}×{s.N} ({s.verdict}); x {fmt(s.coordRanges.x[0])} … {fmt(s.coordRanges.x[1])} px, y{' '}
            {fmt(s.coordRanges.y[0])} … {fmt(s.coordRanges.y[1])} px; nphotons{' '}
            {s.nphotons !== undefined ? fmt(s.nphotons) : 'not recorded'}.
          </p>
          <table>
            <thead>
              <tr>
                <th>key</th>
                <th>dtype</th>
                <th>shape</th>
                <th>notes</th>
              </tr>
            </thead>
            <tbody>
              {s.keys.map((k) => (
                <tr key={k.key}>
                  <td>
                    <code>{k.key}</code>
                  </td>
                  <td>{k.dtype}</td>
                  <td>({k.shape.join(', ')})</td>
                  <td>{k.notes?.join('; ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {s.warnings.length > 0 && (
            <ul className="warnings">
              {s.warnings.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          )}
        </div>
        <div className="images">
          {d.objectAmplitude && (
            <ImageView
              title="objectGuess amplitude"
              image={d.objectAmplitude}
              colormap="viridis"
              testId="object-amplitude"
              size={170}
            />
          )}
          {d.objectPhase && (
            <ImageView
              title="objectGuess phase"
              image={d.objectPhase}
              colormap="twilight"
              cyclic
              testId="object-phase"
              size={170}
            />
          )}
          <ImageView title="probe amplitude" image={d.probeAmplitude} colormap="viridis" size={120} />
          <ImageView title="probe phase" image={d.probePhase} colormap="twilight" cyclic size={120} />
          <ImageView title="pattern 0, log10(1 + A²)" image={d.pattern} colormap="viridis" size={120} />
          <ScanPlot x={d.scanX} y={d.scanY} width={170} />
        </div>
      </div>
    </section>
  );
}
