import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { mergeRows, restoreRow } from '../src/index.js'
import {
  AWKWARD_DIMS,
  allFinite,
  angleBetween,
  fraction,
  norm,
  rows,
  uniformFraction,
} from './arbitraries.js'

/** Float32 rounding of a stored direction and magnitude: a few units in the last place. */
const MAGNITUDE_TOLERANCE = 1e-6
/** Below float32's normal range (1.2e-38) the grid spacing 2^-149 bounds what any float32 result can do. */
const DENORMAL_STEP = 2 ** -149

/** A block of 1–40 tokens of an awkward dimension, in two layers. */
const block = fc
  .tuple(fc.constantFrom(...AWKWARD_DIMS), fc.integer({ min: 1, max: 40 }))
  .chain(([dim, tokens]) =>
    fc.tuple(fc.constant(dim), fc.constant(tokens), rows(tokens, dim), rows(tokens, dim)),
  )

describe('mergeRows', () => {
  it('merges a worked example', () => {
    const merged = mergeRows(Float32Array.of(3, 0, 0, 2), Float32Array.of(0, 4, 0, 1), 2, 2, {
      t: 0.5,
      retain: 0,
    })
    expect(Array.from(merged.magnitudeA)).toEqual([3, 2])
    expect(Array.from(merged.magnitudeB)).toEqual([4, 1])
    expect(merged.direction[0]).toBeCloseTo(Math.SQRT1_2, 6)
    expect(merged.direction[1]).toBeCloseTo(Math.SQRT1_2, 6)
    expect(Array.from(merged.direction.subarray(2))).toEqual([0, 1])
    expect(merged.retained.length).toBe(0)
  })

  it('stores each row magnitude and restores vectors of exactly that magnitude', () => {
    fc.assert(
      fc.property(block, fraction, ([dim, tokens, a, b], t) => {
        const merged = mergeRows(a, b, tokens, dim, { t })
        const out = new Float32Array(dim)
        for (let row = 0; row < tokens; row++) {
          for (const [layer, source, magnitudes] of [
            ['a', a, merged.magnitudeA],
            ['b', b, merged.magnitudeB],
          ] as const) {
            const expected = norm(source, row * dim, dim)
            expect(Math.abs(magnitudes[row]! - expected)).toBeLessThanOrEqual(
              MAGNITUDE_TOLERANCE * expected + DENORMAL_STEP,
            )
            restoreRow(merged, layer, row, out)
            expect(Math.abs(norm(out) - magnitudes[row]!)).toBeLessThanOrEqual(
              MAGNITUDE_TOLERANCE * magnitudes[row]! + Math.sqrt(dim) * DENORMAL_STEP,
            )
          }
        }
      }),
    )
  })

  it('restores with error ‖x‖·2 sin(tθ/2) for layer A and ‖x‖·2 sin((1 − t)θ/2) for layer B', () => {
    fc.assert(
      fc.property(block, fraction, ([dim, tokens, a, b], t) => {
        fc.pre(dim > 1)
        const merged = mergeRows(a, b, tokens, dim, { t })
        const out = new Float32Array(dim)
        for (let row = 0; row < tokens; row++) {
          const offset = row * dim
          const normA = norm(a, offset, dim)
          const normB = norm(b, offset, dim)
          if (normA === 0 || normB === 0) continue
          const theta = angleBetween(a, b, offset, offset, dim)
          if (Math.PI - theta < 1e-3) continue // the opposite branch takes a different (fixed) arc
          for (const [layer, source, size, share] of [
            ['a', a, normA, t],
            ['b', b, normB, 1 - t],
          ] as const) {
            restoreRow(merged, layer, row, out)
            let errSq = 0
            for (let i = 0; i < dim; i++) errSq += (out[i]! - source[offset + i]!) ** 2
            const bound = size * 2 * Math.sin((share * theta) / 2)
            expect(Math.abs(Math.sqrt(errSq) - bound)).toBeLessThanOrEqual(
              1e-5 * size + Math.sqrt(dim) * DENORMAL_STEP,
            )
          }
        }
      }),
    )
  })

  it('retains exactly the round(retain · tokens) rows of largest angle, ascending', () => {
    fc.assert(
      fc.property(block, uniformFraction(), ([dim, tokens, a, b], retain) => {
        const merged = mergeRows(a, b, tokens, dim, { retain })
        const retained = Array.from(merged.retained)
        expect(retained.length).toBe(Math.round(retain * tokens))
        for (let i = 1; i < retained.length; i++) expect(retained[i]!).toBeGreaterThan(retained[i - 1]!)
        const angle = (row: number) => {
          const offset = row * dim
          if (norm(a, offset, dim) === 0 || norm(b, offset, dim) === 0) return 0
          return angleBetween(a, b, offset, offset, dim)
        }
        const kept = new Set(retained)
        let smallestKept = Number.POSITIVE_INFINITY
        let largestMerged = Number.NEGATIVE_INFINITY
        for (let row = 0; row < tokens; row++) {
          if (kept.has(row)) smallestKept = Math.min(smallestKept, angle(row))
          else largestMerged = Math.max(largestMerged, angle(row))
        }
        expect(smallestKept).toBeGreaterThanOrEqual(largestMerged - 1e-12)
      }),
    )
  })

  it('breaks ties towards the lower row', () => {
    const a = Float32Array.of(1, 0, 1, 0, 1, 0, 1, 0)
    const b = Float32Array.of(1, 0, 0, 1, 1, 0, 0, 1) // rows 1 and 3 at 90°, rows 0 and 2 at 0°
    expect(Array.from(mergeRows(a, b, 4, 2, { retain: 0.25 }).retained)).toEqual([1])
    expect(Array.from(mergeRows(a, b, 4, 2, { retain: 0.5 }).retained)).toEqual([1, 3])
    expect(Array.from(mergeRows(a, b, 4, 2, { retain: 0.75 }).retained)).toEqual([0, 1, 3])
  })

  it('handles zero, opposite and identical rows without NaN', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...AWKWARD_DIMS).chain((dim) => fc.tuple(fc.constant(dim), rows(3, dim))),
        fraction,
        ([dim, base], t) => {
          const a = new Float32Array(4 * dim)
          const b = new Float32Array(4 * dim)
          a.set(base.subarray(0, dim), 0) // row 0: identical
          b.set(base.subarray(0, dim), 0)
          a.set(base.subarray(dim, 2 * dim), dim) // row 1: opposite
          b.set(
            base.subarray(dim, 2 * dim).map((x) => -x),
            dim,
          )
          b.set(base.subarray(2 * dim, 3 * dim), 2 * dim) // row 2: zero in A; row 3: zero in both
          const merged = mergeRows(a, b, 4, dim, { t, retain: 0.5 })
          expect(allFinite(merged.direction)).toBe(true)
          const out = new Float32Array(dim)
          for (const row of [0, 2]) {
            restoreRow(merged, 'b', row, out)
            for (let i = 0; i < dim; i++) {
              const x = b[row * dim + i]!
              expect(Math.abs(out[i]! - x)).toBeLessThanOrEqual(
                1e-6 * merged.magnitudeB[row]! + DENORMAL_STEP,
              )
            }
          }
          restoreRow(merged, 'a', 2, out)
          expect(Array.from(out).every((x) => x === 0)).toBe(true)
          restoreRow(merged, 'a', 3, out)
          expect(Array.from(out).every((x) => x === 0)).toBe(true)
        },
      ),
    )
  })

  it('returns empty rows for zero tokens', () => {
    const merged = mergeRows(new Float32Array(0), new Float32Array(0), 0, 8)
    expect(merged.direction.length).toBe(0)
    expect(merged.retained.length).toBe(0)
  })

  it('rejects bad arguments, naming them', () => {
    const v = new Float32Array(8)
    expect(() => mergeRows(v, v, 2, 4, { t: -0.1 })).toThrow(/t must be a number in \[0, 1\], got -0.1/)
    expect(() => mergeRows(v, v, 2, 4, { retain: 2 })).toThrow(/retain must be a number in \[0, 1\], got 2/)
    expect(() => mergeRows(v, v, 1.5, 4)).toThrow(/tokens must be an integer ≥ 0, got 1.5/)
    expect(() => mergeRows(v, v, 2, 0)).toThrow(/headDim must be an integer ≥ 1, got 0/)
    expect(() => mergeRows(v, new Float32Array(7), 2, 4)).toThrow(/rowsB has length 7, needs .* = 8/)
    const bad = new Float32Array(8)
    bad[5] = Number.POSITIVE_INFINITY
    expect(() => mergeRows(v, bad, 2, 4)).toThrow(/rowsB row 1 has a non-finite value/)
    const huge = new Float32Array(8).fill(3e38)
    expect(() => mergeRows(huge, v, 2, 4)).toThrow(/rowsA row 0 .* norm beyond float32/)
  })

  it('rejects bad restore arguments', () => {
    const merged = mergeRows(Float32Array.of(1, 0), Float32Array.of(0, 1), 1, 2)
    const out = new Float32Array(2)
    expect(() => restoreRow(merged, 'c' as 'a', 0, out)).toThrow(/layer must be 'a' or 'b', got c/)
    expect(() => restoreRow(merged, 'a', 1, out)).toThrow(/row must be an integer in \[0, 1\), got 1/)
    expect(() => restoreRow(merged, 'a', 0, new Float32Array(1))).toThrow(/out needs 2 numbers/)
  })
})
