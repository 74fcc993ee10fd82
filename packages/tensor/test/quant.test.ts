import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  dequantizeAffine,
  packCodes,
  quantizeAffine,
  selectQuantizedRows,
  unpackCodes,
} from '../src/index.js'
import { setSimdRanges } from '../src/quant/quantize.js'
import { blockCase } from './quant-arbitraries.js'

/** Round-to-nearest error budget of affine quantization: half a step. */
const MAX_ABS_ERROR_UNIFORM = (scale: number) => scale / 2
/** Float32 rounding of the reconstruction (relative to the largest magnitude involved) and subnormal floor. */
const FLOAT_SLACK = (magnitude: number) => magnitude * 2 ** -22 + 2 ** -149

/** Index into scales/mins of element (r, c). */
function groupIndex(
  r: number,
  c: number,
  rows: number,
  cols: number,
  groupSize: number,
  axis: string,
): number {
  void rows
  return axis === 'row'
    ? r * Math.ceil(cols / groupSize) + Math.floor(c / groupSize)
    : Math.floor(r / groupSize) * cols + c
}

describe('quantizeAffine', () => {
  it('reconstructs every element within scale/2 (plus float rounding), constant groups exactly', () => {
    fc.assert(
      fc.property(blockCase(), ({ rows, cols, bits, groupSize, axis, data }) => {
        const q = quantizeAffine(data, rows, cols, { bits, groupSize, axis })
        const approx = dequantizeAffine(q)
        for (let r = 0; r < rows; r++) {
          for (let c = 0; c < cols; c++) {
            const i = r * cols + c
            const g = groupIndex(r, c, rows, cols, groupSize, axis)
            const scale = q.scales[g]!
            const min = q.mins[g]!
            const err = Math.abs(approx[i]! - data[i]!)
            if (scale === 0 && approx[i] !== data[i])
              throw new Error(`constant group: ${approx[i]} ≠ ${data[i]}`)
            const budget =
              MAX_ABS_ERROR_UNIFORM(scale) + FLOAT_SLACK(Math.abs(min) + scale * ((1 << bits) - 1))
            if (!(err <= budget)) throw new Error(`element ${i}: error ${err} > ${budget} (scale ${scale})`)
          }
        }
      }),
    )
  })

  it('matches a naive reference quantizer: same scales, mins and codes in row-major element order', () => {
    fc.assert(
      fc.property(blockCase(), ({ rows, cols, bits, groupSize, axis, data }) => {
        const q = quantizeAffine(data, rows, cols, { bits, groupSize, axis })
        const codes = unpackCodes(q.codes, bits, rows * cols)
        const maxCode = (1 << bits) - 1
        const groups = q.scales.length
        const lows = new Float64Array(groups).fill(Number.POSITIVE_INFINITY)
        const highs = new Float64Array(groups).fill(Number.NEGATIVE_INFINITY)
        for (let r = 0; r < rows; r++) {
          for (let c = 0; c < cols; c++) {
            const g = groupIndex(r, c, rows, cols, groupSize, axis)
            lows[g] = Math.min(lows[g]!, data[r * cols + c]!)
            highs[g] = Math.max(highs[g]!, data[r * cols + c]!)
          }
        }
        for (let r = 0; r < rows; r++) {
          for (let c = 0; c < cols; c++) {
            const min = lows[groupIndex(r, c, rows, cols, groupSize, axis)]!
            const max = highs[groupIndex(r, c, rows, cols, groupSize, axis)]!
            const g = groupIndex(r, c, rows, cols, groupSize, axis)
            expect(q.mins[g] === min).toBe(true)
            const scale = q.scales[g]!
            // the stored scale is (max − min)/maxCode rounded up to float32
            expect(scale * maxCode).toBeGreaterThanOrEqual(max - min)
            expect(scale).toBeLessThanOrEqual(((max - min) / maxCode) * (1 + 2 ** -22) + 2 ** -149)
            const exact = scale > 0 ? (data[r * cols + c]! - min) / scale : 0
            const code = codes[r * cols + c]!
            if (Math.abs((exact % 1) - 0.5) > 1e-6) expect(code).toBe(Math.round(exact))
          }
        }
      }),
    )
  })

  it('decodes word-aligned shapes (the unrolled paths) exactly as unpacked codes say', () => {
    for (const bits of [1, 2, 4, 7, 8]) {
      for (const axis of ['row', 'column'] as const) {
        for (const groupSize of [16, 32]) {
          const rows = 9
          const cols = 64
          const data = new Float32Array(rows * cols).map((_, i) => Math.sin(i * 0.37) * (1 + (i % 5)))
          const q = quantizeAffine(data, rows, cols, { bits, groupSize, axis })
          const codes = unpackCodes(q.codes, bits, rows * cols)
          const expected = new Float32Array(rows * cols)
          for (let r = 0; r < rows; r++) {
            for (let c = 0; c < cols; c++) {
              const g = groupIndex(r, c, rows, cols, groupSize, axis)
              expected[r * cols + c] = q.mins[g]! + q.scales[g]! * codes[r * cols + c]!
            }
          }
          expect(dequantizeAffine(q)).toEqual(expected)
        }
      }
    }
  })

  it('gives the same block with and without the WebAssembly SIMD min/max kernel', () => {
    fc.assert(
      fc.property(blockCase(), fc.constantFrom(4, 8, 16, 32), (b, groupSize) => {
        // cols a multiple of the group: the shapes the SIMD kernel takes
        const cols = groupSize * (1 + (b.cols % 3))
        const data = new Float32Array(b.rows * cols)
        for (let i = 0; i < data.length; i++) data[i] = b.data[i % b.data.length]! * (1 + (i % 7))
        for (const axis of ['row', 'column'] as const) {
          const options = { bits: b.bits, groupSize, axis }
          const simd = quantizeAffine(data, b.rows, cols, options)
          setSimdRanges(false)
          try {
            const js = quantizeAffine(data, b.rows, cols, options)
            expect(simd.mins).toEqual(js.mins)
            expect(simd.scales).toEqual(js.scales)
            expect(simd.codes).toEqual(js.codes)
          } finally {
            setSimdRanges(true)
          }
        }
      }),
    )
    const bad = new Float32Array(64).fill(1)
    bad[37] = Number.NaN
    expect(() => quantizeAffine(bad, 2, 32, { bits: 4, groupSize: 16, axis: 'row' })).toThrow(
      'data[37] (row 1, column 5) is NaN',
    )
    expect(() => quantizeAffine(bad, 2, 32, { bits: 4, groupSize: 16, axis: 'column' })).toThrow('data[37]')
    bad[37] = Number.NEGATIVE_INFINITY
    expect(() => quantizeAffine(bad, 2, 32, { bits: 4, groupSize: 16, axis: 'row' })).toThrow('is -Infinity')
    expect(() => quantizeAffine(bad, 2, 32, { bits: 4, groupSize: 16, axis: 'column' })).toThrow(
      'is -Infinity',
    )
  })

  it('handles ±3.4e38 at 2 bits and refuses a float32-overflowing 1-bit scale', () => {
    const data = new Float32Array([-3.4e38, 3.4e38, 0, 1])
    const q = quantizeAffine(data, 1, 4, { bits: 2, groupSize: 4, axis: 'row' })
    const approx = dequantizeAffine(q)
    expect(approx[0]).toBe(Math.fround(-3.4e38))
    expect(Math.abs(approx[1]! - data[1]!)).toBeLessThanOrEqual(q.scales[0]! / 2 + 3.4e38 * 2 ** -22)
    expect(() => quantizeAffine(data, 1, 4, { bits: 1, groupSize: 4, axis: 'row' })).toThrow(
      /overflows a float32 scale at 1 bit/,
    )
  })

  it('reconstructs zero and constant blocks exactly at every width', () => {
    for (const value of [0, -0.5, 1e30, -1e-30, 3.4e38]) {
      for (let bits = 1; bits <= 8; bits++) {
        for (const axis of ['row', 'column'] as const) {
          const data = new Float32Array(7 * 5).fill(value)
          const q = quantizeAffine(data, 7, 5, { bits, groupSize: 3, axis })
          expect(dequantizeAffine(q)).toEqual(data)
        }
      }
    }
  })

  it('names the bad argument and value', () => {
    const data = new Float32Array(6)
    const ok = { bits: 4, groupSize: 2, axis: 'row' } as const
    expect(() => quantizeAffine(data, 2, 3, { ...ok, bits: 0 })).toThrow(
      'bits must be an integer in 1..8, got 0',
    )
    expect(() => quantizeAffine(data, 2, 3, { ...ok, bits: 9 })).toThrow('got 9')
    expect(() => quantizeAffine(data, 2, 3, { ...ok, bits: 2.5 })).toThrow('got 2.5')
    expect(() => quantizeAffine(data, 2, 3, { ...ok, groupSize: 0 })).toThrow(
      'groupSize must be a positive integer, got 0',
    )
    expect(() => quantizeAffine(data, 2, 3, { ...ok, groupSize: -4 })).toThrow('got -4')
    expect(() => quantizeAffine(data, 2, 3, { ...ok, groupSize: 1.5 })).toThrow('got 1.5')
    expect(() => quantizeAffine(data, 2, 4, ok)).toThrow('2 × 4 = 8 disagrees with data length 6')
    expect(() => quantizeAffine(data, -2, -3, ok)).toThrow('rows must be a non-negative integer, got -2')
    for (const axis of ['row', 'column'] as const) {
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
        const block = new Float32Array([1, 2, 3, 4, 5, 6])
        block[4] = bad
        expect(() => quantizeAffine(block, 2, 3, { ...ok, axis })).toThrow(
          `data[4] (row 1, column 1) is ${bad}`,
        )
      }
    }
  })
})

