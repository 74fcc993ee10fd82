import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { h2o, h2oBudget, planH2O, resolveH2OSettings } from '../src/index.js'
import { runSim } from './support/cache-sim.js'

describe('h2o', () => {
  it('keeps sinks, the recent window and the true heavy hitters; never exceeds the budget (tokens)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0, 1, 4),
        fc.constantFrom(0, 1, 3, 7),
        fc.constantFrom(1, 3, 17),
        fc.constantFrom(1, 7, 33),
        fc.nat(1000),
        (sinks, heavyTokens, recentTokens, prompt, seed) => {
          const policy = h2o({ heavyTokens, recentTokens, sinks })
          runSim(
            policy,
            { numLayers: 2, numHeads: 2, headDim: 3, prompt, steps: 25, seed },
            ({ view, plan, sim }) => {
              const budget = sinks + heavyTokens + recentTokens
              expect(sim.count).toBe(Math.min(view.count, budget))
              const kept = new Set(sim.positions)
              for (let i = 0; i < Math.min(sinks, view.count); i++)
                expect(kept.has(view.positions[i]!)).toBe(true)
              for (let i = Math.max(0, view.count - recentTokens); i < view.count; i++) {
                expect(kept.has(view.positions[i]!)).toBe(true)
              }
              // Every evicted slot scored no higher than every kept candidate.
              const evicted = new Set(plan?.evict ?? [])
              let minKept = Number.POSITIVE_INFINITY
              let maxEvicted = Number.NEGATIVE_INFINITY
              for (let i = sinks; i < view.count - recentTokens; i++) {
                if (evicted.has(i)) maxEvicted = Math.max(maxEvicted, view.attention[i]!)
                else minKept = Math.min(minKept, view.attention[i]!)
              }
              if (evicted.size > 0 && minKept < Number.POSITIVE_INFINITY)
                expect(maxEvicted).toBeLessThanOrEqual(minKept)
            },
          )
        },
      ),
    )
  })

  it('with ratios of the prompt, compresses once then evicts exactly one slot per decode step', () => {
    fc.assert(
      fc.property(fc.constantFrom(10, 33, 65), fc.nat(1000), (prompt, seed) => {
        const policy = h2o({ heavy: 0.1, recent: 0.2 })
        const budget = Math.floor(0.1 * prompt) + Math.floor(0.2 * prompt)
        runSim(
          policy,
          { numLayers: 1, numHeads: 1, headDim: 2, prompt, steps: 10, seed },
          ({ phase, plan, sim }) => {
            expect(sim.count).toBe(budget)
            if (phase === 'decode') expect(plan?.evict?.length).toBe(1)
            else expect(plan?.evict?.length).toBe(prompt - budget)
          },
        )
      }),
    )
  })

  it('with ratios of the sequence, keeps a constant share of everything seen', () => {
    const policy = h2o({ heavy: 0.25, recent: 0.25, ratioOf: 'sequence' })
    runSim(policy, { numLayers: 1, numHeads: 1, headDim: 2, prompt: 17, steps: 30, seed: 3 }, ({ sim }) => {
      expect(sim.count).toBeLessThanOrEqual(2 * Math.floor(0.25 * sim.seen))
    })
  })

  it('accepts the budget as a total token count split heavy : recent', () => {
    expect(h2oBudget(resolveH2OSettings({ budget: 512 }), 10_000)).toEqual({
      sinks: 0,
      heavy: 256,
      recent: 256,
    })
    expect(h2oBudget(resolveH2OSettings({ budget: 100, heavy: 0.3, recent: 0.1 }), 1)).toEqual({
      sinks: 0,
      heavy: 75,
      recent: 25,
    })
    expect(h2oBudget(resolveH2OSettings({}), 1000)).toEqual({ sinks: 0, heavy: 100, recent: 100 })
  })

  it('plans on plain arrays', () => {
    const attention = new Float32Array([5, 0.1, 3, 0.2, 0.3, 1])
    expect(Array.from(planH2O({ count: 6, attention }, { sinks: 0, heavy: 2, recent: 2 })!.evict!)).toEqual([
      1, 3,
    ])
    expect(planH2O({ count: 3, attention }, { sinks: 0, heavy: 2, recent: 2 })).toBeNull()
  })

  it('rejects bad options at construction', () => {
    expect(() => h2o({ heavy: 1.5 })).toThrow('h2o: heavy must be in [0, 1], got 1.5')
    expect(() => h2o({ recent: Number.NaN })).toThrow(TypeError)
    expect(() => h2o({ budget: 512, heavyTokens: 3 })).toThrow('budget cannot be combined')
    expect(() => h2o({ budget: 0 })).toThrow('h2o: budget must be an integer >= 1, got 0')
    expect(() => h2o({ ratioOf: 'tokens' as never })).toThrow("ratioOf must be 'prompt' or 'sequence'")
  })
})
