import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { uniform } from '../src/index.js'
import { contextOf, kvCase, scaleAt, tensorOf } from './arbitraries.js'
import { checkCodecContract, checkRejectsNaN } from './codec-contract.js'

/** KIVI's per-element budget: half a quantization step of the element's group. */
const MAX_ABS_ERROR_UNIFORM = (scale: number) => scale / 2
/** Float32 rounding of `min + scale · code`. */
const FLOAT_SLACK = (magnitude: number) => magnitude * 2 ** -21 + 2 ** -149

describe('uniform (KIVI)', () => {
  it('reconstructs every element within scale/2 of its group (keys per channel, values per token)', () => {
    fc.assert(
      fc.property(kvCase(), fc.constantFrom(2, 3, 4, 8), fc.constantFrom(4, 16, 32), (c, bits, groupSize) => {
        const codec = uniform({ bits, groupSize })
        const block = codec.encode(tensorOf(c), contextOf(c.role))
        const approx = codec.decode(block)
        const part = block.matrix.parts[0]
        if (part !== undefined) expect(part.axis).toBe(c.role === 'key' ? 'column' : 'row')
        for (let t = 0; t < c.tokens; t++) {
          for (let d = 0; d < c.headDim; d++) {
            const i = t * c.headDim + d
            const scale = scaleAt(block.matrix, t, d)
            const budget = MAX_ABS_ERROR_UNIFORM(scale) + FLOAT_SLACK(Math.abs(c.data[i]!) + scale * 255)
            const err = Math.abs(approx[i]! - c.data[i]!)
            if (!(err <= budget)) throw new Error(`element ${i}: error ${err} > ${budget}`)
          }
        }
      }),
    )
  })

  it('groups keys over groupSize tokens of a channel, as KIVI quantizes the transposed key cache', () => {
    const codec = uniform({ bits: 2, groupSize: 4 })
    const keys = new Float32Array(10 * 3).map((_, i) => i)
    const block = codec.encode(
      tensorOf({ tokens: 10, headDim: 3, role: 'key', data: keys, seed: 1 }),
      contextOf('key'),
    )
    expect(block.matrix.parts.map((p) => p.rows)).toEqual([4, 4, 2])
    // channel 1 over tokens 0..3 holds 1, 4, 7, 10: min 1, scale 3
    expect(block.matrix.parts[0]!.mins[1]).toBe(1)
    expect(block.matrix.parts[0]!.scales[1]).toBe(3)
    expect(codec.decode(block)).toEqual(keys)
  })

  it('keeps the contract: exact select, fused dot/accumulate, honest bytes', () => {
    fc.assert(
      fc.property(kvCase(), fc.constantFrom(2, 3, 4, 8), fc.integer(), (c, bits, mask) => {
        const codec = uniform({ bits, groupSize: 8 })
        checkCodecContract(codec, c, mask)
        const block = codec.encode(tensorOf(c), contextOf(c.role))
        let data = 0
        for (const p of block.matrix.parts)
          data += p.codes.byteLength + p.scales.byteLength + p.mins.byteLength
        expect(codec.physicalBytes(block)).toBeGreaterThanOrEqual(data)
        expect(codec.bytes(block)).toBe(data + 4 * block.matrix.parts.length)
      }),
    )
  })

  it('reconstructs zero and constant blocks exactly, and huge and tiny ones within the bound', () => {
    for (const value of [0, 3.5, -1e30, 1e-30]) {
      for (const role of ['key', 'value'] as const) {
        const data = new Float32Array(17 * 7).fill(value)
        const codec = uniform({ bits: 2, groupSize: 4 })
        expect(
          codec.decode(
            codec.encode(tensorOf({ tokens: 17, headDim: 7, role, data, seed: 1 }), contextOf(role)),
          ),
        ).toEqual(data)
      }
    }
  })

  it('costs 48 bytes per token for 4-bit keys and values at headDim 64, group 32', () => {
    const codec = uniform({ bits: 4, groupSize: 32 })
    for (const role of ['key', 'value'] as const) {
      const data = new Float32Array(32 * 64).map((_, i) => Math.sin(i))
      const block = codec.encode(tensorOf({ tokens: 32, headDim: 64, role, data, seed: 1 }), contextOf(role))
      // codes 32·64·4/8 = 1024, scales+mins 2·4·(64 channel groups or 32·2 token groups) = 512, shape 4
      expect(codec.bytes(block)).toBe(1024 + 512 + 4)
    }
  })

  it('validates options and input', () => {
    expect(() => uniform({ bits: 5 })).toThrow('uniform: bits must be one of 2, 3, 4, 8, got 5')
    expect(() => uniform({ groupSize: 0 })).toThrow(
      'uniform: groupSize must be an integer in [1, 4096], got 0',
    )
    expect(() => uniform({ residual: -1 })).toThrow(
      'uniform: residual must be an integer in [0, 1048576], got -1',
    )
    expect(() => uniform({ blockTokens: Number.POSITIVE_INFINITY })).toThrow('got Infinity')
    expect(() => uniform({ groupSize: Number.NaN })).toThrow('uniform: groupSize must be an integer')
    expect(() => uniform({ bit: 2 } as never)).toThrow(
      'uniform: unknown option "bit" (did you mean "bits"?); known options: bits, groupSize, residual, blockTokens',
    )
    checkRejectsNaN(uniform(), 'key')
    checkRejectsNaN(uniform(), 'value')
    const codec = uniform()
    const block = codec.encode(
      tensorOf({ tokens: 4, headDim: 8, role: 'value', data: new Float32Array(32), seed: 1 }),
      contextOf('value'),
    )
    expect(() => codec.select!(block, new Int32Array([2, 1]))).toThrow(
      'uniform.select: keep[1] = 1 is not ascending',
    )
  })
})
