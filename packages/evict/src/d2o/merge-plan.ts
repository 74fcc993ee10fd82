import type { SlotPlan, SlotView } from '@kv/tensor/contracts'
import type { H2OBudget } from '../h2o/budget.js'
import { evictLowestInRange, PlanScratch } from '../shared/select.js'

/** The EMA threshold of D2O's merge step: `τ_t = α τ_{t−1} + β m_t` (the first step: τ = m). */
export interface D2OThreshold {
  readonly alpha: number
  readonly beta: number
  /** τ before this step; null before the first eviction of the head. */
  readonly value: number | null
}

/** A D2O plan and the head's threshold after it. */
export interface D2OStep {
  readonly plan: SlotPlan | null
  readonly threshold: number | null
}

/**
 * One D2O step for one head on plain data. Selection as H2O (sinks, heavy hitters by accumulated
 * attention, recent). Each slot selected for eviction finds its cosine-nearest kept key (sinks, heavy
 * hitters and recent alike). With m = the mean of those best similarities, the threshold moves to
 * `τ = α τ + β m` (τ = m the first time); a slot whose best similarity is ≥ τ and > 0 is merged into
 * its nearest kept slot with weight = similarity, the others are evicted outright.
 * O(evicted × kept × headDim) time: one kept-set scan per evicted slot (one per decode step).
 *
 * @example
 * const step = planD2O(view, { sinks: 4, heavy: 50, recent: 50 }, { alpha: 0.5, beta: 0.5, value: null })
 * step.plan?.merge // slots merged into their nearest kept neighbours
 */
export function planD2O(
  view: Pick<SlotView, 'count' | 'attention' | 'headDim' | 'keys'>,
  budget: H2OBudget,
  threshold: D2OThreshold,
  scratch: PlanScratch = new PlanScratch(),
): D2OStep {
  const count = view.count
  const from = Math.min(budget.sinks, count)
  const to = Math.max(from, count - budget.recent)
  const evicted = evictLowestInRange(view.attention, from, to, budget.heavy, scratch)
  if (evicted === null) return { plan: null, threshold: threshold.value }
  const d = view.headDim
  const keys = view.keys()
  const keptCount = count - evicted.length
  const kept = scratch.indexBuffer(keptCount)
  const norms = scratch.floatBuffer(count)
  let k = 0
  let e = 0
  for (let i = 0; i < count; i++) {
    let s = 0
    for (let j = i * d, end = j + d; j < end; j++) s += keys[j]! * keys[j]!
    norms[i] = Math.sqrt(s)
    if (e < evicted.length && evicted[e] === i) e++
    else kept[k++] = i
  }
  const best = new Int32Array(evicted.length)
  const bestSim = new Float32Array(evicted.length)
  let meanSim = 0
  for (let x = 0; x < evicted.length; x++) {
    const ev = evicted[x]!
    const base = ev * d
    let top = -1
    let topSim = Number.NEGATIVE_INFINITY
    for (let y = 0; y < keptCount; y++) {
      const target = kept[y]!
      const denom = norms[ev]! * norms[target]!
      let dot = 0
      if (denom > 0) for (let j = 0, t = target * d; j < d; j++) dot += keys[base + j]! * keys[t + j]!
      const sim = denom > 0 ? dot / denom : 0
      if (sim > topSim) {
        topSim = sim
        top = target
      }
    }
    best[x] = top
    bestSim[x] = topSim
    meanSim += topSim
  }
  meanSim /= evicted.length
  const tau =
    threshold.value === null ? meanSim : threshold.alpha * threshold.value + threshold.beta * meanSim
  let merged = 0
  for (let x = 0; x < evicted.length; x++)
    if (best[x]! >= 0 && bestSim[x]! >= tau && bestSim[x]! > 0) merged++
  if (merged === 0) return { plan: { evict: evicted }, threshold: tau }
  const from_ = new Int32Array(merged)
  const into = new Int32Array(merged)
  const weights = new Float32Array(merged)
  const dropped = new Int32Array(evicted.length - merged)
  let m = 0
  let dr = 0
  for (let x = 0; x < evicted.length; x++) {
    if (best[x]! >= 0 && bestSim[x]! >= tau && bestSim[x]! > 0) {
      from_[m] = evicted[x]!
      into[m] = best[x]!
      weights[m++] = bestSim[x]!
    } else dropped[dr++] = evicted[x]!
  }
  const plan: SlotPlan =
    dropped.length > 0
      ? { evict: dropped, merge: { from: from_, into, weights } }
      : { merge: { from: from_, into, weights } }
  return { plan, threshold: tau }
}
