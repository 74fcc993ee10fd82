/**
 * The rows to keep unmerged: the `count` largest `distances`, ties broken towards the lower row, returned
 * in ascending row order.
 */
export function largestRows(distances: Float64Array, count: number): Int32Array {
  const tokens = distances.length
  if (count === 0) return new Int32Array(0)
  const order = new Int32Array(tokens)
  for (let i = 0; i < tokens; i++) order[i] = i
  order.sort((x, y) => distances[y]! - distances[x]! || x - y)
  return order.slice(0, count).sort()
}

/**
 * How many of `tokens` rows a `retain` fraction keeps: `round(retain · tokens)`, so a block of 64 tokens at
 * 5 % keeps 3 and a block of 10 keeps 1 (0.5 rounds up).
 */
export function retainedCount(retain: number, tokens: number): number {
  return Math.min(tokens, Math.round(retain * tokens))
}
