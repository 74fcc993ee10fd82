/**
 * A bounded min-heap of (score, id) pairs that keeps the `k` largest scores seen, in typed arrays so a
 * search allocates nothing per key. At a tie with the smallest score held, the pair already held stays.
 *
 * @example
 * const heap = new TopKHeap(2)
 * heap.push(0.5, 7); heap.push(0.9, 3); heap.push(0.1, 4)
 * heap.drain() // { ids: Int32Array [3, 7], scores: Float32Array [0.9, 0.5] }
 */
export class TopKHeap {
  readonly capacity: number
  private readonly heapScores: Float64Array
  private readonly heapIds: Int32Array
  private length = 0

  constructor(capacity: number) {
    this.capacity = capacity
    this.heapScores = new Float64Array(capacity)
    this.heapIds = new Int32Array(capacity)
  }

  /** Entries held. */
  get size(): number {
    return this.length
  }

  /** The smallest score held, or -Infinity while the heap is not full (anything is admitted then). */
  get threshold(): number {
    return this.length < this.capacity ? Number.NEGATIVE_INFINITY : this.heapScores[0]!
  }

  /** Empties the heap for reuse. */
  clear(): void {
    this.length = 0
  }

  /** Offers a pair; kept only if it beats the smallest score held once the heap is full. */
  push(score: number, id: number): void {
    const scores = this.heapScores
    const ids = this.heapIds
    if (this.length < this.capacity) {
      let i = this.length++
      while (i > 0) {
        const parent = (i - 1) >> 1
        if (scores[parent]! <= score) break
        scores[i] = scores[parent]!
        ids[i] = ids[parent]!
        i = parent
      }
      scores[i] = score
      ids[i] = id
      return
    }
    if (this.capacity === 0 || score <= scores[0]!) return
    this.siftDown(score, id)
  }

  /** Removes everything, returning ids and scores by descending score. */
  drain(): { ids: Int32Array; scores: Float32Array } {
    const n = this.length
    const ids = new Int32Array(n)
    const scores = new Float32Array(n)
    for (let out = n - 1; out >= 0; out--) {
      ids[out] = this.heapIds[0]!
      scores[out] = this.heapScores[0]!
      this.length--
      if (this.length > 0) {
        const last = this.length
        this.siftDown(this.heapScores[last]!, this.heapIds[last]!)
      }
    }
    return { ids, scores }
  }

  /** Places (score, id) at the root and sifts it down to restore heap order. */
  private siftDown(score: number, id: number): void {
    const scores = this.heapScores
    const ids = this.heapIds
    const n = this.length
    let i = 0
    for (;;) {
      let child = 2 * i + 1
      if (child >= n) break
      if (child + 1 < n && scores[child + 1]! < scores[child]!) child++
      if (scores[child]! >= score) break
      scores[i] = scores[child]!
      ids[i] = ids[child]!
      i = child
    }
    scores[i] = score
    ids[i] = id
  }
}
