/**
 * A small pickle disassembler for tests and diagnostics: the opcode bytes of a pickle in order (protocol ≤ 4, the
 * subset src/pipeline/archive/pickle.ts reads and src/pipeline/archive/pickleWriter.ts writes).
 */
/** Opcode bytes of a pickle in order (a small disassembler for tests and diagnostics; protocol ≤ 4 subset). */
export function listOpcodes(b: Uint8Array): number[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const ops: number[] = [];
  let p = 0;
  const arg: Record<number, (p: number) => number> = {
    0x80: () => 1,
    0x95: () => 8,
    0x4a: () => 4,
    0x4b: () => 1,
    0x4d: () => 2,
    0x8a: (q) => 1 + b[q],
    0x47: () => 8,
    0x58: (q) => 4 + dv.getUint32(q, true),
    0x8c: (q) => 1 + b[q],
    0x8d: (q) => 8 + Number(dv.getBigUint64(q, true)),
    0x43: (q) => 1 + b[q],
    0x42: (q) => 4 + dv.getUint32(q, true),
    0x71: () => 1,
    0x72: () => 4,
    0x68: () => 1,
    0x6a: () => 4,
    0x63: (q) => {
      let e = q;
      for (let n = 0; n < 2; n++) {
        while (b[e] !== 0x0a) e++;
        e++;
      }
      return e - q;
    },
  };
  while (p < b.length) {
    const op = b[p++];
    ops.push(op);
    if (op === 0x2e) break;
    const f = arg[op];
    if (f) p += f(p);
  }
  return ops;
}