describe('packCodes / unpackCodes', () => {
  it('round-trips every width 1..8 and awkward counts', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 1, max: 0x7fffffff }),
        (bits, count, seed) => {
          const codes = new Uint8Array(count)
          let state = seed
          for (let i = 0; i < count; i++) {
            state = (Math.imul(state, 1103515245) + 12345) | 0
            codes[i] = (state >>> 16) & ((1 << bits) - 1)
          }
          const words = packCodes(codes, bits)
          expect(words.length).toBe(Math.ceil(count / Math.floor(32 / bits)))
          expect(unpackCodes(words, bits, count)).toEqual(codes)
        },
      ),
    )
  })

  it('uses the fixed layout: LSB first, floor(32/bits) per word, no straddling', () => {
    expect(packCodes(new Uint8Array([1, 2, 3]), 4)).toEqual(new Uint32Array([0x321]))
    // 3-bit: 10 codes per word, bits 30–31 unused, code 10 starts the next word
    const threes = new Uint8Array(11).fill(7)
    expect(packCodes(threes, 3)).toEqual(new Uint32Array([0x3fffffff, 7]))
    expect(packCodes(new Uint8Array([0xab, 0xcd, 0xef, 0x01, 0x23]), 8)).toEqual(
      new Uint32Array([0x01efcdab, 0x23]),
    )
  })

  it('refuses codes that do not fit, and short buffers', () => {
    expect(() => packCodes(new Uint8Array([0, 4]), 2)).toThrow('codes[1] = 4 does not fit in 2 bits')
    expect(() => packCodes(new Uint8Array(9), 4, new Uint32Array(1))).toThrow('out holds 1 words')
    expect(() => unpackCodes(new Uint32Array(1), 4, 9)).toThrow('words holds 1 words, 9 codes need 2')
    expect(() => unpackCodes(new Uint32Array(1), 0, 1)).toThrow('bits must be an integer in 1..8, got 0')
  })
})

