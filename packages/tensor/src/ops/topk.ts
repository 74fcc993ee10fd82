import { checkCount } from './check.js'

type Values = ArrayLike<number>

function checkNoNaN(fn: string, values: Values, count: number): void {
  for (let i = 0; i < count; i++) {
    const v = values[i]!
    if (Number.isNaN(v)) throw new RangeError(`${fn}: values[${i}] is NaN`)
  }
}

/** True when entry `i` ranks before entry `j`: larger value first, and the lower index on a tie. */
function before(values: Values, i: number, j: number): boolean {
  const vi = values[i]!
  const vj = values[j]!
  return vi > vj || (vi === vj && i < j)
}

/** Restores the heap (worst-ranked entry at the root) below `slot`. */
function siftDown(heap: Int32Array, size: number, slot: number, values: Values): void {
  const item = heap[slot]!
  for (;;) {
    let child = 2 * slot + 1
    if (child >= size) break
    if (child + 1 < size && before(values, heap[child]!, heap[child + 1]!)) child++
    if (!before(values, item, heap[child]!)) break
    heap[slot] = heap[child]!
    slot = child
  }
  heap[slot] = item
}

/**
 * Indices of the `k` largest of `values[0, count)`, largest first; equal values rank by lower index, so the
 * result is deterministic. O(count · log k) with a heap of k indices. `k` must lie in `[0, count]` and no
 * value may be NaN.
 *
 * @example
 * topK(new Float32Array([0.1, 0.7, 0.2, 0.7]), 3) // Int32Array [1, 3, 2]
 */
export function topK(values: Values, k: number, count: number = values.length): Int32Array {
  checkCount('topK', 'count', count)
  if (count > values.length) {
    throw new RangeError(`topK: count ${count} exceeds the ${values.length} values`)
  }
  if (!Number.isInteger(k) || k < 0 || k > count) {
    throw new RangeError(`topK: k must be an integer in [0, ${count}], got ${k}`)
  }
  checkNoNaN('topK', values, count)
  const heap = new Int32Array(k)
  if (k === 0) return heap
  for (let i = 0; i < k; i++) heap[i] = i
  for (let slot = (k >> 1) - 1; slot >= 0; slot--) siftDown(heap, k, slot, values)
  for (let i = k; i < count; i++) {
    if (before(values, i, heap[0]!)) {
      heap[0] = i
      siftDown(heap, k, 0, values)
    }
  }
  // Popping the worst-ranked root to the back leaves the heap sorted best first.
  for (let size = k - 1; size > 0; size--) {
    const worst = heap[0]!
    heap[0] = heap[size]!
    siftDown(heap, size, 0, values)
    heap[size] = worst
  }
  return heap
}

/**
 * Indices that sort `values` ascending (or descending); ties keep index order, so the sort is stable in
 * both directions. NaN is refused.
 *
 * @example
 * argsort(new Float32Array([3, 1, 2])) // Int32Array [1, 2, 0]
 * argsort(new Float32Array([3, 1, 2]), true) // Int32Array [0, 2, 1]
 */
export function argsort(values: Values, descending = false): Int32Array {
  checkNoNaN('argsort', values, values.length)
  const order = new Int32Array(values.length)
  for (let i = 0; i < order.length; i++) order[i] = i
  const sign = descending ? -1 : 1
  order.sort((i, j) => {
    const vi = values[i]!
    const vj = values[j]!
    return vi === vj ? i - j : vi < vj ? -sign : sign
  })
  return order
}
