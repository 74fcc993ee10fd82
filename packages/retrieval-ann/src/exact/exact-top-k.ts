import { checkInteger, checkLength, checkQuery, dotAt } from '../validate.js'
import { TopKHeap } from './top-k-heap.js'

/** The exact answer of a maximum-inner-product search: row indices and their scores, best first. */
export interface ExactTopKResult {
  /** Row indices into `keys`, by descending inner product. */
  readonly ids: Int32Array
  /** The inner products, matching `ids`. */
  readonly scores: Float32Array
  /** Keys scored: always `count`. */
  readonly scanned: number
}

/**
 * The exact top-`k` rows of `keys` (`[count, headDim]`, row-major) by inner product with `query`: the
 * baseline every index is measured against. Returns `min(k, count)` rows. A key row that makes the inner
 * product NaN throws.
 *
 * @example
 * const keys = new Float32Array([1, 0, 0, 1, 1, 1])
 * exactTopK(keys, 3, 2, new Float32Array([1, 0.5]), 2).ids // Int32Array [2, 0]
 */
export function exactTopK(
  keys: Float32Array,
  count: number,
  headDim: number,
  query: Float32Array,
  k: number,
): ExactTopKResult {
  checkInteger('exactTopK', 'headDim', headDim, 1)
  checkInteger('exactTopK', 'count', count, 0)
  checkInteger('exactTopK', 'k', k, 1)
  checkQuery('exactTopK', query, headDim)
  checkLength('exactTopK', 'keys', keys, count * headDim)
  const heap = new TopKHeap(Math.min(k, count))
  for (let row = 0; row < count; row++) {
    const score = dotAt(query, 0, keys, row * headDim, headDim)
    // A non-finite key shows up as a non-finite score: checking here costs one compare, not a second pass.
    if (!(score > heap.threshold)) {
      if (Number.isNaN(score)) throw new RangeError(`exactTopK: keys row ${row} gives a NaN inner product`)
      continue
    }
    heap.push(score, row)
  }
  const { ids, scores } = heap.drain()
  return { ids, scores, scanned: count }
}
