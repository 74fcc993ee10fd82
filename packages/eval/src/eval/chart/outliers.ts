/**
 * The top of a "ratio to the full cache" axis that keeps most points readable: the largest values are
 * left off (clipped) down to the widest gap where a value's excess over 1 is more than 4× the next one's
 * (and the next counts as at least 1%), never more than a third of the points. Returns the largest value
 * kept and which values are clipped.
 *
 * @example
 * clipHigh([1.001, 1.004, 1.02, 3.5]) // { kept: 1.02, clipped: [false, false, false, true] }
 */
export function clipHigh(values: readonly number[]): { kept: number; clipped: boolean[] } {
  const order = values.map((_, i) => i).sort((a, b) => values[b]! - values[a]!)
  const excess = (rank: number) => values[order[rank]!]! - 1
  const limit = Math.floor(values.length / 3)
  let count = 0
  for (let k = 1; k <= limit; k++) if (excess(k - 1) > 4 * Math.max(excess(k), 0.01)) count = k
  const clipped = values.map(() => false)
  for (let rank = 0; rank < count; rank++) clipped[order[rank]!] = true
  const kept = values.filter((_, i) => !clipped[i])
  return { kept: Math.max(...kept), clipped }
}
