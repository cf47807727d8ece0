/**
 * The engine server end to end in Node: `ws` clients against a server on a free loopback port, a temp data dir and a
 * tiny app folder. Access (token, origin), the protocol's error replies, static files, control between two pages,
 * and (on SwiftShader, slow) a tiny training run that survives its controlling page leaving.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Engine } from '../api/engine';
import { presetConfig } from '../config/presets';
import type { ErrorInfo, Results, WorkerEvent } from '../worker/protocol';
import { decodeMessage, encodeMessage } from '../worker/wire';
import { CHECKPOINT_FILE } from './fileCheckpointStore';
import { EngineServer } from './engineServer';

type Msg = { id?: number | null; ok?: boolean; result?: unknown; error?: ErrorInfo; event?: WorkerEvent };
/** A reply to a request of type T, its result typed as src/worker/protocol.ts `Results` says. */
type Reply<T extends keyof Results> = Msg & { result: Results[T] };
type Event<T extends WorkerEvent['type']> = Extract<WorkerEvent, { type: T }>;

/** A test client: every decoded message in order, replies by id, and the close code. */
class Client {
  readonly messages: Msg[] = [];
  closed: Promise<{ code: number; reason: string }>;
  opened: Promise<void>;
  private nextId = 1;
  constructor(readonly ws: WebSocket) {
    ws.binaryType = 'nodebuffer';
    ws.on('message', (d: Buffer) => this.messages.push(decodeMessage(new Uint8Array(d)) as Msg));
    this.closed = new Promise((r) => ws.on('close', (code, reason) => r({ code, reason: reason.toString() })));
    this.opened = new Promise((r, j) => {
      ws.on('open', () => r());
      ws.on('error', j);
    });
  }
  static connect(port: number, token: string | null, headers: Record<string, string> = {}): Client {
    const protocols = token === null ? ['ptychopinn'] : ['ptychopinn', `token.${token}`];
    return new Client(new WebSocket(`ws://127.0.0.1:${port}/engine`, protocols, { headers }));
  }
  async waitFor(pred: (m: Msg) => boolean, ms = 60_000): Promise<Msg> {
    const t0 = Date.now();
    for (;;) {
      const m = this.messages.find(pred);
      if (m) return m;
      if (Date.now() - t0 > ms)
        throw new Error(`timed out; got ${JSON.stringify(this.messages.map((x) => x.event?.type ?? x.id))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  /** The first event of this type (that `pred` accepts). */
  async waitForEvent<T extends WorkerEvent['type']>(
    type: T,
    pred: (e: Event<T>) => boolean = () => true,
    ms?: number,
  ): Promise<Event<T>> {
    const m = await this.waitFor((m) => m.event?.type === type && pred(m.event as Event<T>), ms);
    return m.event as Event<T>;
  }
  async request<T extends keyof Results>(req: { type: T } & Record<string, unknown>, ms?: number): Promise<Reply<T>> {
    const id = this.nextId++;
    this.ws.send(encodeMessage({ id, ...req }));
    return (await this.waitFor((m) => m.id === id, ms)) as Reply<T>;
  }
  /** Every event of this type so far, in order. */
  events<T extends WorkerEvent['type']>(type: T): Event<T>[] {
    return this.messages.flatMap((m) => (m.event?.type === type ? [m.event as Event<T>] : []));
  }
}

/** Load the bundled N 32 example through `c` and return the small preset's config for a run of `nepochs`. */
async function loadSmallRun(c: Client, nepochs: number) {
  const bytes = readFileSync(new URL('../../public/fixtures/lines-n32.npz', import.meta.url));
  const loaded = await c.request({
    type: 'load',
    fileName: 'lines-n32.npz',
    bytes: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
  });
  expect(loaded.ok, JSON.stringify(loaded.error)).toBe(true);
  return { ...presetConfig('small', loaded.result.config), nepochs, n_groups: 16, batch_size: 8 };
}

function httpGet(port: number, path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const tmp = mkdtempSync(join(tmpdir(), 'ppw-serve-'));
const appDir = join(tmp, 'app');
const dataDir = join(tmp, 'data');
let server: EngineServer;
let port = 0;
let token = '';
let engine: Promise<Engine>;

beforeAll(async () => {
  mkdirSync(appDir);
  writeFileSync(join(appDir, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(join(appDir, 'app.js'), 'export {}');
  writeFileSync(join(tmp, 'package.json'), '{"secret": true}');
  engine = Engine.create({ allowNoGpu: true });
  server = new EngineServer();
  const s = await server.start({ port: 0, host: '127.0.0.1', dataDir, appDir, createEngine: () => engine });
  [port, token] = [s.port, s.token];
  expect(s.url).toBe(`http://127.0.0.1:${port}/#engine=ws://127.0.0.1:${port}/engine&token=${token}`);
  expect(token).toMatch(/^[0-9a-f]{32}$/);
});

afterAll(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('EngineServer: access', () => {
  it('no token, a wrong token → closed 4401 with no reply; a foreign Origin → 4403', async () => {
    for (const t of [null, 'f'.repeat(32)]) {
      const c = Client.connect(port, t);
      await c.opened;
      c.ws.send(encodeMessage({ id: 1, type: 'init' }));
      const closed = await c.closed;
      expect(closed.code).toBe(4401);
      expect(closed.reason).toMatch(/token: open the URL/);
      expect(c.messages).toEqual([]);
    }
    const c = Client.connect(port, token, { Origin: 'https://evil.example' });
    const closed = await c.closed;
    expect(closed.code).toBe(4403);
    expect(c.messages).toEqual([]);
  });

  it("with the token (and the server's own Origin), init answers with GPU info", async () => {
    const c = Client.connect(port, token, { Origin: `http://localhost:${port}` });
    await c.opened;
    const r = await c.request({ type: 'init' }, 110_000);
    expect(r.ok).toBe(true);
    expect(r.result.gpu).toBeTypeOf('object');
    expect(r.result.checkpoint).toBeNull();
    c.ws.close();
    await c.closed;
  });
});

describe('EngineServer: malformed messages', () => {
  it('a text frame, garbage, an unknown type, a missing id, a test hook, a state refusal get error replies; the connection stays up', async () => {
    const c = Client.connect(port, token);
    await c.opened;
    c.ws.send('{"id":1,"type":"init"}');
    c.ws.send(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    c.ws.send(encodeMessage({ id: 7, type: 'rm -rf' }));
    c.ws.send(encodeMessage({ type: 'init' }));
    await c.waitFor(() => c.messages.filter((m) => m.ok === false).length >= 4);
    const errors = c.messages.filter((m) => m.ok === false);
    expect(errors.map((m) => m.error!.code)).toEqual(['protocol', 'protocol', 'protocol', 'protocol']);
    expect(errors.map((m) => m.id)).toEqual([null, null, 7, null]);
    expect(errors[2].error!.message).toMatch(/unknown request type "rm -rf"/);
    const hook = await c.request({ type: 'failStorage', name: 'ENOSPC' });
    expect(hook.error!.code).toBe('access');
    const load = await c.request({ type: 'load', fileName: 'x.npz', bytes: 5 });
    expect(load.error!.message).toMatch(/load\.bytes must be an ArrayBuffer/);
    expect((await c.request({ type: 'gpuInfo' })).ok).toBe(true);
    // An engine-state refusal keeps its code over the wire (nothing has been reconstructed yet).
    expect((await c.request({ type: 'exportRecon' })).error!.code).toBe('no-result');
    c.ws.close();
  });

  it('a frame over maxMessageBytes is refused (error or close 1009) and the server answers a new client', async () => {
    const small = new EngineServer();
    const s = await small.start({
      port: 0,
      dataDir: join(tmp, 'data-small'),
      appDir,
      maxMessageBytes: 1024,
      createEngine: () => engine,
    });
    try {
      const c = Client.connect(s.port, s.token);
      await c.opened;
      c.ws.send(encodeMessage({ id: 1, type: 'load', fileName: 'big.npz', bytes: new ArrayBuffer(4096) }));
      const outcome = await Promise.race([
        c.closed.then((x) => x.code),
        c.waitFor((m) => m.id === 1).then((m) => m.error!.code),
      ]);
      expect([1009, 'protocol']).toContain(outcome);
      const d = Client.connect(s.port, s.token);
      await d.opened;
      expect((await d.request({ type: 'gpuInfo' })).ok).toBe(true);
      d.ws.close();
    } finally {
      await small.close();
    }
  });
});

describe('EngineServer: static files', () => {
  it('/ serves index.html; .js has its type; .., %2e%2e, absolute and symlinked-out paths are 404', async () => {
    const root = await httpGet(port, '/');
    expect([root.status, root.type, root.body]).toEqual([
      200,
      'text/html; charset=utf-8',
      '<!doctype html><title>app</title>',
    ]);
    expect((await httpGet(port, '/app.js')).type).toBe('text/javascript; charset=utf-8');
    const { symlinkSync } = await import('node:fs');
    symlinkSync(join(tmp, 'package.json'), join(appDir, 'link.json'));
    for (const p of [
      '/../package.json',
      '/%2e%2e/package.json',
      '/%2E%2E%2fpackage.json',
      '/..%5cpackage.json',
      '//etc/passwd',
      '/link.json',
      '/nope.html',
    ]) {
      const r = await httpGet(port, p);
      expect(r.status, p).toBe(404);
      expect(r.body, p).not.toContain('secret');
    }
  });
});

describe('EngineServer: control between pages', () => {
  it('the second page watches: its setConfig is refused with "access", gpuInfo works; it takes over when the first leaves', async () => {
    const a = Client.connect(port, token);
    await a.opened;
    await a.waitForEvent('control');
    const b = Client.connect(port, token);
    await b.opened;
    expect(await b.waitForEvent('control')).toEqual({
      type: 'control',
      controller: false,
      clients: 2,
    });
    await a.waitForEvent('control', (e) => e.clients === 2);
    expect(a.events('control').at(-1)!.controller).toBe(true);
    const refused = await b.request({ type: 'setConfig', config: {} });
    expect(refused.error!.code).toBe('access');
    expect(refused.error!.message).toMatch(/another page controls this engine/);
    expect((await b.request({ type: 'gpuInfo' })).ok).toBe(true);
    a.ws.close();
    expect(await b.waitForEvent('control', (e) => e.controller === true)).toEqual({
      type: 'control',
      controller: true,
      clients: 1,
    });
    b.ws.close();
    await b.closed;
  });
});

describe('EngineServer: training outlives its page', () => {
  it('events reach both pages; the controller leaves mid-run; the run ends and checkpoint.ppw lands in the data dir', async () => {
    if ((await engine).gpuError) return; // no WebGPU in this environment
    const a = Client.connect(port, token);
    await a.opened;
    await a.waitForEvent('control', (e) => e.controller);
    const b = Client.connect(port, token);
    await b.opened;
    const config = await loadSmallRun(a, 2);
    const set = await a.request({ type: 'setConfig', config });
    expect(set.ok, JSON.stringify(set.error)).toBe(true);
    a.ws.send(encodeMessage({ id: 99, type: 'train' }));
    await a.waitForEvent('progress', undefined, 300_000);
    await b.waitForEvent('progress', undefined, 60_000);
    a.ws.close();
    await b.waitForEvent('control', (e) => e.controller === true);
    const epochs = await b.waitForEvent('epoch', (e) => e.epoch === 1, 400_000);
    expect(epochs.trainLoss).toBeTypeOf('number');
    await b.waitForEvent('checkpoint', (e) => e.info.epochsDone === 2, 60_000);
    expect(existsSync(join(dataDir, CHECKPOINT_FILE))).toBe(true);
    const init = await b.request({ type: 'init' });
    expect(init.result.checkpoint!.epochsDone).toBe(2);
    b.ws.close();
  }, 600_000);
});

describe('EngineServer: a restart resumes from the checkpoint on disk', () => {
  it('a run stopped by closing the server resumes in a new server (fresh engine, same data dir) and completes', async () => {
    if ((await engine).gpuError) return; // no WebGPU in this environment
    const dir = join(tmp, 'restart');
    const first = new EngineServer();
    const s1 = await first.start({ port: 0, host: '127.0.0.1', dataDir: dir, appDir });
    const a = Client.connect(s1.port, s1.token);
    await a.opened;
    const config = await loadSmallRun(a, 3);
    expect((await a.request({ type: 'setConfig', config })).ok).toBe(true);
    a.ws.send(encodeMessage({ id: 50, type: 'train' }));
    await a.waitForEvent('checkpoint', (e) => e.info.epochsDone === 1, 400_000);
    await first.close(); // stops the run; its last checkpoint stays on disk

    const second = new EngineServer();
    const s2 = await second.start({ port: 0, host: '127.0.0.1', dataDir: dir, appDir });
    try {
      const b = Client.connect(s2.port, s2.token);
      await b.opened;
      const init = await b.request({ type: 'init' });
      expect(init.result.attach).toBeNull(); // a fresh engine holds nothing…
      expect(init.result.checkpoint!.epochsDone).toBeGreaterThanOrEqual(1); // …but the disk holds the run
      expect(init.result.checkpoint!.epochs).toBe(3);
      const end = await b.request({ type: 'train', resume: true }, 600_000);
      expect(end.ok, JSON.stringify(end.error)).toBe(true);
      expect(end.result.status).toBe('completed');
      const last = b.events('checkpoint').pop();
      expect(last!.info.epochsDone).toBe(3);
      const endEvent = await b.waitForEvent('train-end');
      expect(endEvent.end.status).toBe('completed');
      b.ws.close();
    } finally {
      await second.close();
    }
  }, 900_000);
});
