import type { LayerMerger } from '@kv/tensor/contracts'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { layerPairs, mergeRows, minicache } from '../src/index.js'
import { rows, uniformFraction } from './arbitraries.js'

describe('minicache', () => {
  it('pairs adjacent layers from half depth', () => {
    const merger: LayerMerger = minicache()
    expect(merger.name).toBe('minicache')
    expect(merger.pairs(8)).toEqual([
      [4, 5],
      [6, 7],
    ])
    expect(merger.pairs(9)).toEqual([
      [4, 5],
      [6, 7],
    ])
    expect(merger.pairs(3)).toEqual([[1, 2]])
    expect(layerPairs(2, 0)).toEqual([[0, 1]])
    expect(minicache({ fromLayer: 1 }).pairs(8)).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ])
  })

  it('gives disjoint adjacent pairs from fromLayer up to the last layer', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 3, max: 80 })
          .chain((layers) =>
            fc.tuple(
              fc.constant(layers),
              fc.option(fc.integer({ min: 0, max: layers - 2 }), { nil: undefined }),
            ),
          ),
        ([layers, fromLayer]) => {
          const pairs = layerPairs(layers, fromLayer)
          const first = fromLayer ?? Math.floor(layers / 2)
          expect(pairs[0]).toEqual([first, first + 1])
          for (let i = 0; i < pairs.length; i++) {
            const [a, b] = pairs[i]!
            expect(b).toBe(a + 1)
            expect(a).toBe(first + 2 * i)
            expect(b).toBeLessThan(layers)
          }
          // Only one layer at most is left over at the top.
          expect(layers - 1 - pairs[pairs.length - 1]![1]).toBeLessThanOrEqual(1)
        },
      ),
    )
  })

  it('merges with its own t and retain', () => {
    fc.assert(
      fc.property(rows(12, 5), rows(12, 5), uniformFraction(), uniformFraction(), (a, b, t, retain) => {
        const viaMerger = minicache({ t, retain }).merge(a, b, 12, 5)
        const direct = mergeRows(a, b, 12, 5, { t, retain })
        expect(viaMerger).toEqual(direct)
      }),
    )
  })

  it('uses the paper defaults', () => {
    const merger = minicache()
    expect([merger.t, merger.retain, merger.fromLayer]).toEqual([0.6, 0.05, undefined])
    const a = new Float32Array(40 * 2).fill(1)
    expect(merger.merge(a, a, 40, 2).retained.length).toBe(2)
  })

  it('rejects bad options, naming the value', () => {
    expect(() => minicache({ t: 1.2 })).toThrow(/minicache: t must be a number in \[0, 1\], got 1.2/)
    expect(() => minicache({ retain: -0.5 })).toThrow(/retain must be a number in \[0, 1\], got -0.5/)
    expect(() => minicache({ fromLayer: 2.5 })).toThrow(/fromLayer must be an integer ≥ 0, got 2.5/)
    expect(() => minicache({ fromLayer: 2 ** 30 })).toThrow('fromLayer must be ≤ 16777216')
    expect(() => minicache({ retian: 0.1 } as never)).toThrow(
      'minicache: unknown option "retian" (did you mean "retain"?); known options: fromLayer, t, retain',
    )
    expect(() => minicache({ t: Number.NaN })).toThrow('t must be a number in [0, 1], got NaN')
    expect(() => minicache({ fromLayer: 7 }).pairs(8)).toThrow(/fromLayer 7 leaves no pair .* 8-layer/)
    expect(() => minicache().pairs(1)).toThrow(/numLayers must be an integer ≥ 2, got 1/)
    expect(() => minicache().pairs(2)).toThrow(/fromLayer 1 leaves no pair/)
  })
})
