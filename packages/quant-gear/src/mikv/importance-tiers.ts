import { checkNumberOption, checkOptionKeys } from '@kv/tensor'
import type { KVPolicy, SlotPlan, SlotView } from '@kv/tensor/contracts'
import { keepHighRange, recentRange } from '../shared/ranges.js'

/** Options of {@link importanceTiers}. */
export interface ImportanceTiersOptions {
  /** Fraction of a head's slots kept in tier 0 (recent ones included). Default 0.2 (MiKV keeps 20–50%). */
  readonly keepHigh?: number
  /** Fraction of the newest slots always kept in tier 0 (H2O's recent share). Default 0.1. */
  readonly recent?: number
}

/**
 * MiKV's importance policy: the tokens H2O would evict (lowest accumulated attention outside the recent
 * window) are demoted to tier 1 instead of dropped; `keepHigh` of the slots (the newest `recent` fraction
 * and the heaviest hitters) stay in tier 0. It never evicts and never promotes (lost precision cannot be
 * restored).
 *
 * @example
 * const cache = model.createCache({ policy: importanceTiers({ keepHigh: 0.2 }), codec: mixedPrecision() })
 */
export function importanceTiers(options: ImportanceTiersOptions = {}): KVPolicy {
  checkOptionKeys('importanceTiers', options, ['keepHigh', 'recent'])
  const keepHigh = checkNumberOption('importanceTiers', 'keepHigh', options.keepHigh ?? 0.2, keepHighRange)
  const recent = checkNumberOption('importanceTiers', 'recent', options.recent ?? 0.1, recentRange)
  if (recent > keepHigh) {
    throw new RangeError(
      `importanceTiers: recent must be a fraction in [0, keepHigh = ${keepHigh}], got ${recent}`,
    )
  }
  return {
    name: `importanceTiers(keepHigh ${keepHigh}, recent ${recent})`,
    needsAttention: true,
    // Demotes to tier 1: the cache refuses a codec without a second tier.
    tiers: 1,
    plan(view: SlotView): SlotPlan | null {
      const demote = slotsToDemote(view.attention, view.tiers, view.count, keepHigh, recent)
      return demote.length === 0 ? null : { demote: [{ slots: demote, tier: 1 }] }
    },
  }
}

/**
 * Slots of tier 0 to move to tier 1: all but the newest `ceil(recent · count)` and the
 * `round(keepHigh · count) − recent` heaviest of the rest by accumulated attention (ties: older first).
 *
 * @example
 * slotsToDemote(attention, tiers, 100, 0.2, 0.1) // about 80 slots the first time
 */
export function slotsToDemote(
  attention: Float32Array,
  tiers: Uint8Array,
  count: number,
  keepHigh: number,
  recent: number,
): Int32Array {
  const recentCount = Math.min(count, Math.ceil(recent * count))
  const highBudget = Math.max(recentCount, Math.round(keepHigh * count))
  const older = count - recentCount
  const order = Array.from({ length: older }, (_, i) => i)
  order.sort((a, b) => attention[b]! - attention[a]! || a - b)
  const keep = new Uint8Array(older)
  for (let i = 0; i < Math.min(older, highBudget - recentCount); i++) keep[order[i]!] = 1
  let n = 0
  for (let s = 0; s < older; s++) if (keep[s] === 0 && tiers[s] === 0) n++
  const demote = new Int32Array(n)
  for (let s = 0, j = 0; s < older; s++) if (keep[s] === 0 && tiers[s] === 0) demote[j++] = s
  return demote
}
