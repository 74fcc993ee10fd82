import { f16ToF32, f32ToF16, Tensor } from '@kv/tensor'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { float16Codec, float32Codec } from '../src/index.js'

const context = { role: 'key' as const, phase: 'decode' as const, layer: 0, head: 0 }

const blocks = fc
  .record({ tokens: fc.constantFrom(1, 3, 7, 17, 33), headDim: fc.constantFrom(1, 3, 8, 64, 65) })
  .chain(({ tokens, headDim }) =>
    fc.record({
      tokens: fc.constant(tokens),
      headDim: fc.constant(headDim),
      data: fc.float32Array({
        minLength: tokens * headDim,
        maxLength: tokens * headDim,
        noNaN: true,
        noDefaultInfinity: true,
        min: -60000,
        max: 60000,
      }),
    }),
  )

describe('the runtime codecs', () => {
  it('float32 stores blocks exactly, selects rows exactly and counts its bytes', () => {
    fc.assert(
      fc.property(blocks, ({ tokens, headDim, data }) => {
        const codec = float32Codec()
        const block = codec.encode(Tensor.fromF32(data, [tokens, headDim]), context)
        expect(codec.decode(block)).toEqual(data)
        expect(codec.bytes(block)).toBe(tokens * headDim * 4)
        const keep = Int32Array.from({ length: tokens }, (_, i) => i).filter((i) => i % 2 === 0)
        const selected = codec.decode(codec.select!(block, keep))
        keep.forEach((row, i) => {
          expect(selected.subarray(i * headDim, (i + 1) * headDim)).toEqual(
            data.subarray(row * headDim, (row + 1) * headDim),
          )
        })
      }),
    )
  })

  it('float16 is within half a float16 ulp of every element (round to nearest even), fused paths agree', () => {
    fc.assert(
      fc.property(blocks, ({ tokens, headDim, data }) => {
        const codec = float16Codec()
        const block = codec.encode(Tensor.fromF32(data, [tokens, headDim]), context)
        const decoded = codec.decode(block)
        data.forEach((x, i) => {
          expect(decoded[i]).toBe(f16ToF32(f32ToF16(x)))
        })
        expect(codec.bytes(block)).toBe(tokens * headDim * 2)
        const query = Float32Array.from({ length: headDim }, (_, d) => Math.cos(d))
        const scores = new Float32Array(tokens)
        codec.dot!(block, query, scores, 0)
        for (let t = 0; t < tokens; t++) {
          let expected = 0
          for (let d = 0; d < headDim; d++) expected += query[d]! * decoded[t * headDim + d]!
          expect(scores[t]).toBeCloseTo(expected, 0)
        }
      }),
    )
  })

  it('float16 refuses values it cannot hold, naming row and column', () => {
    const codec = float16Codec()
    expect(() => codec.encode(Tensor.fromF32(Float32Array.of(1, 2, 1e6, 4), [2, 2]), context)).toThrow(
      'float16 codec: key row 1, column 0 is 1000000, outside float16',
    )
    expect(() => codec.encode(Tensor.fromF32(Float32Array.of(Number.NaN), [1, 1]), context)).toThrow(
      'row 0, column 0 is NaN',
    )
  })
})
