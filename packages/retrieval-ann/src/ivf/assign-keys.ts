import { TopKHeap } from '../exact/top-k-heap.js'
import { dotAt } from '../validate.js'
import type { CellLists } from './cell-lists.js'

/** Sample queries scored together, so each key row is read from memory once per block, not once per query. */
const QUERY_BLOCK = 8

/**
 * The attention-aware part of the build: each sample query's exact top-`perQuery` keys join the query's
 * cell (once per cell), so a key lives wherever the queries that attend to it live. Keys no sample query
 * reached join the cell whose centroid has the largest inner product with them. Rows are `0..count-1`.
 *
 * @example
 * assignKeysToCells(keys, count, dim, queries, queryCount, clusters.assignment, clusters.centroids, lists, 100)
 */
export function assignKeysToCells(
  keys: Float32Array,
  count: number,
  dim: number,
  queries: Float32Array,
  queryCount: number,
  queryCell: Int32Array,
  centroids: Float32Array,
  lists: CellLists,
  perQuery: number,
): void {
  const cells = lists.cells
  // Queries grouped by cell, so "already in this cell" is one mark per row.
  const order = new Int32Array(queryCount)
  for (let i = 0; i < queryCount; i++) order[i] = i
  order.sort((a, b) => queryCell[a]! - queryCell[b]! || a - b)
  const lastCell = new Int32Array(count).fill(-1)
  const heaps: TopKHeap[] = []
  for (let b = 0; b < QUERY_BLOCK; b++) heaps.push(new TopKHeap(Math.min(perQuery, count)))
  const scores = new Float64Array(QUERY_BLOCK)
  const blockQueries = new Float32Array(QUERY_BLOCK * dim)
  for (let start = 0; perQuery > 0 && start < queryCount; start += QUERY_BLOCK) {
    const block = Math.min(QUERY_BLOCK, queryCount - start)
    blockQueries.fill(0)
    for (let b = 0; b < block; b++) {
      const q = order[start + b]!
      blockQueries.set(queries.subarray(q * dim, q * dim + dim), b * dim)
      heaps[b]!.clear()
    }
    for (let row = 0; row < count; row++) {
      scoreBlock(blockQueries, keys, row * dim, dim, scores)
      for (let b = 0; b < block; b++) {
        const heap = heaps[b]!
        if (scores[b]! > heap.threshold) heap.push(scores[b]!, row)
      }
    }
    for (let b = 0; b < block; b++) {
      const cell = queryCell[order[start + b]!]!
      const { ids } = heaps[b]!.drain()
      for (let i = 0; i < ids.length; i++) {
        const row = ids[i]!
        if (lastCell[row] === cell) continue
        lastCell[row] = cell
        lists.append(cell, row)
      }
    }
  }
  for (let row = 0; row < count; row++) {
    if (lastCell[row] === -1) lists.append(nearestCell(keys, row * dim, centroids, cells, dim), row)
  }
}

/** Inner products of the 8 queries of `block` with one key: the key is read once, eight sums kept apart. */
function scoreBlock(
  block: Float32Array,
  keys: Float32Array,
  base: number,
  dim: number,
  out: Float64Array,
): void {
  let s0 = 0
  let s1 = 0
  let s2 = 0
  let s3 = 0
  let s4 = 0
  let s5 = 0
  let s6 = 0
  let s7 = 0
  for (let j = 0; j < dim; j++) {
    const x = keys[base + j]!
    s0 += block[j]! * x
    s1 += block[dim + j]! * x
    s2 += block[2 * dim + j]! * x
    s3 += block[3 * dim + j]! * x
    s4 += block[4 * dim + j]! * x
    s5 += block[5 * dim + j]! * x
    s6 += block[6 * dim + j]! * x
    s7 += block[7 * dim + j]! * x
  }
  out[0] = s0
  out[1] = s1
  out[2] = s2
  out[3] = s3
  out[4] = s4
  out[5] = s5
  out[6] = s6
  out[7] = s7
}

/** The cell whose centroid has the largest inner product with the vector at `vectors[offset..]`. */
export function nearestCell(
  vectors: Float32Array,
  offset: number,
  centroids: Float32Array,
  cells: number,
  dim: number,
): number {
  let best = 0
  let bestScore = Number.NEGATIVE_INFINITY
  for (let c = 0; c < cells; c++) {
    const s = dotAt(vectors, offset, centroids, c * dim, dim)
    if (s > bestScore) {
      bestScore = s
      best = c
    }
  }
  return best
}
