import fc from 'fast-check'
import type { QuantAxis } from '../src/index.js'

/** Awkward extents: 1, primes, one past a power of two. */
export const AWKWARD = [1, 2, 3, 7, 17, 33, 65] as const

/** Magnitudes a KV block can take, including the extremes the error bounds must survive. */
export const MAGNITUDES = [0, 1e-30, 1e-3, 1, 1e30] as const

export interface BlockCase {
  readonly rows: number
  readonly cols: number
  readonly bits: number
  readonly groupSize: number
  readonly axis: QuantAxis
  readonly data: Float32Array
}

/**
 * A block of awkward shape with values of one magnitude, sometimes with constant rows and columns, plus
 * quantization options (every bit width 1–8, group sizes that do and do not divide the extent).
 */
export function blockCase(maxRows = 40, maxCols = 70): fc.Arbitrary<BlockCase> {
  return fc
    .record({
      rows: fc.oneof(
        fc.constantFrom(...AWKWARD.filter((n) => n <= maxRows)),
        fc.integer({ min: 1, max: maxRows }),
      ),
      cols: fc.oneof(
        fc.constantFrom(...AWKWARD.filter((n) => n <= maxCols)),
        fc.integer({ min: 1, max: maxCols }),
      ),
      bits: fc.integer({ min: 1, max: 8 }),
      groupSize: fc.constantFrom(1, 3, 4, 8, 16, 32, 64),
      axis: fc.constantFrom<QuantAxis>('row', 'column'),
      magnitude: fc.constantFrom(...MAGNITUDES),
      constantRow: fc.integer({ min: -1, max: 5 }),
      seed: fc.integer({ min: 1, max: 0x7fffffff }),
    })
    .map(({ rows, cols, bits, groupSize, axis, magnitude, constantRow, seed }) => {
      const data = new Float32Array(rows * cols)
      let state = seed
      for (let i = 0; i < data.length; i++) {
        state ^= state << 13
        state ^= state >>> 17
        state ^= state << 5
        data[i] = (state / 0x80000000) * magnitude
      }
      if (constantRow >= 0 && constantRow < rows)
        data.fill(magnitude * 0.75, constantRow * cols, (constantRow + 1) * cols)
      return { rows, cols, bits, groupSize, axis, data }
    })
}
