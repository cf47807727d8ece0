/**
 * The page keeps one result of each kind (the network's, the solver's from a flat start, the solver's refinement
 * of the network's object) so a user can compare them; one of them is shown. Pure functions over the store's
 * `results`, `result` (the one shown) and `shown`.
 */
import type { ResultImage, SolverSummary } from '../worker/protocol';

export type ResultKind = 'network' | 'solver' | 'refined';
export const RESULT_KINDS: readonly ResultKind[] = ['network', 'solver', 'refined'];

export type ResultSet = Partial<Record<ResultKind, ResultImage>>;

/** The part of the page state these functions change. */
export interface ResultSlice {
  results: ResultSet;
  /** The result shown (results[shown]), or null. */
  result: ResultImage | null;
  shown: ResultKind | null;
  /** The kind the engine made last: what the reconstruction exports write (the engine's latest product). */
  latest: ResultKind | null;
}

export const NO_RESULTS: ResultSlice = { results: {}, result: null, shown: null, latest: null };

/** Which kind a result is: the solver's from the model's object is a refinement. */
export function resultKind(r: ResultImage): ResultKind {
  if (r.stitch !== 'solver') return 'network';
  return r.solver?.init === 'model' ? 'refined' : 'solver';
}

/** Keep a new result (replacing the last of its kind) and show it; null changes nothing. */
export function withResult(results: ResultSet, r: ResultImage | null | undefined): Partial<ResultSlice> {
  if (!r) return {};
  const kind = resultKind(r);
  return { results: { ...results, [kind]: r }, result: r, shown: kind, latest: kind };
}

/** Show another kept result (nothing changes when there is none of that kind). */
export function showResult(results: ResultSet, kind: ResultKind): Partial<ResultSlice> {
  const r = results[kind];
  return r ? { result: r, shown: kind } : {};
}

/** Forget one kind (a new model makes the network's result stale); show the next kept one, if any. */
export function withoutResult(s: Omit<ResultSlice, 'result'>, kind: ResultKind): ResultSlice {
  const rest: ResultSet = { ...s.results };
  delete rest[kind];
  const keep = s.shown && s.shown !== kind ? s.shown : null;
  const next = keep ?? RESULT_KINDS.find((k) => rest[k]) ?? null;
  return { results: rest, result: next ? rest[next]! : null, shown: next, latest: s.latest === kind ? null : s.latest };
}

const sci = (v: number) => v.toExponential(1).replace('e+', 'e');

/** What ran, in a line: "iterative solver, 30 iterations in 7.6 s, error 3.3e-5, probe refined". */
export function solverLine(s: SolverSummary): string {
  const parts = [
    `${s.init === 'model' ? "iterative solver from the network's object" : 'iterative solver'}, ${s.iterations} iteration${
      s.iterations === 1 ? '' : 's'
    } in ${s.seconds.toFixed(1)} s`,
  ];
  if (s.error !== null) parts.push(`error ${sci(s.error)}`);
  if (s.refinedProbe) parts.push('probe refined');
  if (s.refinedPositions) parts.push(`positions refined (RMS move ${s.positionRms.toFixed(2)} px)`);
  return parts.join(', ');
}

/** A result's label in the selector and the comparison table. */
export const RESULT_LABELS: Record<ResultKind, string> = {
  network: 'network (PtychoPINN)',
  solver: 'iterative solver',
  refined: 'network, refined by the solver',
};
