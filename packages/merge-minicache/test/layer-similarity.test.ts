import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { layerSimilarity } from '../src/index.js'
import { AWKWARD_DIMS, rows } from './arbitraries.js'

const statesArb = fc
  .tuple(fc.constantFrom(...AWKWARD_DIMS), fc.integer({ min: 1, max: 30 }))
  .chain(([dim, tokens]) =>
    fc.tuple(fc.constant(dim), fc.constant(tokens), rows(tokens, dim), rows(tokens, dim)),
  )

describe('layerSimilarity', () => {
  it('summarises per-token cosines', () => {
    const a = Float32Array.of(1, 0, 0, 1, 2, 0, 0, 0)
    const b = Float32Array.of(1, 0, 1, 0, -3, 0, 0, 0)
    expect(layerSimilarity(a, b, 4, 2)).toEqual({ mean: 0.25, median: 0.5, min: -1, max: 1, tokens: 4 })
  })

  it('is 1 for a layer against a power-of-two multiple of itself, and −1 against its negation', () => {
    fc.assert(
      fc.property(
        statesArb,
        fc.integer({ min: 0, max: 10 }).map((k) => 2 ** k),
        ([dim, tokens, a], scale) => {
          const same = layerSimilarity(
            a,
            a.map((x) => x * scale),
            tokens,
            dim,
          )
          expect(same.min).toBeGreaterThan(1 - 1e-6)
          const negated = a.map((x) => -x)
          const opposite = layerSimilarity(a, negated, tokens, dim)
          // Rows that are all zero count as identical (1); every other row is exactly opposite.
          expect(opposite.min === 1 || Math.abs(opposite.min + 1) < 1e-9).toBe(true)
        },
      ),
    )
  })

  it('orders min ≤ median ≤ max and min ≤ mean ≤ max, all in [−1, 1]', () => {
    fc.assert(
      fc.property(statesArb, ([dim, tokens, a, b]) => {
        const s = layerSimilarity(a, b, tokens, dim)
        expect(s.min).toBeGreaterThanOrEqual(-1)
        expect(s.max).toBeLessThanOrEqual(1)
        expect(s.median).toBeGreaterThanOrEqual(s.min)
        expect(s.median).toBeLessThanOrEqual(s.max)
        expect(s.mean).toBeGreaterThanOrEqual(s.min - 1e-12)
        expect(s.mean).toBeLessThanOrEqual(s.max + 1e-12)
        expect(s.tokens).toBe(tokens)
      }),
    )
  })

  it('is the mean of per-token cosines, symmetric, unchanged by scaling a layer up by a power of two', () => {
    fc.assert(
      fc.property(statesArb, fc.integer({ min: 0, max: 8 }), ([dim, tokens, a, b], k) => {
        const cosines = Array.from({ length: tokens }, (_, t) => {
          let dot = 0
          let na = 0
          let nb = 0
          for (let i = t * dim; i < (t + 1) * dim; i++) {
            dot += a[i]! * b[i]!
            na += a[i]! ** 2
            nb += b[i]! ** 2
          }
          if (na === 0 || nb === 0) return na === nb ? 1 : 0
          return Math.max(-1, Math.min(1, dot / Math.sqrt(na * nb)))
        })
        const mean = cosines.reduce((x, y) => x + y, 0) / tokens
        const s = layerSimilarity(a, b, tokens, dim)
        expect(Math.abs(s.mean - mean)).toBeLessThan(1e-9)
        const scaled = b.map((x) => x * 2 ** k)
        expect(Math.abs(layerSimilarity(scaled, a, tokens, dim).mean - mean)).toBeLessThan(1e-9)
      }),
    )
  })

  it('rejects bad arguments, naming them', () => {
    const v = new Float32Array(4)
    expect(() => layerSimilarity(v, v, 0, 4)).toThrow(/tokens must be an integer ≥ 1, got 0/)
    expect(() => layerSimilarity(v, v, 1, -1)).toThrow(/headDim must be an integer ≥ 1, got -1/)
    expect(() => layerSimilarity(v, new Float32Array(3), 1, 4)).toThrow(/statesB has length 3/)
    expect(() => layerSimilarity(Float32Array.of(Number.NaN, 0, 0, 0), v, 1, 4)).toThrow(/row 0 contains NaN/)
  })
})
