import type { SlotPlan, SlotView } from '@kv/tensor/contracts'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { d2o, d2oLayerRatios, layerVarianceScore, planD2O } from '../src/index.js'
import { runSim } from './support/cache-sim.js'

describe('d2o layer budgets', () => {
  it('softmax(−score) × L × ρ sums to L × ρ; ratios clamped to [0.01, 1]; protected layers uncompressed', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 65 }),
        fc.double({ min: 0.001, max: 1, noNaN: true }),
        (scores, rho) => {
          const L = scores.length
          const { raw, ratios } = d2oLayerRatios(scores, { rho, protect: [0, 1, -1] })
          expect(raw.reduce((a, b) => a + b, 0)).toBeCloseTo(L * rho, 9)
          for (let l = 0; l < L; l++) {
            if (l === 0 || l === 1 || l === L - 1) expect(ratios[l]).toBe(1)
            else {
              expect(ratios[l]).toBeGreaterThanOrEqual(0.01)
              expect(ratios[l]).toBeLessThanOrEqual(1)
              expect(ratios[l]).toBeCloseTo(Math.min(1, Math.max(0.01, raw[l]!)), 12)
            }
          }
          // Lower variance, larger budget.
          for (let a = 0; a < L; a++)
            for (let b = 0; b < L; b++)
              if (scores[a]! < scores[b]!) expect(raw[a]).toBeGreaterThanOrEqual(raw[b]!)
        },
      ),
    )
  })

  it('scores a layer by min–max normalised head variances (0 when all heads alike)', () => {
    expect(layerVarianceScore([new Float64Array([1, 2, 3])])).toBe(0)
    expect(layerVarianceScore([new Float64Array([1, 1, 1]), new Float64Array([0, 3, 0])])).toBeCloseTo(0.5, 5)
  })
})

let mergesSeen = 0

/** Each merge goes to the cosine-nearest kept slot, with weight = that similarity, in (0, 1]. */
function checkMerges(view: SlotView, plan: SlotPlan | null): void {
  if (!plan?.merge) return
  const keys = view.keys()
  const d = view.headDim
  const cos = (a: number, b: number) => {
    let dot = 0
    let na = 0
    let nb = 0
    for (let j = 0; j < d; j++) {
      dot += keys[a * d + j]! * keys[b * d + j]!
      na += keys[a * d + j]! ** 2
      nb += keys[b * d + j]! ** 2
    }
    return dot / Math.sqrt(na * nb)
  }
  const gone = new Set([...(plan.evict ?? []), ...plan.merge.from])
  const { from, into, weights } = plan.merge
  for (let i = 0; i < from.length; i++) {
    mergesSeen++
    expect(weights[i]).toBeGreaterThan(0)
    expect(weights[i]).toBeLessThanOrEqual(1 + 1e-6)
    expect(weights[i]).toBeCloseTo(cos(from[i]!, into[i]!), 4)
    for (let k = 0; k < view.count; k++)
      if (!gone.has(k)) expect(cos(from[i]!, k)).toBeLessThanOrEqual(weights[i]! + 1e-5)
  }
}

