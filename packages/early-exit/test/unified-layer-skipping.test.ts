import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { unifiedLayerSkipping, uniformSkipCount, uniformSkipSet } from '../src/index.js'
import { simulateCache } from './cache-simulator.js'

/** Evenly spread over [0, 1]; `fc.double` favours the ends of the range. */
const fraction = fc.integer({ min: 0, max: 1 << 20 }).map((i) => i / (1 << 20))

/** A depth and a speed-up that skips at most the middle layers. */
const feasible = fc.tuple(fc.integer({ min: 1, max: 96 }), fraction).map(([numLayers, fraction]) => {
  // The largest allowed skip count, k ≤ L − 2, is reached by speed-ups below L / 1.5 for L ≥ 3.
  const most = Math.max(0, numLayers - 2)
  const speedup = numLayers / (numLayers - fraction * most)
  return { numLayers, speedup }
})

describe('uniformSkipSet', () => {
  it('skips round(L − L / speedup) layers', () => {
    fc.assert(
      fc.property(feasible, ({ numLayers, speedup }) => {
        expect(uniformSkipSet(numLayers, speedup).length).toBe(Math.round(numLayers - numLayers / speedup))
      }),
    )
    expect(uniformSkipCount(8, 1.5)).toBe(3)
    expect(uniformSkipCount(32, 2)).toBe(16)
    expect(uniformSkipCount(8, 1)).toBe(0)
  })

  it('spreads the skipped layers evenly over the middle, never the first or last', () => {
    fc.assert(
      fc.property(feasible, ({ numLayers, speedup }) => {
        const skipped = uniformSkipSet(numLayers, speedup)
        const k = skipped.length
        if (k === 0) return
        const middle = numLayers - 2
        expect(skipped[0]).toBeGreaterThanOrEqual(1)
        expect(skipped[k - 1]).toBeLessThanOrEqual(numLayers - 2)
        for (let i = 1; i < k; i++) {
          const gap = skipped[i]! - skipped[i - 1]!
          expect(gap).toBeGreaterThanOrEqual(Math.floor(middle / k))
          expect(gap).toBeLessThanOrEqual(Math.ceil(middle / k))
        }
        const keptBelow = skipped[0]! - 1
        const keptAbove = numLayers - 2 - skipped[k - 1]!
        expect(Math.abs(keptBelow - keptAbove)).toBeLessThanOrEqual(1)
      }),
    )
    expect(Array.from(uniformSkipSet(8, 1.5))).toEqual([2, 4, 6])
    expect(Array.from(uniformSkipSet(10, 2.5))).toEqual([1, 3, 4, 5, 7, 8])
    expect(Array.from(uniformSkipSet(10, 5))).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
  })

  it('rejects speed-ups that would skip the first or last layer, or below 1', () => {
    expect(uniformSkipSet(8, 5).length).toBe(6)
    expect(() => uniformSkipSet(8, 6)).toThrow(/speedup 6 would skip 7 of 8 layers/)
    expect(() => uniformSkipSet(8, 8)).toThrow(/speedup 8 would skip 7 of 8 layers.*at most 6/)
    expect(() => uniformSkipSet(2, 2)).toThrow(/at most 0 can be skipped/)
    expect(() => uniformSkipSet(8, 0.9)).toThrow(/speedup must be a finite number in \[1, 1024\], got 0.9/)
    expect(() => uniformSkipSet(0, 2)).toThrow(/numLayers must be an integer ≥ 1, got 0/)
  })
})

describe('unifiedLayerSkipping', () => {
  it('skips the same layers for every token', () => {
    const schedule = unifiedLayerSkipping({ speedup: 1.5 })
    const mask = new Uint8Array(8)
    for (const position of [0, 1, 100, 10_000]) {
      schedule.layers(position, 8, mask)
      expect(Array.from(mask)).toEqual([1, 1, 0, 1, 0, 1, 0, 1])
    }
    expect(Array.from(schedule.skipSet(8))).toEqual([2, 4, 6])
  })

  it('never writes nor reads a skipped layer, and every run layer holds every position', () => {
    fc.assert(
      fc.property(feasible, fc.integer({ min: 1, max: 50 }), ({ numLayers, speedup }, positions) => {
        const schedule = unifiedLayerSkipping({ speedup })
        const { written, missing } = simulateCache(schedule, numLayers, positions)
        expect(missing).toEqual([])
        const skipped = new Set(uniformSkipSet(numLayers, speedup))
        for (let l = 0; l < numLayers; l++) expect(written[l]).toBe(skipped.has(l) ? 0 : positions)
      }),
    )
  })

  it('rejects bad options and calls, naming the value', () => {
    expect(() => unifiedLayerSkipping({ speedup: 0 })).toThrow(
      /speedup must be a finite number in \[1, 1024\], got 0/,
    )
    expect(() => unifiedLayerSkipping({ speedup: 2, layers: 8 } as never)).toThrow(
      'unifiedLayerSkipping: unknown option "layers"; known options: speedup',
    )
    expect(() => unifiedLayerSkipping({ speedup: Number.POSITIVE_INFINITY })).toThrow(/got Infinity/)
    const schedule = unifiedLayerSkipping({ speedup: 4 })
    expect(() => schedule.layers(0, 4, new Uint8Array(4))).toThrow(/speedup 4 would skip 3 of 4 layers/)
    expect(() => schedule.layers(0, 8, new Uint8Array(7))).toThrow(/out has length 7/)
  })
})
