import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { QuantAxis } from '../src/index.js'
import { dequantizeAccumulate, dequantizeAffine, dequantizeDot, quantizeAffine } from '../src/index.js'
import { accumulateColumn2, accumulateRow2 } from '../src/quant/fused-accumulate-2bit.js'
import { accumulateColumn4, accumulateRow4 } from '../src/quant/fused-accumulate-4bit.js'
import { dotColumn2, dotRow2 } from '../src/quant/fused-dot-2bit.js'
import { dotColumn4, dotRow4 } from '../src/quant/fused-dot-4bit.js'
import {
  accumulateColumnGroups,
  accumulateRowGroups,
  dotColumnGroups,
  dotRowGroups,
} from '../src/quant/fused-generic.js'
import { blockCase, MAGNITUDES } from './quant-arbitraries.js'

/** Fused and reference sums differ only by summation order: a few float32 ulps of Σ|terms|. */
const FUSED_TOLERANCE = (absSum: number) => absSum * 2 ** -18 + 2 ** -140

function vector(length: number, seed: number): Float32Array {
  const v = new Float32Array(length)
  let state = seed | 1
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) | 0
    v[i] = ((state >>> 8) / 0x1000000) * 2 - 1
  }
  return v
}

describe('dequantizeDot', () => {
  it('equals dequantize-then-dot for both axes', () => {
    fc.assert(
      fc.property(
        blockCase(),
        fc.integer({ min: 1, max: 1e9 }),
        fc.integer({ min: 0, max: 3 }),
        (b, seed, offset) => {
          const q = quantizeAffine(b.data, b.rows, b.cols, b)
          const query = vector(b.cols, seed)
          const out = new Float32Array(offset + b.rows).fill(Number.NaN)
          dequantizeDot(q, query, out, offset)
          const full = dequantizeAffine(q)
          for (let r = 0; r < b.rows; r++) {
            let sum = 0
            let abs = 0
            for (let c = 0; c < b.cols; c++) {
              sum += query[c]! * full[r * b.cols + c]!
              abs += Math.abs(query[c]! * full[r * b.cols + c]!) + Math.abs(query[c]! * q.mins[0]!)
            }
            const budget = FUSED_TOLERANCE(abs + Math.abs(sum)) + 1e-30 * Math.abs(sum)
            if (
              !(
                Math.abs(out[offset + r]! - sum) <=
                budget * 16 + FUSED_TOLERANCE(maxAbs(b.data) * b.cols * 4)
              )
            ) {
              throw new Error(`row ${r}: fused ${out[offset + r]} vs ${sum}`)
            }
          }
        },
      ),
    )
  })

  it('matches on word-aligned shapes (the unrolled paths)', () => {
    for (const bits of [2, 4, 8]) {
      for (const axis of ['row', 'column'] as const) {
        const data = vector(33 * 64, bits)
        const q = quantizeAffine(data, 33, 64, { bits, groupSize: 32, axis })
        const full = dequantizeAffine(q)
        const query = vector(64, 99)
        const out = new Float32Array(33)
        dequantizeDot(q, query, out, 0)
        const acc = new Float32Array(64)
        dequantizeAccumulate(q, query, 0, acc)
        const expectedAcc = new Float64Array(64)
        for (let r = 0; r < 33; r++) {
          let sum = 0
          for (let c = 0; c < 64; c++) {
            sum += query[c]! * full[r * 64 + c]!
            expectedAcc[c]! += query[r]! * full[r * 64 + c]!
          }
          expect(Math.abs(out[r]! - sum)).toBeLessThan(1e-4)
        }
        for (let c = 0; c < 64; c++) expect(Math.abs(acc[c]! - expectedAcc[c]!)).toBeLessThan(1e-4)
      }
    }
  })

  it('checks the output range', () => {
    const q = quantizeAffine(new Float32Array(6), 2, 3, { bits: 4, groupSize: 2, axis: 'column' })
    expect(() => dequantizeDot(q, new Float32Array(3), new Float32Array(2), 1)).toThrow(
      'outOffset 1 + 2 rows overruns out of 2',
    )
    expect(() => dequantizeDot(q, new Float32Array(2), new Float32Array(2), 0)).toThrow('query has 2 entries')
  })
})

