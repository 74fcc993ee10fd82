import { StateReader } from '@kv/tensor'
import type { KVPolicy, SlotPlan, SlotView } from '@kv/tensor/contracts'
import { evictLowestInRange, PlanScratch } from '../shared/select.js'
import { type H2OBudget, type H2OOptions, h2oBudget, resolveH2OSettings } from './budget.js'

/**
 * The H2O plan on plain data: keeps the first `sinks` slots, the last `recent`, and among the others the
 * `heavy` with the largest accumulated attention; evicts the rest. Ties evict the older slot.
 * O(count) on average (quickselect); pass a {@link PlanScratch} to avoid allocating per call.
 *
 * @example
 * const attention = new Float32Array([5, 0.1, 3, 0.2, 0.3, 1])
 * planH2O({ count: 6, attention }, { sinks: 0, heavy: 2, recent: 2 }) // { evict: Int32Array [1, 3] }
 */
export function planH2O(
  view: Pick<SlotView, 'count' | 'attention'>,
  budget: H2OBudget,
  scratch: PlanScratch = new PlanScratch(),
): SlotPlan | null {
  const from = Math.min(budget.sinks, view.count)
  const to = Math.max(from, view.count - budget.recent)
  const evict = evictLowestInRange(view.attention, from, to, budget.heavy, scratch)
  return evict === null ? null : { evict }
}

/**
 * H2O, Heavy-Hitter Oracle (Zhang et al., 2023): keep the heavy hitters (largest attention accumulated over
 * all steps, from `view.attention`) and the most recent tokens. With ratios of the prompt (the default) the
 * budget is fixed at the first plan, so decoding evicts one slot per step once over budget; a cache that
 * starts without a prompt takes the ratios of the sequence so far.
 *
 * @example
 * const policy = h2o({ heavy: 0.1, recent: 0.1 })   // 20% of the prompt
 * const fixed = h2o({ budget: 512 })                // 256 heavy + 256 recent
 * const tokens = h2o({ heavyTokens: 64, recentTokens: 192, sinks: 4 })
 */
export function h2o(options: H2OOptions = {}): KVPolicy {
  const settings = resolveH2OSettings(options)
  const scratch = new PlanScratch()
  let promptLength = -1
  return {
    name: `h2o(heavy=${settings.heavyTokens ?? settings.heavyRatio}, recent=${settings.recentTokens ?? settings.recentRatio})`,
    needsAttention: true,
    plan(view: SlotView): SlotPlan | null {
      const length = view.position + 1
      // Without a prompt (streaming from an empty cache) there is nothing to fix the budget to: it follows
      // the sequence, which is what the streaming protocol of the papers measures.
      if (promptLength < 0) promptLength = view.phase === 'prefill' ? length : 0
      const base = settings.ratioOf === 'prompt' && promptLength > 0 ? promptLength : length
      const budget = h2oBudget(settings, base)
      return planH2O(view, budget, scratch)
    },
    reset() {
      promptLength = -1
    },
    saveState: () => ({ promptLength }),
    loadState(state) {
      promptLength = new StateReader('h2o', state).number('promptLength', { integer: true, min: -1 })
    },
  }
}
