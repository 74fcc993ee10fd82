/**
 * The rows to keep unmerged: the `count` largest `distances`, ties broken towards the lower row, returned
 * in ascending row order. The cut-off value comes from a native numeric sort of a copy (no comparator
 * callback), then one pass collects the rows above it and, in row order, as many at it as are needed.
 */
export function largestRows(distances: Float64Array, count: number): Int32Array {
  const tokens = distances.length
  const rows = new Int32Array(count)
  if (count === 0) return rows
  const sorted = Float64Array.from(distances).sort()
  const cutoff = sorted[tokens - count]!
  let above = 0
  for (let i = tokens - count + 1; i < tokens; i++) if (sorted[i]! > cutoff) above++
  let atCutoff = count - above
  let n = 0
  for (let row = 0; row < tokens && n < count; row++) {
    const d = distances[row]!
    if (d > cutoff) rows[n++] = row
    else if (d === cutoff && atCutoff > 0) {
      rows[n++] = row
      atCutoff--
    }
  }
  return rows
}

/**
 * How many of `tokens` rows a `retain` fraction keeps: `round(retain · tokens)`, so a block of 64 tokens at
 * 5 % keeps 3 and a block of 10 keeps 1 (0.5 rounds up).
 */
export function retainedCount(retain: number, tokens: number): number {
  return Math.min(tokens, Math.round(retain * tokens))
}
