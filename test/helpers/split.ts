/** Splits `buf` at the given cut points (each taken modulo length + 1, duplicates dropped), in order. */
export function splitAt(buf: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((x, y) => x - y);
  const pieces: Buffer[] = [];
  let last = 0;
  for (const p of points) {
    pieces.push(buf.subarray(last, p));
    last = p;
  }
  pieces.push(buf.subarray(last));
  return pieces;
}
