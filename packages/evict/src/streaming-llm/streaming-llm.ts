import type { KVPolicy, SlotPlan, SlotView } from '@kv/tensor/contracts'
import { rangeArray } from '../shared/select.js'
import { checkInteger, checkKnownKeys } from '../shared/validate.js'

/** Options of {@link streamingLLM}: attention sinks and the recent window, in tokens. */
export interface StreamingLLMOptions {
  /** First tokens always kept (attention sinks). Paper default 4. */
  readonly sinks?: number
  /** Most recent tokens kept. Paper defaults 508, 1020, 2044 (cache of 512, 1024, 2048). */
  readonly window?: number
}

/** Resolved StreamingLLM sizes. */
export interface StreamingLLMBudget {
  readonly sinks: number
  readonly window: number
}

/**
 * The StreamingLLM plan on plain data: evicts slots `[sinks, count - window)` when `count` exceeds
 * `sinks + window`. O(evicted) time, allocates only the evicted list.
 *
 * @example
 * planStreamingLLM({ count: 10 }, { sinks: 2, window: 4 }) // { evict: Int32Array [2, 3, 4, 5] }
 */
export function planStreamingLLM(view: Pick<SlotView, 'count'>, budget: StreamingLLMBudget): SlotPlan | null {
  const from = budget.sinks
  const to = view.count - budget.window
  if (to <= from) return null
  return { evict: rangeArray(from, to) }
}

/**
 * Checks and fills in StreamingLLM options (paper defaults sinks 4, window 508).
 *
 * @example
 * resolveStreamingLLM({ window: 1020 }) // { sinks: 4, window: 1020 }
 */
export function resolveStreamingLLM(options: StreamingLLMOptions = {}): StreamingLLMBudget {
  checkKnownKeys('streamingLLM', options, ['sinks', 'window'])
  const sinks = checkInteger('streamingLLM', 'sinks', options.sinks ?? 4, 0)
  const window = checkInteger('streamingLLM', 'window', options.window ?? 508, 1)
  return { sinks, window }
}

/**
 * StreamingLLM (Xiao et al., 2023): keep the first `sinks` tokens and the last `window`. Positions are
 * compact (slot i sits at position i), so the model never sees a position beyond `sinks + window`.
 *
 * @example
 * const policy = streamingLLM({ sinks: 4, window: 508 })
 * policy.plan(view) // evicts everything between the sinks and the window
 */
export function streamingLLM(
  options: StreamingLLMOptions = {},
): KVPolicy & { readonly budget: StreamingLLMBudget } {
  const budget = resolveStreamingLLM(options)
  return {
    name: `streamingLLM(sinks=${budget.sinks}, window=${budget.window})`,
    needsAttention: false,
    budget,
    attentionPositions: compactPositions,
    plan: (view) => planStreamingLLM(view, budget),
  }
}

/**
 * StreamingLLM's positions inside the cache: slot i is attended at position i and the query at the last
 * slot's, so distances stay within what the model was trained on however long the sequence runs.
 */
export function compactPositions(_stored: Int32Array, count: number, out: Int32Array): number {
  for (let slot = 0; slot < count; slot++) out[slot] = slot
  return count - 1
}
