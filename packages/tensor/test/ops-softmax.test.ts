import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { softmax } from '../src/index.js'

const length = fc.constantFrom(1, 2, 3, 7, 17, 33, 65, 300)
const NEG_INF = Number.NEGATIVE_INFINITY

/** Rows of exact float32 values: eighths in [-64, 64], mixed with ±1e30 and -Infinity masks. */
function row(extreme: boolean) {
  const eighth = fc.integer({ min: -512, max: 512 }).map((v) => v / 8)
  const value = extreme ? fc.oneof(eighth, fc.constantFrom(1e30, -1e30, NEG_INF)) : eighth
  return length.chain((n) => fc.array(value, { minLength: n, maxLength: n }))
}

/** Softmax and log-sum-exp in float64 around the maximum. */
function reference(values: number[]): { p: number[]; lse: number } {
  const max = Math.max(...values)
  const e = values.map((v) => Math.exp(v - max))
  const sum = e.reduce((s, v) => s + v, 0)
  return { p: e.map((v) => v / sum), lse: max + Math.log(sum) }
}

describe('softmax', () => {
  it('sums to one, matches float64 and returns the log-sum-exp, with ±1e30 and -Infinity entries', () => {
    fc.assert(
      fc.property(row(true), (values) => {
        fc.pre(values.some((v) => v !== NEG_INF))
        const x = Float32Array.from(values)
        const lse = softmax(x)
        const ref = reference(Array.from(Float32Array.from(values)))
        let sum = 0
        for (let i = 0; i < x.length; i++) {
          // Two float32 roundings (e^(x−max), then the scaled value); below 2^-126 they are one subnormal step.
          expect(Math.abs(x[i]! - ref.p[i]!)).toBeLessThanOrEqual(2 ** -23 * ref.p[i]! + 2 ** -149)
          if (values[i] === NEG_INF) expect(x[i]).toBe(0)
          sum += x[i]!
        }
        expect(Math.abs(sum - 1)).toBeLessThanOrEqual(1e-6)
        expect(Math.abs(lse - ref.lse)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(ref.lse)))
      }),
    )
  })

  it('is shift invariant, and the log-sum-exp moves by the shift', () => {
    fc.assert(
      fc.property(row(false), fc.integer({ min: -10_000, max: 10_000 }), (values, shift) => {
        const x = Float32Array.from(values)
        const shifted = Float32Array.from(values, (v) => v + shift)
        const lse = softmax(x)
        const lseShifted = softmax(shifted)
        for (let i = 0; i < x.length; i++) expect(Math.abs(x[i]! - shifted[i]!)).toBeLessThanOrEqual(1e-7)
        expect(Math.abs(lseShifted - lse - shift)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(shift)))
      }),
    )
  })

  it('splits evenly between equal maxima of 1e30 and gives -1e30 nothing', () => {
    const x = new Float32Array([1e30, -1e30, 1e30, NEG_INF])
    const lse = softmax(x)
    expect(Array.from(x)).toEqual([0.5, 0, 0.5, 0])
    expect(lse).toBeCloseTo(Math.fround(1e30) + Math.LN2, -20)
  })

  it('touches only [offset, offset + length)', () => {
    const x = new Float32Array([7, 0, 0, 7])
    expect(softmax(x, 1, 2)).toBeCloseTo(Math.LN2, 12)
    expect(Array.from(x)).toEqual([7, 0.5, 0.5, 7])
  })

  it('refuses an all -Infinity row, NaN, +Infinity and empty or overrunning ranges, leaving x unchanged', () => {
    const masked = new Float32Array([NEG_INF, NEG_INF, 3])
    expect(() => softmax(masked, 0, 2)).toThrow('softmax: every entry of x[0, 2) is -Infinity')
    expect(Array.from(masked)).toEqual([NEG_INF, NEG_INF, 3])
    const withNaN = new Float32Array([1, Number.NaN, 2])
    expect(() => softmax(withNaN)).toThrow('softmax: x[1] is NaN')
    expect(withNaN[0]).toBe(1)
    expect(() => softmax(new Float32Array([0, Number.POSITIVE_INFINITY]))).toThrow(
      'softmax: x[1] is Infinity',
    )
    expect(() => softmax(new Float32Array(3), 3)).toThrow('softmax: length must be at least 1, got 0')
    expect(() => softmax(new Float32Array(3), 2, 2)).toThrow(
      'softmax: x range [2, 4) overruns its 3 elements',
    )
  })
})
