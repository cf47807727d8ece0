/**
 * Seeded mutation fuzzing of every reader that takes files from strangers (src/pipeline/npz.ts,
 * src/pipeline/archive/pickle.ts, src/pipeline/archive/torchBundle.ts, src/pipeline/archive/modelArchive.ts,
 * src/api/modelFiles.ts). One engine for the unit test (src/api/readerFuzz.test.ts) and the long runner
 * (scripts/fuzz.ts).
 *
 * A case = (class, target reader, input bytes), drawn deterministically from a seed. `fuzzCase` runs one: the reader
 * must return, or throw a PtychoError with a non-empty code — never another exception, never take > 1 s, and never
 * grow memory by more than an input-derived cap (1100 × input + 64 MiB: DEFLATE's 1032× expansion plus room for the
 * decoded result; the fixed part is `memCap`). Memory is measured per case as the growth of arrayBuffers, heapUsed,
 * the committed heap and the process's peak RSS across the call (memoryGrowth): the last two keep the trace of
 * transient allocations that a garbage collection during the call freed again, so a reader that builds 300 MiB
 * before refusing is a finding even when its garbage is gone by the end. Seeds are built in memory (no file reads;
 * src/testing/fuzz/seeds.ts).
 */
import { getHeapStatistics } from 'node:v8';
import { PtychoError } from '../../errors';
import { fileKind, readModelFile } from '../../api/modelFiles';
import { readModelArchive } from '../../pipeline/archive/modelArchive';
import { readPickledDict, readTorchBundle, readTorchStateDict } from '../../pipeline/archive/torchBundle';
import { listNpz, readArrayFile } from '../../pipeline/npz';
import { CLASSES } from './classes';
import { FuzzRng } from './mutate';
import { makeSeeds, type Seeds } from './seeds';

export type ReaderName =
  | 'readArrayFile'
  | 'listNpz'
  | 'readPickledDict'
  | 'readTorchStateDict'
  | 'readTorchBundle'
  | 'readModelArchive'
  | 'readModelFile'
  | 'fileKind';

export const READERS: Record<ReaderName, (b: Uint8Array) => unknown> = {
  readArrayFile: (b) => readArrayFile(b, { fileName: 'fuzz.npz' }),
  listNpz: (b) => listNpz(b, { fileName: 'fuzz.npz' }),
  readPickledDict: (b) => readPickledDict(b, 'fuzz.dill'),
  readTorchStateDict: (b) => readTorchStateDict(b, 'fuzz.pth'),
  readTorchBundle: (b) => readTorchBundle(b, 'fuzz.h5.zip'),
  readModelArchive: (b) => readModelArchive(b, 'fuzz.zip'),
  readModelFile: (b) => readModelFile(b, 'fuzz.zip'),
  fileKind: (b) => fileKind(b),
};

// ------------------------------------------------------------------ harness

export type Outcome = 'accepted' | 'refused' | 'crash' | 'slow' | 'big';

export interface CaseResult {
  outcome: Outcome;
  ms: number;
  /** Memory growth across the call (memoryGrowth), bytes. */
  grew: number;
  cap: number;
  error?: unknown;
}

export const SLOW_MS = 1000;

/** The fixed part of the per-case memory cap: what any reader may allocate beyond its input's expansion. */
export const MEM_CAP = 64 * 2 ** 20;

/** The allocation a reader may make for an input of `n` bytes (DEFLATE's 1032× plus the decoded result, `memCap`). */
export function allocationCap(n: number, memCap = MEM_CAP): number {
  return 1100 * n + memCap;
}

/** The memory counters memoryGrowth compares, bytes. */
interface MemorySample {
  arrayBuffers: number;
  heapUsed: number;
  heapTotal: number;
  maxRss: number;
}

function memorySample(): MemorySample {
  const m = process.memoryUsage();
  return {
    arrayBuffers: m.arrayBuffers,
    heapUsed: m.heapUsed,
    heapTotal: getHeapStatistics().total_heap_size,
    maxRss: process.resourceUsage().maxRSS * 1024,
  };
}

/**
 * Growth between two samples: the largest of arrayBuffers, heapUsed, the committed heap (V8 grows it to hold what was
 * live at the peak and gives it back only later) and the peak RSS (a new process high-water mark set during the call).
 */
export function memoryGrowth(m0: MemorySample, m1: MemorySample): number {
  return Math.max(
    m1.arrayBuffers - m0.arrayBuffers,
    m1.heapUsed - m0.heapUsed,
    m1.heapTotal - m0.heapTotal,
    m1.maxRss - m0.maxRss,
  );
}

/**
 * Run one reader on one input. `crash` (anything thrown that is not a PtychoError with a code) outranks `slow`
 * (> 1 s), which outranks `big` (memory grew past allocationCap(input, memCap)); otherwise accepted / refused.
 */
export function fuzzCase(input: Uint8Array, reader: (b: Uint8Array) => unknown, memCap = MEM_CAP): CaseResult {
  const m0 = memorySample();
  const t0 = performance.now();
  let error: unknown;
  let threw = false;
  let result: unknown;
  try {
    result = reader(input);
  } catch (e) {
    threw = true;
    error = e;
  }
  const ms = performance.now() - t0;
  const grew = memoryGrowth(m0, memorySample());
  const cap = allocationCap(input.length, memCap);
  void result;
  let outcome: Outcome;
  if (
    threw &&
    !(
      error instanceof PtychoError &&
      typeof error.code === 'string' &&
      error.code.length > 0 &&
      error.message.length > 0
    )
  )
    outcome = 'crash';
  else if (ms > SLOW_MS) outcome = 'slow';
  else if (grew > cap) outcome = 'big';
  else outcome = threw ? 'refused' : 'accepted';
  return outcome === 'accepted' ? { outcome, ms, grew, cap } : { outcome, ms, grew, cap, error };
}

