// Which reconstruction the result view shows (network, solver, refined), what made it, and the kept results' metrics
// side by side (specs/app.md "Solve and Refine").
import type { Controller } from '../controller';
import { RESULT_KINDS, RESULT_LABELS, solverLine, type ResultKind } from '../resultSet';
import { useStore } from '../store';
import type { ResultImage } from '../../worker/protocol';

const fmt = (v: number | null | undefined) =>
  v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(3);

/** What made a result, in a line. */
export function madeBy(r: ResultImage): string {
  if (r.solver) return solverLine(r.solver);
  return `network prediction of ${r.patches} patches, ${r.stitch} stitching`;
}

/** Each kept result's metrics against objectGuess, one row each; a click shows that result. */
function ResultCompare({ ctl, shown }: { ctl: Controller; shown: ResultKind | null }) {
  const results = useStore((s) => s.results);
  const kinds = RESULT_KINDS.filter((k) => results[k]);
  if (kinds.length < 2 || !kinds.some((k) => results[k]!.metrics)) return null;
  return (
    <table className="metrics result-compare" data-testid="result-compare">
      <caption>The kept reconstructions vs objectGuess (click a row to show it)</caption>
      <thead>
        <tr>
          <th />
          <th>amplitude r</th>
          <th>amplitude SSIM</th>
          <th>phase r</th>
          <th>phase SSIM</th>
        </tr>
      </thead>
      <tbody>
        {kinds.map((k) => {
          const m = results[k]!.metrics;
          return (
            <tr
              key={k}
              className={k === shown ? 'shown' : ''}
              data-testid={`compare-${k}`}
              onClick={() => ctl.showResult(k)}
              title={madeBy(results[k]!)}
            >
              <th>{RESULT_LABELS[k]}</th>
              <td>{fmt(m?.amplitude.r)}</td>
              <td>{fmt(m?.amplitude.ssim)}</td>
              <td>{fmt(m?.phase.r)}</td>
              <td>{fmt(m?.phase.ssim)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** The selector of the shown result, the line saying what made it, and the comparison of the kept ones. */
export function ResultChoice({ ctl, r }: { ctl: Controller; r: ResultImage }) {
  const results = useStore((s) => s.results);
  const shown = useStore((s) => s.shown);
  const latest = useStore((s) => s.latest);
  const kinds = RESULT_KINDS.filter((k) => results[k]);
  return (
    <>
      <div className="result-choice">
        <label>
          show{' '}
          <select
            data-testid="result-select"
            value={shown ?? ''}
            disabled={kinds.length < 2}
            onChange={(e) => ctl.showResult(e.target.value as ResultKind)}
          >
            {kinds.map((k) => (
              <option key={k} value={k}>
                {RESULT_LABELS[k]}
              </option>
            ))}
          </select>
        </label>
        <span data-testid="result-made-by">{madeBy(r)}</span>
        {latest && shown && latest !== shown && (
          <span className="muted small-text" data-testid="export-note">
            The reconstruction exports write the latest one made ({RESULT_LABELS[latest]}).
          </span>
        )}
      </div>
      <ResultCompare ctl={ctl} shown={shown} />
    </>
  );
}
