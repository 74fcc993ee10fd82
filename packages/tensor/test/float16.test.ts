import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  bf16ArrayToF32,
  bf16ToF32,
  f16ArrayToF32,
  f16ToF32,
  f32ArrayToBf16,
  f32ArrayToF16,
  f32ToBf16,
  f32ToF16,
} from '../src/index.js'

/**
 * Independent references: a format is (mantissa bits, minimum normal exponent, overflow threshold); a value
 * is rounded by dividing by the quantum of its binade (exact in float64: a power-of-two scaling) and
 * rounding that to the nearest even integer by comparing the remainder with one half.
 */
type Format = { mantissaBits: number; minExponent: number; overflow: number }
const HALF: Format = { mantissaBits: 10, minExponent: -14, overflow: 65536 }
const BFLOAT: Format = { mantissaBits: 7, minExponent: -126, overflow: 2 ** 128 }

function binade(x: number): number {
  let e = Math.floor(Math.log2(x))
  while (2 ** e > x) e--
  while (2 ** (e + 1) <= x) e++
  return e
}

function roundReference(x: number, f: Format): number {
  if (Number.isNaN(x) || !Number.isFinite(x) || x === 0) return x
  const ax = Math.abs(x)
  const quantum = 2 ** (Math.max(binade(ax), f.minExponent) - f.mantissaBits)
  const scaled = ax / quantum
  const floor = Math.floor(scaled)
  const rest = scaled - floor
  const n = rest > 0.5 || (rest === 0.5 && floor % 2 === 1) ? floor + 1 : floor
  const rounded = n * quantum
  const magnitude = rounded >= f.overflow ? Number.POSITIVE_INFINITY : rounded
  return x < 0 ? -magnitude : magnitude
}

/** Decodes half bits by the definition (sign, biased exponent, fraction), independent of the library. */
function halfValue(bits: number): number {
  const sign = bits >> 15 ? -1 : 1
  const e = (bits >> 10) & 31
  const f = bits & 1023
  if (e === 31) return f ? Number.NaN : sign * Number.POSITIVE_INFINITY
  return e === 0 ? sign * f * 2 ** -24 : sign * (1 + f / 1024) * 2 ** (e - 15)
}

const isHalfNaN = (bits: number) => (bits & 0x7c00) === 0x7c00 && (bits & 0x3ff) !== 0
const isBf16NaN = (bits: number) => (bits & 0x7f80) === 0x7f80 && (bits & 0x7f) !== 0
const f32 = fc.float({ noDefaultInfinity: false })

function expectSameValue(actual: number, expected: number): void {
  if (Number.isNaN(expected)) expect(actual).toBeNaN()
  else expect(Object.is(actual, expected), `${actual} vs ${expected}`).toBe(true)
}

describe('float16', () => {
  it('decodes every half pattern by definition and round-trips it (NaN stays a quiet NaN)', () => {
    const all = new Uint16Array(65536).map((_, i) => i)
    const decoded = f16ArrayToF32(all)
    const back = f32ArrayToF16(decoded)
    const wrong: string[] = []
    for (let bits = 0; bits < 65536; bits++) {
      const value = halfValue(bits)
      if (!Object.is(f16ToF32(bits), value) || !Object.is(decoded[bits], Math.fround(value))) {
        wrong.push(`decode ${bits}`)
      }
      const again = f32ToF16(f16ToF32(bits))
      const ok = isHalfNaN(bits)
        ? isHalfNaN(back[bits]!) && (back[bits]! & 0x200) !== 0 && isHalfNaN(again)
        : back[bits] === bits && again === bits
      if (!ok) wrong.push(`round trip ${bits}`)
    }
    expect(wrong.slice(0, 5)).toEqual([])
  })

  it('rounds every tie between neighbouring halves to even, and values one float32 ulp off the tie away', () => {
    const probe = new Float32Array(3)
    const wrong: number[] = []
    for (let bits = 0; bits < 0x7c00; bits++) {
      const lo = halfValue(bits)
      const hi = bits === 0x7bff ? 65536 : halfValue(bits + 1)
      const tie = (lo + hi) / 2
      probe[0] = tie
      const ulp = 2 ** (binade(tie) - 23)
      probe[1] = tie - ulp
      probe[2] = tie + ulp
      const out = f32ArrayToF16(probe)
      const even = bits % 2 === 0 ? bits : bits + 1
      if (out[0] !== even || out[1] !== bits || out[2] !== bits + 1) wrong.push(bits)
    }
    expect(wrong.slice(0, 5)).toEqual([])
  })

  it('matches the reference rounding on arbitrary float32 values (scalar and array)', () => {
    fc.assert(
      fc.property(fc.array(f32, { maxLength: 65 }), (values) => {
        const src = Float32Array.from(values)
        const out = f32ArrayToF16(src)
        for (let i = 0; i < src.length; i++) {
          const expected = roundReference(src[i]!, HALF)
          expect(f32ToF16(src[i]!)).toBe(out[i])
          if (Number.isNaN(expected)) expect(isHalfNaN(out[i]!)).toBe(true)
          else expectSameValue(halfValue(out[i]!), expected)
        }
      }),
    )
  })

  it('overflows past 65504 to Infinity, underflows below 2^-25 to signed zero, keeps subnormals', () => {
    expect(f32ToF16(65504)).toBe(0x7bff)
    expect(f32ToF16(65519.99)).toBe(0x7bff)
    expect(f32ToF16(65520)).toBe(0x7c00)
    expect(f32ToF16(-1e30)).toBe(0xfc00)
    expect(f32ToF16(2 ** -24)).toBe(1)
    expect(f32ToF16(2 ** -25)).toBe(0)
    expect(f32ToF16(2 ** -25 * 1.0001)).toBe(1)
    expect(f32ToF16(-1e-30)).toBe(0x8000)
    expect(f32ToF16(Number.NEGATIVE_INFINITY)).toBe(0xfc00)
  })

  it('turns a signalling float32 NaN into a quiet half NaN, never Infinity', () => {
    const src = new Float32Array(2)
    new Uint32Array(src.buffer).set([0x7f800001, 0xff800400])
    const out = f32ArrayToF16(src)
    for (const bits of out) expect(isHalfNaN(bits) && (bits & 0x200) !== 0).toBe(true)
  })

  it('refuses bad bit patterns and mismatched output lengths', () => {
    expect(() => f16ToF32(65536)).toThrow('f16ToF32: bits must be an integer in 0..65535, got 65536')
    expect(() => f16ToF32(1.5)).toThrow(RangeError)
    expect(() => f32ArrayToF16(new Float32Array(3), new Uint16Array(2))).toThrow(
      'f32ArrayToF16: out has 2 elements, src has 3',
    )
    expect(() => f16ArrayToF32(new Uint16Array(3), new Float32Array(4))).toThrow(RangeError)
  })
})

