import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { accumulateRowsMany, dotRowsMany } from '../src/index.js'

const shapes = fc.record({
  count: fc.integer({ min: 1, max: 70 }),
  headDim: fc.constantFrom(1, 3, 7, 8, 16, 24, 64, 65),
  group: fc.integer({ min: 1, max: 3 }),
  seed: fc.integer({ min: 0, max: 1_000_000 }),
})

function values(n: number, seed: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.fround(Math.sin(seed * 7.1 + i * 1.37) * scale))
}

describe('attention over full-precision rows', () => {
  it('dotRowsMany: every score within float32 rounding of the float64 dot', () => {
    fc.assert(
      fc.property(shapes, ({ count, headDim, group, seed }) => {
        const rows = values(count * headDim + 5, seed)
        const queries = values(group * headDim, seed + 1, 3)
        const out = new Float32Array(group * count + 2)
        dotRowsMany(
          queries,
          group,
          rows,
          5,
          count,
          headDim,
          out,
          Array.from({ length: group }, (_, g) => 2 + g * count),
        )
        for (let g = 0; g < group; g++) {
          for (let t = 0; t < count; t++) {
            let exact = 0
            let magnitude = 0
            for (let d = 0; d < headDim; d++) {
              exact += queries[g * headDim + d]! * rows[5 + t * headDim + d]!
              magnitude += Math.abs(queries[g * headDim + d]! * rows[5 + t * headDim + d]!)
            }
            expect(Math.abs(out[2 + g * count + t]! - exact)).toBeLessThanOrEqual(
              (headDim + 2) * 2 ** -23 * magnitude + 1e-30,
            )
          }
        }
      }),
    )
  })

  it('accumulateRowsMany: float64 sums token by token, bit-identical however the rows are split', () => {
    fc.assert(
      fc.property(shapes, fc.integer({ min: 0, max: 70 }), ({ count, headDim, group, seed }, cut) => {
        const split = Math.min(cut, count)
        const rows = values(count * headDim, seed)
        const weights = values(group * count, seed + 2)
        const accOffsets = Array.from({ length: group }, (_, g) => g * headDim)
        const whole = new Float64Array(group * headDim).fill(0.25)
        accumulateRowsMany(
          rows,
          0,
          count,
          headDim,
          weights,
          accOffsets.map((_, g) => g * count),
          whole,
          accOffsets,
          group,
        )
        const parts = new Float64Array(group * headDim).fill(0.25)
        accumulateRowsMany(
          rows,
          0,
          split,
          headDim,
          weights,
          accOffsets.map((_, g) => g * count),
          parts,
          accOffsets,
          group,
        )
        accumulateRowsMany(
          rows,
          split * headDim,
          count - split,
          headDim,
          weights,
          accOffsets.map((_, g) => g * count + split),
          parts,
          accOffsets,
          group,
        )
        expect(parts).toEqual(whole)
        const reference = new Float64Array(group * headDim).fill(0.25)
        for (let g = 0; g < group; g++) {
          for (let d = 0; d < headDim; d++) {
            let a = reference[g * headDim + d]!
            for (let t = 0; t < count; t++) a += weights[g * count + t]! * rows[t * headDim + d]!
            reference[g * headDim + d] = a
          }
        }
        expect(whole).toEqual(reference)
      }),
    )
  })

  it('names rows that overrun their array', () => {
    expect(() =>
      dotRowsMany(new Float32Array(8), 1, new Float32Array(10), 4, 1, 8, new Float32Array(1), [0]),
    ).toThrow('dotRowsMany: 1 rows of 8 from 4 overrun rows of 10')
  })
})
