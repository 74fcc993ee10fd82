import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { slerp } from '../src/index.js'
import { AWKWARD_DIMS, allFinite, angleBetween, fraction, norm, row } from './arbitraries.js'

const UNIT_TOLERANCE = 1e-6
/** Float32 rounding of the result moves its angle by about 1e-7 rad. */
const ANGLE_TOLERANCE = 1e-5

/** Two non-zero rows of the same awkward dimension. */
const pair = fc
  .constantFrom(...AWKWARD_DIMS)
  .chain((dim) => fc.tuple(row(dim), row(dim)))
  .filter(([a, b]) => norm(a) > 0 && norm(b) > 0)

function unit(v: Float32Array): Float64Array {
  const n = norm(v)
  return Float64Array.from(v, (x) => x / n)
}

function isOneDimOpposite(a: Float32Array, b: Float32Array): boolean {
  return a.length === 1 && Math.sign(a[0]!) !== Math.sign(b[0]!)
}

describe('slerp', () => {
  it('interpolates along the quarter circle', () => {
    const out = new Float32Array(2)
    expect(slerp(Float32Array.of(1, 0), Float32Array.of(0, 1), 0.6, out)).toBeCloseTo(Math.PI / 2, 12)
    expect(out[0]).toBeCloseTo(Math.cos(0.3 * Math.PI), 6)
    expect(out[1]).toBeCloseTo(Math.sin(0.3 * Math.PI), 6)
  })

  it('keeps unit length', () => {
    fc.assert(
      fc.property(pair, fraction, ([a, b], t) => {
        const out = new Float32Array(a.length)
        slerp(a, b, t, out)
        expect(Math.abs(norm(out) - 1)).toBeLessThan(UNIT_TOLERANCE)
      }),
    )
  })

  it('returns its endpoints at t = 0 and t = 1', () => {
    fc.assert(
      fc.property(pair, ([a, b]) => {
        const out = new Float32Array(a.length)
        slerp(a, b, 0, out)
        const ua = unit(a)
        for (let i = 0; i < a.length; i++) expect(Math.abs(out[i]! - ua[i]!)).toBeLessThan(UNIT_TOLERANCE)
        slerp(a, b, 1, out)
        const ub = unit(b)
        for (let i = 0; i < b.length; i++) expect(Math.abs(out[i]! - ub[i]!)).toBeLessThan(UNIT_TOLERANCE)
      }),
    )
  })

  it('lies at angle tΩ from a and (1 − t)Ω from b', () => {
    fc.assert(
      fc.property(pair, fraction, ([a, b], t) => {
        fc.pre(!isOneDimOpposite(a, b))
        const out = new Float32Array(a.length)
        const omega = slerp(a, b, t, out)
        expect(Math.abs(omega - angleBetween(a, b))).toBeLessThan(ANGLE_TOLERANCE)
        expect(Math.abs(angleBetween(a, out) - t * omega)).toBeLessThan(ANGLE_TOLERANCE)
        expect(Math.abs(angleBetween(b, out) - (1 - t) * omega)).toBeLessThan(ANGLE_TOLERANCE)
      }),
    )
  })

  it('is symmetric under swapping the inputs with t ↔ 1 − t', () => {
    fc.assert(
      fc.property(pair, fraction, ([a, b], t) => {
        const forward = new Float32Array(a.length)
        const backward = new Float32Array(a.length)
        slerp(a, b, t, forward)
        slerp(b, a, 1 - t, backward)
        for (let i = 0; i < a.length; i++) expect(Math.abs(forward[i]! - backward[i]!)).toBeLessThan(1e-5)
      }),
    )
  })

  it('takes a deterministic orthogonal half-turn between opposite directions', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 65 }).chain((dim) => row(dim)),
        fraction,
        (a, t) => {
          fc.pre(norm(a) > 0)
          const b = a.map((x) => -x)
          const out = new Float32Array(a.length)
          const again = new Float32Array(a.length)
          expect(slerp(a, b, t, out)).toBeCloseTo(Math.PI, 6)
          slerp(a, b, t, again)
          expect(allFinite(out)).toBe(true)
          expect(Math.abs(norm(out) - 1)).toBeLessThan(UNIT_TOLERANCE)
          expect(Array.from(again)).toEqual(Array.from(out))
          expect(Math.abs(angleBetween(a, out) - t * Math.PI)).toBeLessThan(ANGLE_TOLERANCE)
        },
      ),
    )
  })

  it('stays finite and unit for nearly opposite directions', () => {
    const a = Float32Array.of(1, 0, 0)
    const b = Float32Array.of(-1, 1e-7, 0)
    const out = new Float32Array(3)
    for (const t of [0.1, 0.5, 0.9]) {
      slerp(a, b, t, out)
      expect(allFinite(out)).toBe(true)
      expect(Math.abs(norm(out) - 1)).toBeLessThan(UNIT_TOLERANCE)
    }
  })

  it('jumps between opposite directions in one dimension, through +1 at 1/2', () => {
    const out = new Float32Array(1)
    const a = Float32Array.of(2)
    const b = Float32Array.of(-3)
    const along = (from: Float32Array, to: Float32Array) =>
      [0.25, 0.5, 0.75].map((t) => {
        slerp(from, to, t, out)
        return out[0]
      })
    expect(along(a, b)).toEqual([1, 1, -1])
    expect(along(b, a)).toEqual([-1, 1, 1])
  })

  it('gives the other direction for a zero input and zero for two', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...AWKWARD_DIMS).chain((dim) => row(dim)),
        fraction,
        (b, t) => {
          fc.pre(norm(b) > 0)
          const zero = new Float32Array(b.length)
          const out = new Float32Array(b.length)
          expect(slerp(zero, b, t, out)).toBe(0)
          const ub = unit(b)
          for (let i = 0; i < b.length; i++) expect(Math.abs(out[i]! - ub[i]!)).toBeLessThan(UNIT_TOLERANCE)
          slerp(b, zero, t, out)
          for (let i = 0; i < b.length; i++) expect(Math.abs(out[i]! - ub[i]!)).toBeLessThan(UNIT_TOLERANCE)
          slerp(zero, zero, t, out)
          expect(Array.from(out).every((x) => x === 0)).toBe(true)
        },
      ),
    )
  })

  it('returns the direction itself for identical inputs', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...AWKWARD_DIMS).chain((dim) => row(dim)),
        fraction,
        (a, t) => {
          fc.pre(norm(a) > 0)
          const out = new Float32Array(a.length)
          expect(slerp(a, a, t, out)).toBe(0)
          const ua = unit(a)
          for (let i = 0; i < a.length; i++) expect(Math.abs(out[i]! - ua[i]!)).toBeLessThan(UNIT_TOLERANCE)
        },
      ),
    )
  })

  it('reads and writes at offsets', () => {
    const a = Float32Array.of(9, 9, 1, 0, 0)
    const b = Float32Array.of(9, 0, 1, 0)
    const out = new Float32Array(6).fill(7)
    slerp(a, b, 0.5, out, 3, 2, 1, 3)
    expect(Array.from(out.subarray(0, 3))).toEqual([7, 7, 7])
    expect(out[3]).toBeCloseTo(Math.SQRT1_2, 6)
    expect(out[4]).toBeCloseTo(Math.SQRT1_2, 6)
    expect(out[5]).toBe(0)
  })

  it('rejects bad arguments, naming them', () => {
    const v = Float32Array.of(1, 0)
    const out = new Float32Array(2)
    expect(() => slerp(v, v, 1.5, out)).toThrow(/t must be a number in \[0, 1\], got 1.5/)
    expect(() => slerp(v, v, Number.NaN, out)).toThrow(/got NaN/)
    expect(() => slerp(v, v, 0.5, out, 0)).toThrow(/headDim must be a positive integer, got 0/)
    expect(() => slerp(v, Float32Array.of(1), 0.5, out)).toThrow(/b needs 2 numbers from offset 0/)
    expect(() => slerp(v, v, 0.5, out, 2, 1)).toThrow(/a needs 2 numbers from offset 1/)
    expect(() => slerp(Float32Array.of(Number.NaN, 0), v, 0.5, out)).toThrow(/a contains NaN/)
  })
})
