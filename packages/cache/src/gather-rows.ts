/** Rows `keep` (of `width` elements each) of a row-major typed array, copied in order. */
export function gatherRows<T extends Float32Array | Uint16Array>(
  rows: T,
  width: number,
  keep: Int32Array,
  make: (n: number) => T,
): T {
  const out = make(keep.length * width)
  for (let i = 0; i < keep.length; i++)
    out.set(rows.subarray(keep[i]! * width, (keep[i]! + 1) * width), i * width)
  return out
}
