import { copyArray, StateReader } from '@kv/tensor'
import type { KVPolicy, SlotPlan, SlotView } from '@kv/tensor/contracts'
import { evictLowestInRange, PlanScratch } from '../shared/select.js'
import { DecayedImportance } from './importance.js'
import {
  type AlisaPhase,
  alisaPhase,
  resolveSparseWindow,
  type SparseWindowOptions,
  sparseWindowBudget,
} from './schedule.js'

/**
 * The sparse-window plan on plain data: keeps `sinks`, the last `window` slots and the `topK` most
 * important of the others; evicts the rest. O(count) on average.
 *
 * @example
 * planSparseWindow({ count: 6 }, new Float32Array([9, 1, 8, 2, 3, 4]), { sinks: 0, window: 2, topK: 2 })
 * // { evict: Int32Array [1, 3] }
 */
export function planSparseWindow(
  view: Pick<SlotView, 'count'>,
  importance: ArrayLike<number>,
  budget: { readonly sinks: number; readonly window: number; readonly topK: number },
  scratch: PlanScratch = new PlanScratch(),
): SlotPlan | null {
  const from = Math.min(budget.sinks, view.count)
  const to = Math.max(from, view.count - budget.window)
  const evict = evictLowestInRange(importance, from, to, budget.topK, scratch)
  return evict === null ? null : { evict }
}

/**
 * ALISA sparse window attention (Zhao et al., 2024) on a one-tier cache. Phase 1 (length < sparseFrom):
 * everything kept. Phases 2 and 3: each head keeps the recent window and the top-k tokens by importance
 * (attention summed over the last steps); the others are dropped, where ALISA would offload them to the
 * CPU (phase 2) or delete them to recompute later (phase 3). Phases 2 and 3 therefore drop the same
 * slots here; `phase(length)` reports which one ALISA would be in.
 *
 * @example
 * const policy = sparseWindow({ window: 0.1, topK: 0.1, sparseFrom: 256 })
 * policy.phase(100) // 1: nothing dropped yet
 */
export function sparseWindow(
  options: SparseWindowOptions = {},
): KVPolicy & { phase(length: number): AlisaPhase } {
  const settings = resolveSparseWindow(options)
  const scratch = new PlanScratch()
  const heads = new Map<number, DecayedImportance>()
  return {
    name: `sparseWindow(window=${settings.window}, topK=${settings.topK}, history=${settings.history})`,
    needsAttention: true,
    phase: (length) => alisaPhase(length, settings),
    plan(view: SlotView): SlotPlan | null {
      const key = view.layer * 65536 + view.head
      let state = heads.get(key)
      if (state === undefined) {
        state = new DecayedImportance()
        heads.set(key, state)
      }
      const scores = scratch.floatBuffer(view.count)
      state.update(view, settings.history, scores)
      const length = view.position + 1
      let plan: SlotPlan | null = null
      if (alisaPhase(length, settings) !== 1) {
        const budget = sparseWindowBudget(settings, length)
        plan = planSparseWindow(view, scores, { sinks: settings.sinks, ...budget }, scratch)
      }
      state.commit(view.positions, scores, view.count, plan?.evict ?? null)
      return plan
    },
    reset() {
      heads.clear()
    },
    saveState() {
      const entries = [...heads]
      const saved = entries.map(([, importance]) => importance.saveState())
      return {
        keys: Int32Array.from(entries, ([key]) => key),
        positions: saved.map((s) => s.positions),
        scores: saved.map((s) => s.scores),
      }
    },
    loadState(state) {
      const read = new StateReader('sparseWindow', state)
      const keys = read.array('keys', Int32Array)
      const positions = read.list('positions')
      const scores = read.list('scores')
      if (positions.length !== keys.length || scores.length !== keys.length) {
        throw new RangeError('sparseWindow: saved keys, positions and scores differ in length')
      }
      const restored = Array.from(keys, (key, i) => {
        const importance = new DecayedImportance()
        const bad = (what: string) => (): never => {
          throw new TypeError(`sparseWindow: saved ${what}[${i}] is not the right typed array`)
        }
        importance.loadState(
          copyArray(positions[i]!, Int32Array, bad('positions')),
          copyArray(scores[i]!, Float32Array, bad('scores')),
        )
        return [key, importance] as const
      })
      heads.clear()
      for (const [key, importance] of restored) heads.set(key, importance)
    },
  }
}
