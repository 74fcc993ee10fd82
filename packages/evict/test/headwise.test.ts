import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { headwise, planRazorHead } from '../src/index.js'
import { runSim } from './support/cache-sim.js'

const flagsOf = (layers: number, heads: number, seed: number) =>
  Array.from({ length: layers }, (_, l) =>
    Array.from({ length: heads }, (_, h) => ((seed >> (l * heads + h)) & 1) === 1),
  )

describe('headwise razor', () => {
  it('retrieval heads keep all; others keep sinks + compensation + buffer; mass is conserved exactly', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0, 1, 4),
        fc.constantFrom(1, 3, 7),
        fc.constantFrom(0, 0.1, 0.5),
        fc.constantFrom(1, 17, 33),
        fc.nat(255),
        (sinks, recent, ratio, prompt, seed) => {
          const retrievalHeads = flagsOf(2, 3, seed)
          const policy = headwise({ retrievalHeads, mode: 'razor', sinks, recent, ratio })
          expect(policy.adjustLogits).toBeDefined()
          runSim(
            policy,
            { numLayers: 2, numHeads: 3, headDim: 4, prompt, steps: 20, seed },
            ({ layer, head, sim }) => {
              const n = sim.seen
              if (retrievalHeads[layer]![head]) {
                expect(sim.count).toBe(n)
              } else {
                const buffer = Math.max(recent, Math.floor(ratio * n))
                expect(sim.count).toBe(Math.min(n, sinks + 1 + buffer))
                // The buffer is the most recent tokens, the sinks are the first ones.
                for (let i = 0; i < Math.min(sinks, n); i++) expect(sim.positions[i]).toBe(i)
                expect(sim.positions.slice(-Math.min(buffer, n))).toEqual(
                  Array.from({ length: Math.min(buffer, n) }, (_, i) => n - Math.min(buffer, n) + i),
                )
              }
              expect(sim.droppedMass).toBe(0)
              expect(sim.keptMass()).toBeCloseTo(n, 6)
            },
          )
        },
      ),
    )
  })

  it('the compensation slot holds the mean key and value of every token it absorbed', () => {
    const policy = headwise({ retrievalHeads: [[false]], mode: 'razor', sinks: 2, recent: 3, ratio: 0 })
    const keys: Float32Array[] = []
    const heads = runSim(
      policy,
      { numLayers: 1, numHeads: 1, headDim: 3, prompt: 5, steps: 12, seed: 9 },
      ({ view }) => {
        const all = view.keys()
        // Record each token's original key the first time it is seen.
        for (let i = 0; i < view.count; i++) {
          const p = view.positions[i]!
          if (keys[p] === undefined && view.mass[i] === 1) keys[p] = all.slice(i * 3, i * 3 + 3)
        }
      },
    )
    const sim = heads[0]![0]!
    expect(sim.count).toBe(2 + 1 + 3)
    const comp = sim.keys[2]!
    const absorbed = sim.mass[2]!
    expect(absorbed).toBe(17 - 2 - 3)
    for (let j = 0; j < 3; j++) {
      let mean = 0
      for (let p = 2; p < 2 + absorbed; p++) mean += keys[p]![j]! / absorbed
      expect(comp[j]).toBeCloseTo(mean, 5)
    }
  })

  it('plans merges into slot `sinks` on plain data', () => {
    const plan = planRazorHead({ count: 12, position: 11 }, { sinks: 2, recent: 4, ratio: 0 })!
    expect(Array.from(plan.merge!.from)).toEqual([3, 4, 5, 6, 7])
    expect(Array.from(plan.merge!.into)).toEqual([2, 2, 2, 2, 2])
    expect(plan.evict).toBeUndefined()
  })
})

describe('headwise duo', () => {
  it('retrieval heads keep all; streaming heads keep sinks + recent and drop the rest', () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 2, 4), fc.constantFrom(1, 5, 9), fc.nat(255), (sinks, recent, seed) => {
        const retrievalHeads = flagsOf(1, 4, seed)
        const policy = headwise({ retrievalHeads, mode: 'duo', sinks, recent })
        expect(policy.adjustLogits).toBeUndefined()
        runSim(
          policy,
          { numLayers: 1, numHeads: 4, headDim: 2, prompt: 17, steps: 10, seed },
          ({ head, sim }) => {
            expect(sim.count).toBe(retrievalHeads[0]![head] ? sim.seen : Math.min(sim.seen, sinks + recent))
            expect(sim.keptMass() + sim.droppedMass).toBe(sim.seen)
            // Which tokens: all of them on a retrieval head; the first `sinks` and the newest `recent` else.
            const expected = Array.from({ length: sim.seen }, (_, p) => p).filter(
              (p) => retrievalHeads[0]![head] || p < sinks || p >= sim.seen - recent,
            )
            expect(sim.positions).toEqual(expected)
          },
        )
      }),
    )
  })

  it('selects the configured share of heads from scores (50% by default for duo)', () => {
    const scores = {
      model: 't',
      numLayers: 2,
      numKVHeads: 2,
      echo: [
        [0, 0],
        [0, 0],
      ],
      induction: [
        [0.9, 0.1],
        [0.2, 0.8],
      ],
    }
    expect(
      headwise({ retrievalHeads: JSON.stringify(scores), mode: 'duo', fraction: 0.25 }).retrieval,
    ).toEqual([
      [true, false],
      [false, false],
    ])
    expect(headwise({ retrievalHeads: scores, mode: 'duo' }).retrieval).toEqual([
      [true, false],
      [false, true],
    ])
  })

  it('rejects a head map that does not match the cache, and bad options', () => {
    const policy = headwise({ retrievalHeads: [[true, false]], mode: 'duo' })
    expect(() =>
      runSim(policy, { numLayers: 2, numHeads: 2, headDim: 2, prompt: 3, steps: 0, seed: 1 }),
    ).toThrow('headwise: retrievalHeads is 1 layers × 2 KV heads, the cache has 2 × 2')
    expect(() => headwise({ retrievalHeads: [[true], [1 as never]] })).toThrow(
      'retrievalHeads[1][0] must be a boolean',
    )
    expect(() => headwise({ retrievalHeads: [[true]], mode: 'duo', ratio: 0.2 })).toThrow(
      'ratio applies to mode razor only',
    )
    expect(() => headwise({ retrievalHeads: [[true]], fraction: 2 })).toThrow(
      'headwise: fraction must be in [0, 1], got 2',
    )
  })
})
