import { Tensor } from '@kv/tensor'
import type { EncodedBlock, KVCodec } from '@kv/tensor/contracts'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { cacheMethods, checkNumber, float16Codec, float32Codec, MethodRegistry } from '../src/index.js'

const registry = new MethodRegistry(cacheMethods)

describe('spec parsing', () => {
  it.each(['__proto__', 'constructor', 'prototype'])('refuses the reserved name %s by name', (name) => {
    expect(() => registry.parse(`fp16:${name}=1`)).toThrow(
      `parameter name "${name}" of fp16 is reserved and never a parameter; valid parameters: blockTokens, residual`,
    )
  })

  it('returns null-prototype parameters holding only what was given', () => {
    const [part] = registry.parse('fp16:residual=4')
    expect(Object.getPrototypeOf(part!.params)).toBe(null)
    expect(Object.keys(part!.params)).toEqual(['residual'])
    expect(({} as Record<string, unknown>).residual).toBeUndefined()
  })

  it('suggests the closest parameter for a typo', () => {
    expect(() => registry.parse('fp16:residul=4')).toThrow(
      'unknown parameter "residul" of fp16 (did you mean "residual"?); valid parameters: blockTokens, residual',
    )
  })

  it('refuses non-finite numbers and honours exclusive bounds', () => {
    for (const text of ['NaN', 'Infinity', '-Infinity', '1e999']) {
      expect(() => registry.parse(`fp16:residual=${text}`)).toThrow(
        'parameter residual of fp16 must be a number',
      )
    }
    expect(() => checkNumber(0.5, { max: 0.5, maxExclusive: true }, 'x')).toThrow('x must be < 0.5, got 0.5')
    expect(() => checkNumber(0, { min: 0, minExclusive: true }, 'x')).toThrow('x must be > 0, got 0')
    expect(() => checkNumber(Number.NaN, {}, 'x')).toThrow('x must be a finite number, got NaN')
    expect(() => checkNumber(0.25, { min: 0, max: 0.5, maxExclusive: true }, 'x')).not.toThrow()
  })

  it('refuses a value past the declared range in the parser and in the factory alike', () => {
    expect(() => registry.parse('fp16:blockTokens=4097')).toThrow('must be ≤ 4096, got 4097')
    expect(() => float16Codec({ blockTokens: 4097 })).toThrow(
      'float16Codec: blockTokens must be an integer in [1, 4096], got 4097',
    )
    expect(() => float16Codec({ residual: Number.NaN })).toThrow('float16Codec: residual must be an integer')
    expect(() => float16Codec({ blockToken: 8 } as never)).toThrow(
      'float16Codec: unknown option "blockToken" (did you mean "blockTokens"?)',
    )
  })
})

describe('decode into a caller buffer', () => {
  it('refuses a buffer too short for the block and fills a long enough one (float16, float32)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 7 }), (tokens, headDim) => {
        const data = Float32Array.from({ length: tokens * headDim }, (_, i) => i - 3.5)
        const block = Tensor.fromF32(data, [tokens, headDim])
        for (const codec of [float16Codec(), float32Codec()] as KVCodec<EncodedBlock>[]) {
          const encoded = codec.encode(block, { role: 'key', phase: 'decode', layer: 0, head: 0 })
          expect(() => codec.decode(encoded, new Float32Array(tokens * headDim - 1))).toThrow(RangeError)
          expect(() => codec.decode(encoded, new Float32Array(tokens * headDim - 1))).toThrow(
            `the block needs ${tokens * headDim} (${tokens} tokens × ${headDim} channels)`,
          )
          const out = new Float32Array(tokens * headDim + 2).fill(7)
          codec.decode(encoded, out)
          expect(Array.from(out.subarray(0, tokens * headDim))).toEqual(Array.from(data))
          expect(Array.from(out.subarray(tokens * headDim))).toEqual([7, 7])
        }
      }),
    )
  })
})