function maxAbs(data: Float32Array): number {
  let m = 0
  for (const x of data) m = Math.max(m, Math.abs(x))
  return m
}

describe('dequantizeAccumulate', () => {
  it('adds the weighted rows of the dequantized block, for both axes', () => {
    fc.assert(
      fc.property(
        blockCase(),
        fc.integer({ min: 1, max: 1e9 }),
        fc.integer({ min: 0, max: 3 }),
        (b, seed, offset) => {
          const q = quantizeAffine(b.data, b.rows, b.cols, b)
          const weights = vector(offset + b.rows, seed)
          const start = vector(b.cols, seed + 1)
          const out = start.slice()
          dequantizeAccumulate(q, weights, offset, out)
          const full = dequantizeAffine(q)
          const scale = maxAbs(b.data) + 1
          for (let c = 0; c < b.cols; c++) {
            let sum = start[c]!
            for (let r = 0; r < b.rows; r++) sum += weights[offset + r]! * full[r * b.cols + c]!
            const budget = FUSED_TOLERANCE(scale * (b.rows + 1) * 4)
            if (!(Math.abs(out[c]! - sum) <= budget))
              throw new Error(`column ${c}: fused ${out[c]} vs ${sum}`)
          }
        },
      ),
    )
  })

  it('checks the weight range', () => {
    const q = quantizeAffine(new Float32Array(6), 2, 3, { bits: 4, groupSize: 2, axis: 'row' })
    expect(() => dequantizeAccumulate(q, new Float32Array(2), 1, new Float32Array(3))).toThrow(
      'weightOffset 1 + 2 rows overruns weights of 2',
    )
  })
})

