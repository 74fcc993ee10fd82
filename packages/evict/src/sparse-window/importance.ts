import type { SlotView } from '@kv/tensor/contracts'

/**
 * Importance of the slots a head holds: attention summed over recent steps, as an exponentially decayed
 * sum with horizon `history` (decay 1 − 1/history), tracked by token position so that it survives
 * evictions. A slot seen for the first time starts from its mean attention per step × min(history,
 * steps observed), the steady state of the decayed sum.
 */
export class DecayedImportance {
  private positions = new Int32Array(0)
  private scores = new Float32Array(0)
  private n = 0

  /** Updates the scores with the view's last step and writes them, per slot, into `out`. O(count). */
  update(
    view: Pick<SlotView, 'count' | 'positions' | 'attention' | 'lastAttention' | 'observed'>,
    history: number,
    out: Float32Array,
  ): void {
    const decay = 1 - 1 / history
    let s = 0
    for (let i = 0; i < view.count; i++) {
      const position = view.positions[i]!
      while (s < this.n && this.positions[s]! < position) s++
      if (s < this.n && this.positions[s] === position) {
        out[i] = decay * this.scores[s]! + view.lastAttention[i]!
        s++
      } else {
        const steps = Math.max(1, view.observed[i]!)
        out[i] = (view.attention[i]! / steps) * Math.min(history, steps)
      }
    }
  }

  /** Keeps the scores of the slots that stay: all of `scores[0..count)` except the ascending `evicted`. */
  commit(positions: Int32Array, scores: Float32Array, count: number, evicted: Int32Array | null): void {
    if (this.positions.length < count) {
      this.positions = new Int32Array(Math.max(count, this.positions.length * 2))
      this.scores = new Float32Array(this.positions.length)
    }
    let e = 0
    let k = 0
    for (let i = 0; i < count; i++) {
      if (evicted !== null && e < evicted.length && evicted[e] === i) {
        e++
        continue
      }
      this.positions[k] = positions[i]!
      this.scores[k++] = scores[i]!
    }
    this.n = k
  }

  /** The scores kept, as plain data. */
  saveState(): { positions: Int32Array; scores: Float32Array } {
    return { positions: this.positions.slice(0, this.n), scores: this.scores.slice(0, this.n) }
  }

  loadState(positions: Int32Array, scores: Float32Array): void {
    if (positions.length !== scores.length) {
      throw new RangeError('sparseWindow: saved positions and scores differ in length')
    }
    this.positions = Int32Array.from(positions)
    this.scores = Float32Array.from(scores)
    this.n = positions.length
  }
}

/**
 * Stateless importance for the plain-function API: mean attention per step × min(history, steps observed).
 *
 * @example
 * planSparseWindow(view, importanceFromView(view, 16), { sinks: 0, window: 64, topK: 64 })
 */
export function importanceFromView(
  view: Pick<SlotView, 'count' | 'attention' | 'observed'>,
  history: number,
  out: Float32Array = new Float32Array(view.count),
): Float32Array {
  for (let i = 0; i < view.count; i++) {
    const steps = Math.max(1, view.observed[i]!)
    out[i] = (view.attention[i]! / steps) * Math.min(history, steps)
  }
  return out
}