describe('d2o policy', () => {
  afterAll(() => {
    // The synthetic keys come in a few clusters, so merges must have happened.
    expect(mergesSeen).toBeGreaterThan(0)
  })

  it('never exceeds a layer budget, keeps sinks and recent, leaves protected layers untouched, conserves claimed mass', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(3, 4, 7),
        fc.constantFrom(17, 33, 40),
        fc.constantFrom(0.05, 0.1, 0.3),
        fc.nat(1000),
        (numLayers, prompt, share, seed) => {
          const policy = d2o({ heavy: share, recent: share, sinks: 2 })
          let ratios: Float64Array | null
          runSim(
            policy,
            { numLayers, numHeads: 2, headDim: 4, prompt, steps: 12, seed },
            ({ layer, view, plan, sim }) => {
              checkMerges(view, plan)
              const isProtected = layer === 0 || layer === 1 || layer === numLayers - 1
              if (isProtected) {
                expect(sim.count).toBe(sim.seen)
                return
              }
              // Fixed at the first unprotected plan; protected layers read 1.
              ratios = policy.layerRatios()
              const ratio = ratios![layer]!
              expect(ratios![0]).toBe(1)
              expect(ratios![numLayers - 1]).toBe(1)
              const heavy = Math.max(0, Math.floor((prompt * ratio) / 2) - 2)
              const recent = Math.floor((prompt * ratio) / 2)
              expect(sim.count).toBe(Math.min(view.count, 2 + heavy + recent))
              const kept = new Set(sim.positions)
              for (let i = 0; i < Math.min(2, view.count); i++)
                expect(kept.has(view.positions[i]!)).toBe(true)
              for (let i = Math.max(0, view.count - recent); i < view.count; i++)
                expect(kept.has(view.positions[i]!)).toBe(true)
              // Heavy hitters: no slot that left (evicted or merged away) scored more than a candidate kept.
              const gone = new Set([...(plan?.evict ?? []), ...(plan?.merge?.from ?? [])])
              let minKept = Number.POSITIVE_INFINITY
              let maxGone = Number.NEGATIVE_INFINITY
              for (let i = Math.min(2, view.count); i < view.count - recent; i++) {
                if (gone.has(i)) maxGone = Math.max(maxGone, view.attention[i]!)
                else minKept = Math.min(minKept, view.attention[i]!)
              }
              expect(maxGone).toBeLessThanOrEqual(minKept)
              // Mass: kept slots hold the tokens never dropped plus exactly what merges claimed; no merge claims
              // more than its source held (weights in (0, 1]), so dropped mass never goes negative.
              expect(sim.keptMass()).toBeCloseTo(sim.seen - sim.droppedMass, 3)
              expect(sim.droppedMass).toBeGreaterThanOrEqual(sim.evictedMass - 1e-9)
            },
          )
        },
      ),
    )
  })

  it('merges an evicted key into its cosine-nearest kept key with weight = similarity, above the EMA threshold', () => {
    // Slots: 0 sink; 1, 2 candidates; 3 recent. Slot 1 is parallel to 3, slot 2 is orthogonal to everything.
    const keys = new Float32Array([0, 0, 1, 1, 0, 0, 0, 1, 0, 2, 0, 0])
    const view = { count: 4, headDim: 3, attention: new Float32Array([9, 0.1, 0.2, 1]), keys: () => keys }
    const first = planD2O(view, { sinks: 1, heavy: 0, recent: 1 }, { alpha: 0.5, beta: 0.5, value: null })
    // Best similarities: slot 1 → 1 (slot 3), slot 2 → 0; τ = mean = 0.5.
    expect(first.threshold).toBeCloseTo(0.5, 6)
    expect(Array.from(first.plan!.merge!.from)).toEqual([1])
    expect(Array.from(first.plan!.merge!.into)).toEqual([3])
    expect(first.plan!.merge!.weights[0]).toBeCloseTo(1, 6)
    expect(Array.from(first.plan!.evict!)).toEqual([2])
    // EMA: τ = α τ_prev + β m with τ_prev = 0.9 → 0.7 > 0.5 still merges slot 1 (sim 1).
    const second = planD2O(view, { sinks: 1, heavy: 0, recent: 1 }, { alpha: 0.5, beta: 0.5, value: 0.9 })
    expect(second.threshold).toBeCloseTo(0.7, 6)
  })

  it('defers during the prompt, then needs the prefill attention of every layer; validates options', () => {
    const policy = d2o()
    const view = {
      layer: 2,
      head: 0,
      numLayers: 4,
      numHeads: 1,
      headDim: 1,
      count: 1,
      position: 0,
      phase: 'prefill' as const,
      positions: new Int32Array(1),
      attention: new Float32Array(1),
      lastAttention: new Float32Array(1),
      observed: new Float32Array(1),
      tiers: new Uint8Array(1),
      mass: new Float32Array([1]),
      keys: () => new Float32Array(1),
      values: () => new Float32Array(1),
    }
    // During the prompt a layer whose deeper layers are not observed yet is deferred, not compressed.
    expect(policy.plan(view)).toBeNull()
    expect(() => policy.plan({ ...view, phase: 'decode' })).toThrow(
      'd2o: no prefill attention observed for layer 0, head 0',
    )
    expect(() => d2o({ alpha: 2 })).toThrow('d2o: alpha must be in [0, 1], got 2')
    expect(() => d2o({ heavy: 0, recent: 0 })).toThrow('heavy + recent must be > 0')
    expect(() => d2o({ protectLayers: [0.5] })).toThrow(RangeError)
  })
})
