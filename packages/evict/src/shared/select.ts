/**
 * Selection helpers for the policies' hot paths: plain loops over typed arrays and a caller-owned index
 * buffer, so a plan allocates only its result (sized by the slots it evicts), never O(count) per step.
 */

/**
 * Scratch buffers a policy keeps across calls; grown geometrically, never shrunk. Pass one to the plain
 * `planX` functions to plan without O(count) allocation per call.
 *
 * @example
 * const scratch = new PlanScratch()
 * for (const view of views) planH2O(view, { sinks: 0, heavy: 64, recent: 64 }, scratch)
 */
export class PlanScratch {
  indices: Int32Array = new Int32Array(64)
  floats: Float32Array = new Float32Array(64)

  /** An index buffer of at least `n` entries. */
  indexBuffer(n: number): Int32Array {
    if (this.indices.length < n) this.indices = new Int32Array(Math.max(n, this.indices.length * 2))
    return this.indices
  }

  /** A float buffer of at least `n` entries. */
  floatBuffer(n: number): Float32Array {
    if (this.floats.length < n) this.floats = new Float32Array(Math.max(n, this.floats.length * 2))
    return this.floats
  }
}

// Total order on slots: lower score first, ties broken by older slot first (so ties evict the oldest).
function lower(scores: ArrayLike<number>, a: number, b: number): boolean {
  const sa = scores[a]!
  const sb = scores[b]!
  return sa < sb || (sa === sb && a < b)
}

/**
 * Rearranges `idx[0..n)` so that its first `k` entries are the `k` lowest-scoring slots (in no order).
 * Quickselect with a median-of-three pivot: O(n) on average, deterministic.
 */
export function selectLowest(scores: ArrayLike<number>, idx: Int32Array, n: number, k: number): void {
  if (k <= 0 || k >= n) return
  if (k === 1) {
    let best = 0
    for (let i = 1; i < n; i++) if (lower(scores, idx[i]!, idx[best]!)) best = i
    const t = idx[0]!
    idx[0] = idx[best]!
    idx[best] = t
    return
  }
  let lo = 0
  let hi = n - 1
  const target = k - 1
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    // Median of three to the `hi` position as pivot.
    if (lower(scores, idx[mid]!, idx[lo]!)) swap(idx, mid, lo)
    if (lower(scores, idx[hi]!, idx[lo]!)) swap(idx, hi, lo)
    if (lower(scores, idx[mid]!, idx[hi]!)) swap(idx, mid, hi)
    const pivot = idx[hi]!
    let store = lo
    for (let i = lo; i < hi; i++) {
      if (lower(scores, idx[i]!, pivot)) swap(idx, i, store++)
    }
    swap(idx, store, hi)
    if (store === target) return
    if (store < target) lo = store + 1
    else hi = store - 1
  }
}

function swap(a: Int32Array, i: number, j: number): void {
  const t = a[i]!
  a[i] = a[j]!
  a[j] = t
}

/** `[from, to)` as a fresh Int32Array (ascending). */
export function rangeArray(from: number, to: number): Int32Array {
  const out = new Int32Array(Math.max(0, to - from))
  for (let i = 0; i < out.length; i++) out[i] = from + i
  return out
}

/**
 * Evicts, from the candidate range `[from, to)`, all but the `keep` highest-scoring slots; returns the
 * evicted indices ascending (a fresh array of `to - from - keep` entries), or null when nothing goes.
 */
export function evictLowestInRange(
  scores: ArrayLike<number>,
  from: number,
  to: number,
  keep: number,
  scratch: PlanScratch,
): Int32Array | null {
  const n = to - from
  const drop = n - Math.max(0, keep)
  if (n <= 0 || drop <= 0) return null
  if (keep <= 0) return rangeArray(from, to)
  const idx = scratch.indexBuffer(n)
  for (let i = 0; i < n; i++) idx[i] = from + i
  selectLowest(scores, idx, n, drop)
  const out = idx.slice(0, drop)
  out.sort()
  return out
}
