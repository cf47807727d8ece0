/**
 * The one error type of the app (specs/architecture.md §3 "Errors").
 * `message` says what went wrong and where (file, key, shape seen); `hint` says how to fix it.
 * The UI shows both; the CLI prints both and exits 2 (invalid input) or 1 (internal failure).
 */
export type ErrorCode =
  | 'npz-corrupt' // the zip / npy container is damaged or truncated
  | 'npz-unsupported' // a dtype or layout we refuse (object arrays, structured dtypes, …)
  | 'npz-too-large' // declared sizes beyond the file or the configured cap
  | 'contract' // a key is missing or has the wrong shape / values for the PtychoPINN data contract
  | 'config' // an invalid configuration value or key
  | 'grouping' // grouping cannot be done with these parameters
  | 'model-archive' // a model archive cannot be read
  | 'gpu-unavailable' // no WebGPU / no adapter
  | 'gpu-lost' // the device was lost
  | 'storage' // the browser's storage (IndexedDB) refused to save or read
  | 'cli-usage' // bad command-line usage (a CLI argument, flag or PTYCHOPINN_* setting)
  | 'no-dataset' // the engine was asked for something that needs a loaded scan, and none is loaded
  | 'no-model' // the engine was asked for something that needs a model (trained or opened), and there is none
  | 'no-result' // an export needs a reconstruction, and there is none yet
  | 'busy' // a training run or a solve is in progress: the request must wait, or pause / stop it first
  | 'protocol' // a malformed or oversize message to the engine server
  | 'access' // the engine server refused a connection or a request (token, origin, another page controls the job)
  | 'internal'; // a bug: should never reach a user

export class PtychoError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  /** For config errors: the field at fault ('nepochs', 'model.gridsize'), so a form can show the message there. */
  readonly field?: string;
  constructor(code: ErrorCode, message: string, hint = '', opts: { field?: string } = {}) {
    super(message);
    this.name = 'PtychoError';
    this.code = code;
    this.hint = hint;
    if (opts.field) this.field = opts.field;
  }
  /** Invalid input (exit 2) versus internal failure (exit 1). */
  get isUserError(): boolean {
    return this.code !== 'internal';
  }
  toJSON(): { code: ErrorCode; message: string; hint: string; field?: string } {
    return this.field
      ? { code: this.code, message: this.message, hint: this.hint, field: this.field }
      : { code: this.code, message: this.message, hint: this.hint };
  }
}

export function isPtychoError(e: unknown): e is PtychoError {
  return e instanceof PtychoError;
}
