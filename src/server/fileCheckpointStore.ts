/**
 * Training checkpoints on disk, for `ptychopinn serve`: the CheckpointStore (src/api/checkpoint.ts) of the engine
 * server. One folder (the data dir) holds the latest checkpoint, `checkpoint.ppw` (the checkpoint as one wire frame,
 * src/worker/wire.ts: JSON plus raw Float32 arrays), and the bytes of the scan it trained on,
 * `checkpoint-dataset.bin` (a wire frame too: sha256, file name, bytes). Every write goes to a temp file that is
 * renamed into place, so a crash leaves the previous checkpoint, never half a file. Errors are
 * PtychoError('storage') naming the file and the fix; nothing outside the data dir is read or written.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkCheckpoint, checkpointInfo, type CheckpointStore, type TrainingCheckpoint } from '../api/checkpoint';
import type { CheckpointInfo } from '../api/types';
import { PtychoError } from '../errors';
import { decodeMessage, DEFAULT_WIRE_LIMITS, encodeMessage } from '../worker/wire';

export const CHECKPOINT_FILE = 'checkpoint.ppw';
export const DATASET_FILE = 'checkpoint-dataset.bin';

interface StoredDataset {
  sha256: string;
  fileName: string;
  bytes: Uint8Array;
}

function why(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err?.code ? `${err.code}: ${err.message}` : String(err?.message ?? e);
}

function writeError(e: unknown, path: string, what: string): PtychoError {
  const code = (e as NodeJS.ErrnoException)?.code;
  const hint =
    code === 'ENOSPC' || code === 'EDQUOT'
      ? 'the disk is full: free space there (training continues, but cannot be resumed from this epoch)'
      : 'check that the data dir exists and is writable (ptychopinn serve --data-dir D); training continues without checkpoints';
  return new PtychoError('storage', `${path}: could not save ${what} (${why(e)})`, hint);
}

function readError(path: string, detail: string): PtychoError {
  return new PtychoError(
    'storage',
    `${path}: ${detail}`,
    `delete ${path} (or discard the checkpoint in the page) and train again`,
  );
}

export class FileCheckpointStore implements CheckpointStore {
  private fault: string | null = null;
  private seq = 0;

  constructor(readonly dir: string) {}

  get checkpointPath(): string {
    return join(this.dir, CHECKPOINT_FILE);
  }

  get datasetPath(): string {
    return join(this.dir, DATASET_FILE);
  }

  /** Test hook (the server's `failStorage`): every later write fails with this error code (e.g. 'ENOSPC'), or null. */
  injectFault(name: string | null): void {
    this.fault = name;
  }

  /** Write `bytes` to `path` through a temp file in the same folder and a rename (atomic on one file system). */
  private async writeAtomic(path: string, bytes: Uint8Array, what: string): Promise<void> {
    const tmp = `${path}.${process.pid}.${++this.seq}.tmp`;
    try {
      if (this.fault) throw Object.assign(new Error('injected storage fault'), { code: this.fault });
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await writeFile(tmp, bytes, { mode: 0o600 });
      await rename(tmp, path);
    } catch (e) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw writeError(e, path, what);
    }
  }

  private async readOptional(path: string): Promise<Uint8Array | null> {
    try {
      const b = await readFile(path);
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    } catch (e) {
      if ((e as NodeJS.ErrnoException)?.code === 'ENOENT') return null;
      throw readError(path, `cannot read the checkpoint (${why(e)})`);
    }
  }

  private decode(path: string, bytes: Uint8Array): unknown {
    try {
      return decodeMessage(bytes, { ...DEFAULT_WIRE_LIMITS, maxBytes: Math.max(bytes.byteLength, 1) });
    } catch (e) {
      throw readError(path, `damaged checkpoint file (${(e as Error).message})`);
    }
  }

  async save(c: TrainingCheckpoint, datasetBytes?: Uint8Array): Promise<void> {
    if (datasetBytes) {
      const have = await this.loadDataset().catch(() => null);
      if (have?.sha256 !== c.dataset.sha256) {
        const frame = encodeMessage({ sha256: c.dataset.sha256, fileName: c.dataset.fileName, bytes: datasetBytes });
        await this.writeAtomic(this.datasetPath, frame, `the scan ${c.dataset.fileName} needed to resume`);
      }
    }
    await this.writeAtomic(this.checkpointPath, encodeMessage(c), `the checkpoint of epoch ${c.epoch + 1}`);
  }

  private async loadDataset(): Promise<StoredDataset | null> {
    const bytes = await this.readOptional(this.datasetPath);
    if (!bytes) return null;
    const d = this.decode(this.datasetPath, bytes) as Partial<StoredDataset> | null;
    if (!d || typeof d.sha256 !== 'string' || typeof d.fileName !== 'string' || !(d.bytes instanceof Uint8Array)) {
      throw readError(this.datasetPath, 'not a stored scan of a PtychoPINN Web checkpoint');
    }
    return d as StoredDataset;
  }

  async load(): Promise<{ checkpoint: TrainingCheckpoint; datasetBytes: Uint8Array | null } | null> {
    const bytes = await this.readOptional(this.checkpointPath);
    if (!bytes) return null;
    let checkpoint: TrainingCheckpoint;
    try {
      checkpoint = checkCheckpoint(this.decode(this.checkpointPath, bytes), this.checkpointPath);
    } catch (e) {
      if (e instanceof PtychoError && e.code === 'storage') throw e;
      throw readError(this.checkpointPath, (e as Error).message.replace(`${this.checkpointPath}: `, ''));
    }
    // A missing or damaged scan file only means the scan must be loaded again before resuming.
    const ds = await this.loadDataset().catch(() => null);
    return { checkpoint, datasetBytes: ds && ds.sha256 === checkpoint.dataset.sha256 ? ds.bytes : null };
  }

  async info(): Promise<CheckpointInfo | null> {
    const l = await this.load();
    return l ? checkpointInfo(l.checkpoint) : null;
  }

  async clear(): Promise<void> {
    for (const path of [this.checkpointPath, this.datasetPath]) {
      try {
        await rm(path, { force: true });
      } catch (e) {
        throw new PtychoError(
          'storage',
          `${path}: could not delete the checkpoint (${why(e)})`,
          'check the permissions of the data dir',
        );
      }
    }
  }
}