describe('selectQuantizedRows', () => {
  it('equals dequantize-then-drop exactly', () => {
    fc.assert(
      fc.property(blockCase(30, 40), fc.integer({ min: 0, max: 0x7fffffff }), (block, mask) => {
        const { rows, cols, bits, axis, data } = block
        const groupSize = axis === 'column' ? Math.max(rows, block.groupSize) : block.groupSize
        const q = quantizeAffine(data, rows, cols, { bits, groupSize, axis })
        const keep = Int32Array.from({ length: rows }, (_, r) => r).filter(
          (r) => ((mask >>> (r % 31)) & 1) === 1,
        )
        const full = dequantizeAffine(q)
        const kept = dequantizeAffine(selectQuantizedRows(q, keep))
        const expected = new Float32Array(keep.length * cols)
        keep.forEach((r, i) => {
          expected.set(full.subarray(r * cols, (r + 1) * cols), i * cols)
        })
        expect(kept).toEqual(expected)
      }),
    )
  })

  it('refuses unordered rows and multi-group per-channel blocks', () => {
    const q = quantizeAffine(new Float32Array(12), 4, 3, { bits: 4, groupSize: 2, axis: 'column' })
    expect(() => selectQuantizedRows(q, new Int32Array([0]))).toThrow('spans several groups of 2')
    const r = quantizeAffine(new Float32Array(12), 4, 3, { bits: 4, groupSize: 2, axis: 'row' })
    expect(() => selectQuantizedRows(r, new Int32Array([2, 1]))).toThrow('keep[1] = 1 is not ascending')
  })
})
