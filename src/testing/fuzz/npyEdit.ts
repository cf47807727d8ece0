/**
 * .npy header mutations for the reader fuzzer: hostile dtype, shape and order fields, lying header lengths and
 * versions, bytes flipped inside the header text (the refusals are listed in specs/npz.md).
 */
import { strToU8 } from 'fflate';
import { concat, u16, type FuzzRng } from './mutate';

const BAD_DESCR = [
  "'<f4'",
  "'>f8'",
  "'|O'",
  "'<U0'",
  "'<U99999999999'",
  "'<f3'",
  "'<c32'",
  "'<M8[ns]'",
  "'|V16'",
  "'<i16'",
  "''",
  "'<f4",
  "[('a', '<f4')]",
  "'=b1'",
  "'<S0'",
  "'|S4294967296'",
  '1',
  "'\\x00'",
];
const BAD_SHAPE = [
  '()',
  '(0,)',
  '(-1,)',
  '(1e9,)',
  '(2**31,)',
  '(9007199254740993,)',
  '(4294967296, 4294967296)',
  '(3,4',
  '(,)',
  '(1,)' + ' '.repeat(10),
  '(' + '1,'.repeat(65) + ')',
  '(' + '2,'.repeat(40) + ')',
  '(1.5,)',
  '(0x10,)',
  '(999999999999999999999999,)',
  '(100000, 100000)',
  '(2, 3)',
];
const BAD_FORTRAN = ['True', 'False', 'garbage', '1', 'None', "'True'"];

/** Rewrite a .npy header: dtype, shape, order, then the header length / version fields lie. */
export function npyEdit(src: Uint8Array, r: FuzzRng): Uint8Array {
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const hlen = dv.getUint16(8, true);
  const body = src.subarray(10 + hlen);
  const op = r.int(6);
  if (op <= 2) {
    const descr = op === 0 ? r.pick(BAD_DESCR) : "'<f4'";
    const shape = op === 1 ? r.pick(BAD_SHAPE) : '(2, 4, 4)';
    const fort = op === 2 ? r.pick(BAD_FORTRAN) : 'False';
    const text = strToU8(`{'descr': ${descr}, 'fortran_order': ${fort}, 'shape': ${shape}, }`.padEnd(118, ' ') + '\n');
    return concat(
      Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]),
      u16(text.length),
      text,
      r.chance(0.8) ? body : body.subarray(0, r.int(body.length + 1)),
    );
  }
  const b = src.slice();
  const d = new DataView(b.buffer);
  if (op === 3)
    d.setUint16(8, r.pick([0, 1, hlen - 1, hlen + 1, 0xffff, r.int(0x10000)]), true); // header length lies
  else if (op === 4) {
    b[6] = r.pick([0, 2, 3, 4, 0xff]);
    b[7] = r.int(3);
  } // version (v2/v3 read 4 length bytes)
  else {
    // Flip bytes inside the header text only.
    const k = 1 + r.int(4);
    for (let j = 0; j < k; j++)
      b[10 + r.int(hlen)] = r.pick([0x27, 0x28, 0x29, 0x2c, 0x3a, 0x7b, 0x7d, 0x2d, 0x30 + r.int(10), r.int(256)]);
  }
  return b;
}
