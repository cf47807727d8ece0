/**
 * Training checkpoints in the browser's IndexedDB (through idb-keyval): the latest checkpoint and the bytes of the
 * scan it trained on, so a reload, a crash or a lost GPU device can resume the run. Storage errors (quota, private
 * mode) become PtychoErrors that say what could not be saved and what to do, never silent failures.
 */
import { createStore, del, get, set, type UseStore } from 'idb-keyval';
import { checkCheckpoint, checkpointInfo, type CheckpointStore, type TrainingCheckpoint } from '../api/checkpoint';
import type { CheckpointInfo } from '../api/types';
import { PtychoError } from '../errors';

const CHECKPOINT = 'checkpoint';
const DATASET = 'checkpoint-dataset';

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function sizeOf(c: TrainingCheckpoint): number {
  let n = 0;
  for (const w of c.weights) n += w.data.byteLength;
  for (const a of [...c.adam.m, ...c.adam.v]) n += a.byteLength;
  return n;
}

function storageError(e: unknown, what: string): PtychoError {
  const name = (e as DOMException)?.name ?? '';
  const msg = (e as Error)?.message ?? String(e);
  if (name === 'QuotaExceededError' || /quota/i.test(msg)) {
    return new PtychoError(
      'storage',
      `The browser's storage is full: ${what} could not be saved (${name || 'quota exceeded'}).`,
      'Training continues, but a reload cannot resume it. Free space (site data of other pages), or export the model when training ends.',
    );
  }
  return new PtychoError(
    'storage',
    `The browser's storage refused ${what}: ${name ? `${name}: ` : ''}${msg}`,
    'Private windows and some browser settings block IndexedDB; training continues without checkpoints — export the model when it ends.',
  );
}

export class IdbCheckpointStore implements CheckpointStore {
  private store: UseStore;
  /** Test hook: the DOMException name every write fails with (e.g. 'QuotaExceededError'), or null. */
  private fault: string | null = null;

  constructor(dbName = 'ptychopinn-web') {
    this.store = createStore(dbName, 'checkpoints');
  }

  /** Make every later write fail as the browser would (tests only: a full disk cannot be arranged on demand). */
  injectFault(name: string | null): void {
    this.fault = name;
  }

  private async put(key: string, value: unknown): Promise<void> {
    if (this.fault) throw new DOMException('injected storage fault', this.fault);
    await set(key, value, this.store);
  }

  async save(c: TrainingCheckpoint, datasetBytes?: Uint8Array): Promise<void> {
    try {
      if (datasetBytes) {
        const have = await get<{ sha256: string }>(DATASET, this.store);
        if (have?.sha256 !== c.dataset.sha256)
          await this.put(DATASET, { sha256: c.dataset.sha256, fileName: c.dataset.fileName, bytes: datasetBytes });
      }
    } catch (e) {
      throw storageError(e, `the scan ${c.dataset.fileName} (${mb(datasetBytes?.byteLength ?? 0)}) needed to resume`);
    }
    try {
      await this.put(CHECKPOINT, c);
    } catch (e) {
      throw storageError(e, `the checkpoint of epoch ${c.epoch + 1} (${mb(sizeOf(c))})`);
    }
  }

  async load(): Promise<{ checkpoint: TrainingCheckpoint; datasetBytes: Uint8Array | null } | null> {
    let raw: unknown, ds: { sha256: string; bytes: Uint8Array } | undefined;
    try {
      raw = await get(CHECKPOINT, this.store);
      ds = await get(DATASET, this.store);
    } catch (e) {
      throw storageError(e, 'reading the last checkpoint');
    }
    if (raw === undefined) return null;
    const checkpoint = checkCheckpoint(raw, 'stored checkpoint');
    return { checkpoint, datasetBytes: ds && ds.sha256 === checkpoint.dataset.sha256 ? ds.bytes : null };
  }

  async info(): Promise<CheckpointInfo | null> {
    const l = await this.load();
    return l ? checkpointInfo(l.checkpoint) : null;
  }

  async clear(): Promise<void> {
    try {
      await del(CHECKPOINT, this.store);
      await del(DATASET, this.store);
    } catch (e) {
      throw storageError(e, 'clearing the checkpoint');
    }
  }
}
