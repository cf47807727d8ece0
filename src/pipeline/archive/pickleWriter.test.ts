/**
 * The pickle writer (src/pipeline/archive/pickleWriter.ts): the fixture's pickles re-written byte for byte, and
 * values read back through src/pipeline/archive/pickle.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { unzipArchive } from './torchBundle';
import { PickleGlobal, toPlain, unpickle } from './pickle';
import { listOpcodes } from './pickleOpcodes';
import { pickle, PyFloat, PyOrderedDict, PyTensor, PyTuple } from './pickleWriter';

const FIXTURE = 'tests/fixtures/torch/wts_n64_s1_gs1.h5.zip';

function fixturePickles(): Record<string, Uint8Array> {
  const outer = unzipArchive(new Uint8Array(readFileSync(FIXTURE)), FIXTURE, 'zip', '');
  const out: Record<string, Uint8Array> = {};
  for (const [name, b] of Object.entries(outer)) {
    if (name.endsWith('.dill')) out[name] = b;
    else
      for (const [n, ib] of Object.entries(unzipArchive(b, name, 'zip', '')))
        if (n.endsWith('.pkl')) out[`${name}:${n}`] = ib;
  }
  return out;
}

const back = (b: Uint8Array) =>
  toPlain(
    unpickle(b, {
      source: 't',
      allowedGlobals: ['collections.OrderedDict'],
      reducers: { 'collections.OrderedDict': () => new Map() },
    }),
    { source: 't' },
  );

describe('pickleWriter', () => {
  it('round-trips plain values through the reader', () => {
    const v = {
      a: 1,
      b: 300,
      c: 70000,
      d: -5,
      e: 2 ** 40,
      f: 0.25,
      g: 'héllo',
      h: null,
      i: true,
      j: false,
      k: [1, 'x', [2]],
      l: new PyTuple([1, 2, 3, 4]),
      m: new PyFloat(1),
      n: { nested: { deep: [] } },
      o: 1e9,
      p: -(2 ** 31),
    };
    expect(back(pickle(v))).toEqual({ ...v, l: [1, 2, 3, 4], m: 1 });
    expect(
      back(
        pickle(
          new PyOrderedDict([
            ['x', 1],
            ['y', 'z'],
          ]),
        ),
      ),
    ).toEqual({ x: 1, y: 'z' });
    expect(back(pickle(2n ** 70n))).toBe(2 ** 70);
  });

  it('uses only opcodes the fixture pickles use', () => {
    const fixtureOps = new Set(Object.values(fixturePickles()).flatMap(listOpcodes));
    const ours = pickle({
      a: 1,
      b: 300,
      c: 1.5,
      s: 'x',
      n: null,
      t: true,
      f: false,
      l: [1, 2],
      l1: [3],
      e: [],
      t2: new PyTuple([1, 1]),
      d1: { k: 1 },
      od: new PyOrderedDict([
        ['w', new PyTensor('0', 'FloatStorage', 6, [2, 3])],
        ['b', new PyTensor('1', 'FloatStorage', 1, [1])],
      ]),
    });
    const used = new Set(listOpcodes(ours));
    const extra = [...used].filter((o) => !fixtureOps.has(o)).map((o) => `0x${o.toString(16)}`);
    expect(extra).toEqual([]);
  });

  it('writes tensor records the reader resolves (persistent storage ids)', () => {
    const b = pickle(new PyOrderedDict([['w', new PyTensor('7', 'FloatStorage', 6, [2, 3])]]));
    const seen: unknown[] = [];
    const v = unpickle(b, {
      source: 't',
      allowedGlobals: ['collections.OrderedDict', 'torch._utils._rebuild_tensor_v2', 'torch.FloatStorage'],
      persistentLoad: (pid) => {
        seen.push(pid);
        return 'S';
      },
      reducers: {
        'collections.OrderedDict': () => new Map(),
        'torch._utils._rebuild_tensor_v2': (...a: unknown[]) => a,
      },
    }) as Map<string, unknown[]>;
    const pid = seen[0] as unknown[];
    expect(pid[0]).toBe('storage');
    expect((pid[1] as PickleGlobal).qualified).toBe('torch.FloatStorage');
    expect(pid.slice(2)).toEqual(['7', 'cpu', 6]);
    const args = v.get('w')!;
    expect(args.slice(0, 5)).toEqual(['S', 0, [2, 3], [3, 1], false]);
  });

  it('lists the opcodes of the fixture state_dict pickle like pickletools', () => {
    const p = Object.entries(fixturePickles()).find(([n]) => n.startsWith('diffraction_to_obj/model.pth'))![1];
    const ops = listOpcodes(p);
    expect(ops[0]).toBe(0x80);
    expect(ops[ops.length - 1]).toBe(0x2e);
    expect(ops.filter((o) => o === 0x51).length).toBe(63); // BINPERSID per tensor
  });
});
