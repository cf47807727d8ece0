/**
 * What the error banner says, chosen by the error's code (src/errors.ts ErrorCode). The engine's message always
 * shows; for the engine-state codes the hint is the page's own (its drop zone, buttons), since the engine's hint
 * is written for any caller (CLI, API). Every other code keeps the engine's hint.
 */
import type { ErrorCode } from '../errors';
import type { ErrorInfo } from '../worker/protocol';

const PAGE_HINTS: Partial<Record<ErrorCode, string>> = {
  'no-dataset': 'Drop a scan (.npz) on the page, load the example, or simulate a scan.',
  'no-model': 'Train a model on the loaded scan, or open a model (.zip).',
  'no-result': 'Reconstruct first: train a model or open one, then reconstruct.',
  busy: 'Wait for the run to finish, or pause or stop it first.',
};

export interface ErrorText {
  code: ErrorCode;
  message: string;
  hint: string;
}

/** The banner's message and hint for an error: the page's hint for engine-state codes, else the engine's. */
export function errorText(e: ErrorInfo): ErrorText {
  return { code: e.code, message: e.message, hint: PAGE_HINTS[e.code] ?? e.hint };
}
