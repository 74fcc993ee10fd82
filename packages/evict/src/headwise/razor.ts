import type { SlotPlan, SlotView } from '@kv/tensor/contracts'
import { rangeArray } from '../shared/select.js'

/** Sizes of a non-retrieval head under RazorAttention. */
export interface RazorBudget {
  /** First tokens kept as they are (N0). */
  readonly sinks: number
  /** Minimum recent buffer (S0). */
  readonly recent: number
  /** Recent buffer as a share of the sequence length (1/C); the buffer is `max(recent, floor(ratio × N))`. */
  readonly ratio: number
}

/**
 * RazorAttention for one non-retrieval head on plain data. Layout after the plan:
 * `[sinks][compensation][recent buffer]`. The compensation slot is slot `sinks`: the oldest token outside
 * the buffer. Every slot between it and the buffer is merged into it with weight 1, so its key and value
 * are the mean of all dropped tokens (Razor's k̂, v̂) and its mass counts them (with `massBias`, attention
 * adds log(mass) to its logit, Razor's compensation). Stateless: the same rule at every step keeps
 * exactly one compensation slot. O(merged) time.
 *
 * @example
 * planRazorHead({ count: 12, position: 11 }, { sinks: 2, recent: 4, ratio: 0 })
 * // merge { from: [3, 4, 5, 6, 7], into: [2, 2, 2, 2, 2], weights: [1, 1, 1, 1, 1] }
 */
export function planRazorHead(
  view: Pick<SlotView, 'count' | 'position'>,
  budget: RazorBudget,
): SlotPlan | null {
  const buffer = Math.max(budget.recent, Math.floor(budget.ratio * (view.position + 1)))
  const compensation = budget.sinks
  const from = compensation + 1
  const to = view.count - buffer
  if (to <= from) return null
  const n = to - from
  return {
    merge: {
      from: rangeArray(from, to),
      into: new Int32Array(n).fill(compensation),
      weights: new Float32Array(n).fill(1),
    },
  }
}
