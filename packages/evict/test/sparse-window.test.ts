import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  alisaPhase,
  importanceFromView,
  planSparseWindow,
  resolveSparseWindow,
  sparseWindow,
  sparseWindowBudget,
} from '../src/index.js'
import { runSim } from './support/cache-sim.js'

describe('sparseWindow (ALISA)', () => {
  it('phase 1 keeps all; later phases keep the window and top-k, never more than the budget', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1, 3, 7),
        fc.constantFrom(0, 2, 5),
        fc.constantFrom(0, 20, 40),
        fc.constantFrom(0, 1),
        fc.nat(1000),
        (window, topK, sparseFrom, sinks, seed) => {
          const history = 4
          const policy = sparseWindow({ window, topK, sparseFrom, sinks, history })
          // The importance the paper defines, tracked here independently of the policy: a decayed sum
          // (decay 1 − 1/history) of each token's attention, started at mean × min(history, steps).
          const reference = new Map<string, Map<number, number>>()
          runSim(
            policy,
            { numLayers: 1, numHeads: 2, headDim: 2, prompt: 17, steps: 30, seed },
            ({ layer, head, view, plan, sim }) => {
              const previous = reference.get(`${layer}:${head}`) ?? new Map<number, number>()
              const importance = Array.from({ length: view.count }, (_, i) => {
                const before = previous.get(view.positions[i]!)
                if (before !== undefined) return (1 - 1 / history) * before + view.lastAttention[i]!
                const steps = Math.max(1, view.observed[i]!)
                return (view.attention[i]! / steps) * Math.min(history, steps)
              })
              const evicted = new Set(plan?.evict ?? [])
              reference.set(
                `${layer}:${head}`,
                new Map(
                  Array.from(view.positions).flatMap((p, i) => (evicted.has(i) ? [] : [[p, importance[i]!]])),
                ),
              )
              const length = sim.seen
              if (length < sparseFrom) {
                expect(policy.phase(length)).toBe(1)
                expect(sim.count).toBe(view.count)
                return
              }
              expect(sim.count).toBe(Math.min(view.count, sinks + window + topK))
              const kept = new Set(sim.positions)
              for (let i = Math.max(0, view.count - window); i < view.count; i++)
                expect(kept.has(view.positions[i]!)).toBe(true)
              if (sinks === 1) expect(kept.has(0)).toBe(true)
              // Top-k: no evicted token was more important than a candidate kept (outside sinks and window).
              let minKept = Number.POSITIVE_INFINITY
              let maxEvicted = Number.NEGATIVE_INFINITY
              for (let i = Math.min(sinks, view.count); i < view.count - window; i++) {
                if (evicted.has(i)) maxEvicted = Math.max(maxEvicted, importance[i]!)
                else minKept = Math.min(minKept, importance[i]!)
              }
              expect(maxEvicted).toBeLessThanOrEqual(minKept * (1 + 1e-6) + 1e-12)
            },
          )
        },
      ),
    )
  })

  it('with shares, keeps a constant share of the sequence', () => {
    const policy = sparseWindow({ window: 0.1, topK: 0.1 })
    runSim(
      policy,
      { numLayers: 1, numHeads: 1, headDim: 2, prompt: 40, steps: 40, seed: 5 },
      ({ view, sim }) => {
        const { window, topK } = sparseWindowBudget(resolveSparseWindow({ window: 0.1, topK: 0.1 }), sim.seen)
        // exactly the budget once the head holds more (never fewer: a policy that over-evicts fails)
        expect(sim.count).toBe(Math.min(view.count, window + topK))
      },
    )
  })

  it('scores importance by recent attention: a token attended long ago loses to one attended lately', () => {
    // Two candidates with equal totals: slot 1 earned its attention early, slot 2 late.
    const policy = sparseWindow({ window: 1, topK: 1, history: 2 })
    const base = {
      layer: 0,
      head: 0,
      numLayers: 1,
      numHeads: 1,
      headDim: 1,
      phase: 'decode' as const,
      tiers: new Uint8Array(4),
      mass: new Float32Array([1, 1, 1, 1]),
      keys: () => new Float32Array(4),
      values: () => new Float32Array(4),
    }
    // Step 1: slot 0 attended heavily.
    policy.plan({
      ...base,
      count: 2,
      position: 1,
      positions: Int32Array.of(0, 1),
      attention: Float32Array.of(1, 0),
      lastAttention: Float32Array.of(1, 0),
      observed: Float32Array.of(1, 1),
    })
    // Step 2 and 3: slot 1 attended, slot 0 not; slot 0 decays.
    const plan = policy.plan({
      ...base,
      count: 3,
      position: 2,
      positions: Int32Array.of(0, 1, 2),
      attention: Float32Array.of(1, 0.9, 0),
      lastAttention: Float32Array.of(0, 0.9, 0),
      observed: Float32Array.of(2, 2, 1),
    })
    expect(Array.from(plan!.evict!)).toEqual([0])
  })

  it('plans on plain arrays and reports the phase by length', () => {
    const plan = planSparseWindow({ count: 6 }, new Float32Array([9, 1, 8, 2, 3, 4]), {
      sinks: 0,
      window: 2,
      topK: 2,
    })
    expect(Array.from(plan!.evict!)).toEqual([1, 3])
    const view = { count: 2, attention: Float32Array.of(4, 1), observed: Float32Array.of(4, 1) }
    expect(Array.from(importanceFromView(view, 2))).toEqual([2, 1])
    expect(alisaPhase(10, { sparseFrom: 256, recomputeFrom: 1024 })).toBe(1)
    expect(alisaPhase(300, { sparseFrom: 256, recomputeFrom: 1024 })).toBe(2)
    expect(alisaPhase(2000, { sparseFrom: 256, recomputeFrom: 1024 })).toBe(3)
  })

  it('rejects bad options', () => {
    expect(() => sparseWindow({ history: 0 })).toThrow('sparseWindow: history must be an integer >= 1, got 0')
    expect(() => sparseWindow({ window: 1.5 })).toThrow(
      'window (a share in (0, 1) or a token count) must be an integer >= 0, got 1.5',
    )
    expect(() => sparseWindow({ sparseFrom: 100, recomputeFrom: 10 })).toThrow(
      'recomputeFrom must be in [100, Infinity], got 10',
    )
  })
})
