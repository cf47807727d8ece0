/**
 * Long seeded fuzz run of every file reader (src/testing/fuzz/harness.ts): `npm run fuzz -- --cases=100000 --seed=1`.
 * Prints per-class counts of accepted, refused (PtychoError), crashes (other exceptions, first few messages),
 * slow cases (> 1 s) and big allocations (a case whose memory grew past 1100 × its input + `--mem-cap=MiB`, default
 * 64; measured per case from arrayBuffers, heap and peak RSS), with the largest growth per class. Exit 1 when any
 * crash, slow case or big allocation was seen. `--class=name[,name]` restricts to some classes.
 */
import { CLASSES } from '../src/testing/fuzz/classes';
import { formatReport, MEM_CAP, runFuzz } from '../src/testing/fuzz/harness';

const arg = (name: string): string | undefined =>
  process.argv
    .slice(2)
    .find((a) => a.startsWith(`--${name}=`))
    ?.slice(name.length + 3);
const cases = Number(arg('cases') ?? 100000);
const seed = Number(arg('seed') ?? 1);
const classes = arg('class')?.split(',');
const memCapMiB = Number(arg('mem-cap') ?? MEM_CAP / 2 ** 20);
if (!Number.isSafeInteger(cases) || cases < 1 || !Number.isSafeInteger(seed) || !(memCapMiB > 0)) {
  console.error('usage: fuzz [--cases=N] [--seed=S] [--class=a,b] [--mem-cap=MiB]');
  process.exit(2);
}
if (classes)
  for (const c of classes)
    if (!CLASSES.some((k) => k.name === c)) {
      console.error(`unknown class ${c} (${CLASSES.map((k) => k.name).join(', ')})`);
      process.exit(2);
    }
const t0 = Date.now();
const rep = runFuzz({
  cases,
  seed,
  classes,
  memCap: memCapMiB * 2 ** 20,
  onCase: (i) => {
    if ((i + 1) % 10000 === 0) console.error(`… ${i + 1} cases, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  },
});
console.log(formatReport(rep));
const bad = Object.values(rep.byClass).some((s) => s.crash || s.slow || s.big);
process.exit(bad ? 1 : 0);