export interface ClassStats {
  cases: number;
  accepted: number;
  refused: number;
  crash: number;
  slow: number;
  big: number;
  /** First few failures (crash / slow / big), for the report. */
  examples: string[];
  maxMs: number;
  /** Largest memory growth of one case, bytes. */
  maxGrew: number;
}

export interface FuzzReport {
  seed: number;
  cases: number;
  ms: number;
  byClass: Record<string, ClassStats>;
}

/** Run `cases` cases spread round-robin over the classes, each drawn from its own sub-seed (reproducible one by one). */
export function runFuzz(opts: {
  cases: number;
  seed: number;
  classes?: string[];
  seeds?: Seeds;
  onCase?: (i: number) => void;
  /** The fixed part of the per-case memory cap, bytes (default MEM_CAP, 64 MiB). */
  memCap?: number;
}): FuzzReport {
  const seeds = opts.seeds ?? makeSeeds();
  const classes = CLASSES.filter((c) => !opts.classes || opts.classes.includes(c.name));
  const byClass: Record<string, ClassStats> = {};
  for (const c of classes)
    byClass[c.name] = {
      cases: 0,
      accepted: 0,
      refused: 0,
      crash: 0,
      slow: 0,
      big: 0,
      examples: [],
      maxMs: 0,
      maxGrew: 0,
    };
  const t0 = performance.now();
  for (let i = 0; i < opts.cases; i++) {
    const cls = classes[i % classes.length];
    const caseSeed = (Math.imul(opts.seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(i, 0xc2b2ae35)) >>> 0;
    const r = new FuzzRng(caseSeed);
    const st = byClass[cls.name];
    st.cases++;
    let made: { input: Uint8Array; reader: ReaderName };
    try {
      made = cls.make(seeds, r);
    } catch (e) {
      st.crash++;
      if (st.examples.length < 5)
        st.examples.push(`case ${i} (seed ${caseSeed}): mutator failed: ${(e as Error).stack ?? e}`);
      continue;
    }
    const res = fuzzCase(made.input, READERS[made.reader], opts.memCap);
    st[res.outcome]++;
    st.maxMs = Math.max(st.maxMs, res.ms);
    st.maxGrew = Math.max(st.maxGrew, res.grew);
    if ((res.outcome === 'crash' || res.outcome === 'slow' || res.outcome === 'big') && st.examples.length < 5) {
      const e = res.error;
      const msg = e instanceof Error ? `${e.name}: ${e.message}`.slice(0, 300) : String(e);
      st.examples.push(
        `case ${i} (${made.reader}, ${made.input.length} B, ${res.ms.toFixed(0)} ms, +${mib(res.grew)} MiB of ${mib(res.cap)} allowed): ${res.outcome}: ${msg}`,
      );
    }
    opts.onCase?.(i);
  }
  return { seed: opts.seed, cases: opts.cases, ms: performance.now() - t0, byClass };
}

const mib = (b: number) => (b / 2 ** 20).toFixed(1);

/** A fixed-width table of a report (one row per class, then the totals). */
export function formatReport(rep: FuzzReport): string {
  const cols = ['class', 'cases', 'accepted', 'refused', 'crash', 'slow', 'big', 'max ms', 'max MiB'];
  const rows = Object.entries(rep.byClass).map(([k, s]) =>
    [k, s.cases, s.accepted, s.refused, s.crash, s.slow, s.big, s.maxMs.toFixed(0), mib(s.maxGrew)].map(String),
  );
  const tot = Object.values(rep.byClass).reduce(
    (a, s) => ({
      cases: a.cases + s.cases,
      accepted: a.accepted + s.accepted,
      refused: a.refused + s.refused,
      crash: a.crash + s.crash,
      slow: a.slow + s.slow,
      big: a.big + s.big,
      maxMs: Math.max(a.maxMs, s.maxMs),
      maxGrew: Math.max(a.maxGrew, s.maxGrew),
    }),
    { cases: 0, accepted: 0, refused: 0, crash: 0, slow: 0, big: 0, maxMs: 0, maxGrew: 0 },
  );
  rows.push(
    [
      'total',
      tot.cases,
      tot.accepted,
      tot.refused,
      tot.crash,
      tot.slow,
      tot.big,
      tot.maxMs.toFixed(0),
      mib(tot.maxGrew),
    ].map(String),
  );
  const w = cols.map((c, j) => Math.max(c.length, ...rows.map((r) => r[j].length)));
  const line = (r: string[]) => r.map((x, j) => (j === 0 ? x.padEnd(w[j]) : x.padStart(w[j]))).join('  ');
  const lines = [
    `reader fuzz: seed ${rep.seed}, ${rep.cases} cases in ${(rep.ms / 1000).toFixed(1)} s`,
    line(cols),
    ...rows.map(line),
  ];
  for (const [k, s] of Object.entries(rep.byClass)) for (const e of s.examples) lines.push(`  ${k}: ${e}`);
  return lines.join('\n');
}
