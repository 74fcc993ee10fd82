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
  for (let start = 0; perQuery > 0 && start < queryCount; start += QUERY_BLOCK) {
    const block = Math.min(QUERY_BLOCK, queryCount - start)
    for (let b = 0; b < block; b++) heaps[b]!.clear()
    for (let row = 0; row < count; row++) {
      const base = row * dim
      for (let b = 0; b < block; b++) scores[b] = dotAt(queries, order[start + b]! * dim, keys, base, dim)
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
