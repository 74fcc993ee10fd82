import { checkInRange, checkKnownKeys } from '../shared/validate.js'
import type { HeadScores } from './head-scores.js'

/** Options of {@link selectRetrievalHeads}. */
export interface SelectHeadsOptions {
  /**
   * Share of the selected heads taken by echo score; the rest by induction score. Default 1/15
   * (RazorAttention protects about 1% echo heads and 14% induction heads).
   */
  readonly echoShare?: number
}

/**
 * Marks `round(fraction × layers × heads)` KV heads as retrieval heads: first the top `echoShare` of them
 * by echo score, then the rest by induction score (heads already chosen skipped). Ties pick the lower
 * layer, then the lower head. Returns `[layer][kvHead]` flags.
 *
 * @example
 * const flags = selectRetrievalHeads(scores, 0.15) // RazorAttention's ~15%
 * flags[3][1] // true when layer 3, KV head 1 keeps its whole cache
 */
export function selectRetrievalHeads(
  scores: HeadScores,
  fraction: number,
  options: SelectHeadsOptions = {},
): boolean[][] {
  checkKnownKeys('selectRetrievalHeads', options, ['echoShare'])
  checkInRange('selectRetrievalHeads', 'fraction', fraction, 0, 1)
  const echoShare = checkInRange('selectRetrievalHeads', 'echoShare', options.echoShare ?? 1 / 15, 0, 1)
  const { numLayers, numKVHeads } = scores
  const total = numLayers * numKVHeads
  const wanted = Math.round(fraction * total)
  const wantedEcho = Math.round(wanted * echoShare)
  const chosen = new Uint8Array(total)
  const order = (table: number[][]): number[] => {
    const ids = Array.from({ length: total }, (_, i) => i)
    const score = (i: number) => table[Math.floor(i / numKVHeads)]![i % numKVHeads]!
    return ids.sort((a, b) => score(b) - score(a) || a - b)
  }
  let picked = 0
  for (const id of order(scores.echo)) {
    if (picked >= wantedEcho) break
    chosen[id] = 1
    picked++
  }
  for (const id of order(scores.induction)) {
    if (picked >= wanted) break
    if (chosen[id] === 1) continue
    chosen[id] = 1
    picked++
  }
  const flags: boolean[][] = []
  for (let l = 0; l < numLayers; l++) {
    const row: boolean[] = []
    for (let h = 0; h < numKVHeads; h++) row.push(chosen[l * numKVHeads + h] === 1)
    flags.push(row)
  }
  return flags
}