describe('straight-line 4-bit and 2-bit kernels', () => {
  /** Rows, columns (a whole number of words) and group sizes that take the word-aligned paths, plus some that do not. */
  const alignedCase = fc
    .record({
      bits: fc.constantFrom(2, 4),
      words: fc.integer({ min: 1, max: 8 }),
      rows: fc.oneof(fc.constantFrom(1, 2, 3, 7, 17, 32, 33, 64, 65), fc.integer({ min: 1, max: 70 })),
      groupSize: fc.constantFrom(1, 3, 8, 16, 24, 32, 64, 128),
      axis: fc.constantFrom<QuantAxis>('row', 'column'),
      magnitude: fc.constantFrom(...MAGNITUDES),
      seed: fc.integer({ min: 1, max: 1e9 }),
      offset: fc.integer({ min: 0, max: 3 }),
    })
    .map((r) => {
      const cols = r.words * (32 / r.bits)
      const data = vector(r.rows * cols, r.seed).map((x) => x * r.magnitude)
      return { ...r, cols, data }
    })

  it('agree with the general kernels and with dequantize-then-multiply', () => {
    fc.assert(
      fc.property(alignedCase, ({ bits, rows, cols, groupSize, axis, data, seed, offset }) => {
        const q = quantizeAffine(data, rows, cols, { bits, groupSize, axis })
        const full = dequantizeAffine(q)
        const range = 3 * maxAbs(data)
        const query = vector(cols, seed + 1)
        const scores = new Float32Array(offset + rows).fill(Number.NaN)
        const general = new Float32Array(offset + rows)
        dequantizeDot(q, query, scores, offset)
        if (axis === 'column') dotColumnGroups(q, query, general, offset)
        else dotRowGroups(q, query, general, offset)
        // the JS straight-line kernels, which run where WebAssembly SIMD is missing
        const jsScores = new Float32Array(offset + rows)
        let jsDot = bits === 4 ? dotColumn4 : dotColumn2
        if (axis === 'row') jsDot = bits === 4 ? dotRow4 : dotRow2
        if (axis === 'row' && groupSize % (32 / bits) !== 0) jsDot = dotRowGroups
        jsDot(q, query, jsScores, offset)
        let queryMass = 0
        for (let c = 0; c < cols; c++) queryMass += Math.abs(query[c]!)
        const dotBudget = 2 ** -20 * queryMass * range + 2 ** -140
        for (let r = 0; r < rows; r++) {
          let sum = 0
          for (let c = 0; c < cols; c++) sum += query[c]! * full[r * cols + c]!
          const got = scores[offset + r]!
          if (!(Math.abs(got - sum) <= dotBudget && Math.abs(got - general[offset + r]!) <= dotBudget))
            throw new Error(`row ${r}: fused ${got}, general ${general[offset + r]}, reference ${sum}`)
          if (!(Math.abs(jsScores[offset + r]! - sum) <= dotBudget))
            throw new Error(`row ${r}: JS kernel ${jsScores[offset + r]}, reference ${sum}`)
        }
        const weights = vector(offset + rows, seed + 2)
        const start = vector(cols, seed + 3)
        const context = start.slice()
        const generalContext = start.slice()
        dequantizeAccumulate(q, weights, offset, context)
        if (axis === 'row') accumulateRowGroups(q, weights, offset, generalContext)
        else accumulateColumnGroups(q, weights, offset, generalContext)
        // the JS straight-line kernels, which run where WebAssembly SIMD is missing
        const jsContext = start.slice()
        let jsKernel = bits === 4 ? accumulateColumn4 : accumulateColumn2
        if (axis === 'row') jsKernel = bits === 4 ? accumulateRow4 : accumulateRow2
        if (axis === 'row' && groupSize % (32 / bits) !== 0) jsKernel = accumulateRowGroups
        jsKernel(q, weights, offset, jsContext)
        let weightMass = 0
        for (let r = 0; r < rows; r++) weightMass += Math.abs(weights[offset + r]!)
        for (let c = 0; c < cols; c++) {
          let sum = start[c]!
          for (let r = 0; r < rows; r++) sum += weights[offset + r]! * full[r * cols + c]!
          const budget = 2 ** -20 * (Math.abs(start[c]!) + weightMass * range) + 2 ** -140
          const got = context[c]!
          if (!(Math.abs(got - sum) <= budget && Math.abs(got - generalContext[c]!) <= budget))
            throw new Error(`column ${c}: fused ${got}, general ${generalContext[c]}, reference ${sum}`)
          if (!(Math.abs(jsContext[c]! - sum) <= budget))
            throw new Error(`column ${c}: JS kernel ${jsContext[c]}, reference ${sum}`)
        }
      }),
    )
  })

  it('leave entries of out outside the block untouched and read no weight outside it', () => {
    for (const bits of [2, 4]) {
      for (const axis of ['row', 'column'] as const) {
        const q = quantizeAffine(vector(33 * 64, bits), 33, 64, { bits, groupSize: 32, axis })
        const out = new Float32Array(40).fill(7)
        dequantizeDot(q, vector(64, 5), out, 3)
        for (const i of [0, 1, 2, 36, 37, 38, 39]) expect(out[i]).toBe(7)
        // weights outside [offset, offset + rows) are NaN: reading one would poison the context
        const weights = new Float32Array(40).fill(Number.NaN)
        weights.set(vector(33, 6), 4)
        const context = new Float32Array(64)
        dequantizeAccumulate(q, weights, 4, context)
        for (const x of context) expect(Number.isFinite(x)).toBe(true)
      }
    }
  })
})

describe('fused kernels on a block larger than the WebAssembly memory starts with', () => {
  it('match the general kernels after the memory grows', () => {
    for (const axis of ['row', 'column'] as const) {
      // 2048 × 128 4-bit codes are 128 KiB, twice the module's first page
      const rows = 2048
      const cols = 128
      const q = quantizeAffine(vector(rows * cols, 3), rows, cols, { bits: 4, groupSize: 32, axis })
      const query = vector(cols, 4)
      const scores = new Float32Array(rows)
      const general = new Float32Array(rows)
      dequantizeDot(q, query, scores, 0)
      if (axis === 'column') dotColumnGroups(q, query, general, 0)
      else dotRowGroups(q, query, general, 0)
      for (let r = 0; r < rows; r++) expect(Math.abs(scores[r]! - general[r]!)).toBeLessThan(1e-4)
      const weights = vector(rows, 5)
      const context = new Float32Array(cols)
      const generalContext = new Float32Array(cols)
      dequantizeAccumulate(q, weights, 0, context)
      if (axis === 'row') accumulateRowGroups(q, weights, 0, generalContext)
      else accumulateColumnGroups(q, weights, 0, generalContext)
      for (let c = 0; c < cols; c++) expect(Math.abs(context[c]! - generalContext[c]!)).toBeLessThan(1e-3)
    }
  })
})
