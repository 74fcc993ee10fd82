import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { planStreamingLLM, streamingLLM } from '../src/index.js'
import { runSim } from './support/cache-sim.js'

describe('streamingLLM', () => {
  it('keeps the sinks and the window, never more than sinks + window slots (compact positions)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0, 1, 3, 4),
        fc.constantFrom(1, 3, 7, 17),
        fc.constantFrom(1, 3, 17, 33),
        fc.nat(1000),
        (sinks, window, prompt, seed) => {
          const policy = streamingLLM({ sinks, window })
          expect(policy.attentionPositions).toBeDefined()
          expect(policy.needsAttention).toBe(false)
          runSim(policy, { numLayers: 1, numHeads: 2, headDim: 3, prompt, steps: 20, seed }, ({ sim }) => {
            const seen = sim.seen
            expect(sim.count).toBe(Math.min(seen, sinks + window))
            const expected = [
              ...Array.from({ length: Math.min(sinks, seen) }, (_, i) => i),
              ...Array.from(
                { length: Math.max(0, Math.min(window, seen - sinks)) },
                (_, i) => seen - Math.min(window, seen - sinks) + i,
              ),
            ]
            expect(sim.positions).toEqual(expected)
            // Compact positions: slot i sits at position i, so no position reaches sinks + window.
            expect(sim.count).toBeLessThanOrEqual(sinks + window)
          })
        },
      ),
    )
  })

  it('plans nothing while within budget and evicts the middle range past it', () => {
    expect(planStreamingLLM({ count: 6 }, { sinks: 2, window: 4 })).toBeNull()
    expect(Array.from(planStreamingLLM({ count: 10 }, { sinks: 2, window: 4 })!.evict!)).toEqual([2, 3, 4, 5])
  })

  it('uses the paper defaults and rejects bad options', () => {
    expect(streamingLLM().budget).toEqual({ sinks: 4, window: 508 })
    expect(() => streamingLLM({ window: 0 })).toThrow('streamingLLM: window must be an integer >= 1, got 0')
    expect(() => streamingLLM({ sinks: 1.5 })).toThrow(RangeError)
    expect(() => streamingLLM({ windw: 3 } as never)).toThrow(
      'streamingLLM: unknown option "windw" (did you mean "window"?); known options: sinks, window',
    )
  })
})
