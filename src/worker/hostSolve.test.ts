// Tests of a solve in the engine host (src/worker/hostSolve.ts, host.ts) over a stand-in engine: the request
// reaches Engine.solve, iterations and previews go out as events, the result is kept for joining pages, pause and
// stop reach the engine, and a training run or a second solve is refused while it runs.
import { describe, expect, it } from 'vitest';
import type { Engine, SolveEvents, SolveRequest } from '../api/engine';
import { PtychoError } from '../errors';
import { EngineHost } from './host';
import { solveProgressEvent } from './hostSolve';
import type { ResultImage, WorkerEvent } from './protocol';
import { decodeMessage, encodeMessage } from './wire';

const image: ResultImage = {
  width: 2,
  height: 1,
  origin: [3, 4],
  object: Float32Array.from([1, 0, 0, 1]),
  weights: Float32Array.from([1, 1]),
  stitch: 'solver',
  patches: 2,
  solver: {
    init: 'flat',
    iterations: 2,
    seconds: 0.5,
    error: 1e-3,
    refinedProbe: true,
    refinedPositions: false,
    positionRms: 0,
  },
};

const step = (iteration: number, error: number) => ({
  iteration,
  iterations: 2,
  error,
  seconds: iteration / 4,
  patternsPerSecond: 1024,
  positionRms: 0,
});

/** An engine whose solve runs when `finish` is called, recording what the host asked of it. */
function standIn() {
  const calls: string[] = [];
  let finish = () => {};
  const engine = {
    gpuError: 'none (stand-in)',
    solve: (req: SolveRequest, ev: SolveEvents) => {
      calls.push(`solve ${JSON.stringify(req)}`);
      return new Promise((resolve) => {
        finish = () => {
          ev.onIteration?.(step(1, 1e-2));
          ev.onIteration?.(step(2, 1e-3));
          const px = new Float32Array(4);
          ev.onPreview?.({
            ...{ width: 2, height: 2, amplitude: px, phase: px.slice(), origin: [0, 0], factor: 1 },
            ...{ epoch: 0, step: 2, iteration: 2, overhead: 0 },
          });
          resolve({ product: true });
        };
      });
    },
    resultImage: () => image,
    pause: () => calls.push('pause'),
    resume: () => calls.push('resume'),
    stop: () => calls.push('stop'),
  };
  const events: WorkerEvent[] = [];
  const host = new EngineHost({
    emit: (e) => events.push(e),
    store: {} as never,
    createEngine: async () => engine as unknown as Engine,
  });
  return { host, calls, events, finish: () => finish() };
}

describe('a solve in the engine host', () => {
  it('streams iterations and previews, answers with the result image and keeps a copy', async () => {
    const t = standIn();
    await t.host.handle({ id: 1, type: 'init' }).catch(() => null); // creates the engine (the store is a stand-in)
    const answer = t.host.handle({ id: 2, type: 'solve', request: { iterations: 2, refineProbe: true } });
    await new Promise((r) => setTimeout(r, 0));
    expect(t.host.solving).toBe(true);
    await t.host.handle({ id: 3, type: 'pause' });
    await t.host.handle({ id: 4, type: 'resume' });
    await t.host.handle({ id: 5, type: 'stop' });
    t.finish();
    expect(await answer).toBe(image);
    expect(t.calls).toEqual(['solve {"iterations":2,"refineProbe":true}', 'pause', 'resume', 'stop']);
    expect(t.events.map((e) => e.type)).toEqual(['solve-progress', 'solve-progress', 'preview']);
    expect(t.events[1]).toEqual({ type: 'solve-progress', ...step(2, 1e-3) });
    expect(t.host.solving).toBe(false);
    expect(t.host.lastResult).toEqual(image);
    expect(t.host.lastResult!.object).not.toBe(image.object); // its own arrays: the page's copy is transferred
  });

  it('refuses a training run and a second solve while one runs (busy), by name', async () => {
    const t = standIn();
    const first = t.host.handle({ id: 1, type: 'solve', request: {} });
    await new Promise((r) => setTimeout(r, 0));
    for (const req of [
      { id: 2, type: 'train' as const },
      { id: 3, type: 'solve' as const, request: {} },
    ]) {
      const err = await t.host.handle(req).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PtychoError);
      expect((err as PtychoError).code).toBe('busy');
      expect((err as PtychoError).message).toBe('the iterative solver is running');
    }
    t.finish();
    await first;
    expect(t.calls.filter((c) => c.startsWith('solve'))).toHaveLength(1);
  });

  it('sends the request and its progress over the wire intact (a NaN error too)', () => {
    const req = { id: 9, type: 'solve', request: { init: 'model', iterations: 5, refinePositions: true } };
    expect(decodeMessage(encodeMessage(req))).toEqual(req);
    const ev = { event: solveProgressEvent({ ...step(1, NaN), positionRms: 0.3 }) };
    const back = decodeMessage(encodeMessage(ev)) as typeof ev;
    expect(back.event.type).toBe('solve-progress');
    expect(back.event.error).toBeNaN();
    expect(back.event.positionRms).toBe(0.3);
  });
});