describe('bfloat16', () => {
  it('round-trips every bfloat16 pattern (NaN stays a quiet NaN)', () => {
    const all = new Uint16Array(65536).map((_, i) => i)
    const decoded = bf16ArrayToF32(all)
    const back = f32ArrayToBf16(decoded)
    const view = new Uint32Array(decoded.buffer)
    const wrong: number[] = []
    for (let bits = 0; bits < 65536; bits++) {
      const ok = isBf16NaN(bits)
        ? isBf16NaN(back[bits]!) && (back[bits]! & 0x40) !== 0 && Number.isNaN(bf16ToF32(bits))
        : back[bits] === bits && f32ToBf16(bf16ToF32(bits)) === bits
      if (view[bits] !== (bits << 16) >>> 0 || !ok) wrong.push(bits)
    }
    expect(wrong.slice(0, 5)).toEqual([])
  })

  it('matches the reference rounding on arbitrary float32 values (scalar and array)', () => {
    fc.assert(
      fc.property(fc.array(f32, { maxLength: 65 }), (values) => {
        const src = Float32Array.from(values)
        const out = f32ArrayToBf16(src)
        for (let i = 0; i < src.length; i++) {
          const expected = roundReference(src[i]!, BFLOAT)
          expect(f32ToBf16(src[i]!)).toBe(out[i])
          if (Number.isNaN(expected)) expect(isBf16NaN(out[i]!)).toBe(true)
          else expectSameValue(bf16ToF32(out[i]!), expected)
        }
      }),
    )
  })

  it('rounds every tie between neighbouring bfloat16 values to even, and one float32 ulp off it away', () => {
    const probe = new Float32Array(3)
    const wrong: number[] = []
    for (let bits = 0; bits < 0x7f80; bits++) {
      const lo = bf16ToF32(bits)
      const hi = bits === 0x7f7f ? 2 ** 128 : bf16ToF32(bits + 1)
      const tie = (lo + hi) / 2
      const ulp = 2 ** Math.max(binade(tie) - 23, -149)
      probe[0] = tie
      probe[1] = tie - ulp
      probe[2] = tie + ulp
      const out = f32ArrayToBf16(probe)
      const even = bits % 2 === 0 ? bits : bits + 1
      if (out[0] !== even || out[1] !== bits || out[2] !== bits + 1) wrong.push(bits)
    }
    expect(wrong.slice(0, 5)).toEqual([])
  })

  it('rounds ties to even and overflows the largest tie to Infinity', () => {
    expect(f32ToBf16(1 + 2 ** -8)).toBe(0x3f80)
    expect(f32ToBf16(1 + 3 * 2 ** -8)).toBe(0x3f82)
    expect(f32ToBf16(3.3895313892515355e38)).toBe(0x7f7f)
    expect(f32ToBf16(3.4e38)).toBe(0x7f80)
    expect(f32ToBf16(Number.NEGATIVE_INFINITY)).toBe(0xff80)
    expect(f32ToBf16(-0)).toBe(0x8000)
  })
})
