/**
 * What the engine server accepts from a client before the engine host sees it: a decoded frame must be one of
 * protocol.ts's Requests (an integer id, a known type, fields of the right kind), the test hooks only when the
 * server allows them, and a request that changes anything only from the page that controls the engine. Every
 * refusal is a PtychoError ('protocol' or 'access') that the client receives as an error reply.
 */
import { PtychoError } from '../errors';
import type { Request } from '../worker/protocol';

type RequestType = Request['type'];

const FIELDS: Record<
  RequestType,
  Record<string, 'string' | 'buffer' | 'object' | 'boolean?' | 'number?' | 'string[]?' | 'string|null'>
> = {
  init: {},
  load: { fileName: 'string', bytes: 'buffer' },
  simulate: { request: 'object' },
  setConfig: { config: 'object', explicit: 'string[]?', replaceExplicit: 'boolean?' },
  train: { resume: 'boolean?', previewBudget: 'number?' },
  pause: {},
  resume: {},
  stop: {},
  reconstruct: { stitch: 'string' },
  solve: { request: 'object' },
  exportModel: {},
  exportTorch: {},
  exportRecon: {},
  exportProduct: {},
  exportCheckpoint: {},
  discardCheckpoint: {},
  gpuInfo: {},
  loseDevice: {},
  failStorage: { name: 'string|null' },
};

export const REQUEST_TYPES = Object.keys(FIELDS) as RequestType[];

/** Requests any connected page may make: they read, never change, the engine's state. */
export const READ_ONLY: ReadonlySet<string> = new Set<RequestType>([
  'init',
  'gpuInfo',
  'exportModel',
  'exportTorch',
  'exportRecon',
  'exportProduct',
  'exportCheckpoint',
]);

export const TEST_HOOKS: ReadonlySet<string> = new Set<RequestType>(['loseDevice', 'failStorage']);

function refuse(message: string): never {
  throw new PtychoError(
    'protocol',
    `bad engine request: ${message}`,
    'the page and the engine server must be the same version; reload the page',
  );
}

function fits(v: unknown, kind: string): boolean {
  switch (kind) {
    case 'string':
      return typeof v === 'string';
    case 'buffer':
      return v instanceof ArrayBuffer;
    case 'object':
      return (
        v !== null &&
        typeof v === 'object' &&
        !Array.isArray(v) &&
        !(v instanceof ArrayBuffer) &&
        !ArrayBuffer.isView(v)
      );
    case 'boolean?':
      return v === undefined || typeof v === 'boolean';
    case 'number?':
      return v === undefined || (typeof v === 'number' && Number.isFinite(v));
    case 'string[]?':
      return v === undefined || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
    case 'string|null':
      return v === null || typeof v === 'string';
  }
  return false;
}

/** The id of a message, if it has a usable one (for the error reply). */
export function idOf(msg: unknown): number | null {
  const id = (msg as { id?: unknown } | null)?.id;
  return typeof id === 'number' && Number.isSafeInteger(id) ? id : null;
}

/** A decoded message as a Request, or a PtychoError('protocol') saying what is wrong with it. */
export function checkRequest(msg: unknown): Request {
  if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) refuse('not an object');
  const m = msg as Record<string, unknown>;
  if (idOf(m) === null) refuse(`"id" must be an integer (got ${JSON.stringify(m.id) ?? 'nothing'})`);
  const type = m.type;
  if (typeof type !== 'string' || !Object.hasOwn(FIELDS, type))
    refuse(`unknown request type ${JSON.stringify(type) ?? '(none)'}; known: ${REQUEST_TYPES.join(', ')}`);
  for (const [field, kind] of Object.entries(FIELDS[type as RequestType])) {
    if (!fits(m[field], kind))
      refuse(`${type}.${field} must be ${kind.replace('?', ' (optional)').replace('buffer', 'an ArrayBuffer')}`);
  }
  return m as unknown as Request;
}

/** Refuse what this client may not do: test hooks on a server without them; changes from a page not in control. */
export function checkAllowed(req: Request, opts: { testHooks: boolean; controller: boolean }): void {
  if (TEST_HOOKS.has(req.type) && !opts.testHooks) {
    throw new PtychoError(
      'access',
      `the request "${req.type}" is a test hook and this engine server does not allow it`,
      'start the server with test hooks enabled (tests only)',
    );
  }
  if (!READ_ONLY.has(req.type) && !opts.controller) {
    throw new PtychoError(
      'access',
      `another page controls this engine ("${req.type}" refused); this page can only watch and export`,
      'close the other page or wait until it disconnects',
    );
  }
}
