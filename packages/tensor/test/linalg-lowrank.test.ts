import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { householderQR, lowRankApprox, Rng, svd } from '../src/index.js'

/**
 * ‖A − left·rightᵀ‖_F ≤ LOW_RANK_ERROR_FACTOR · (the exact SVD's rank-r error), for the default 3
 * iterations with 4 oversampled columns. Why 1.5: Halko, Martinsson & Tropp (2011, §10) bound the expected
 * spectral error with p = 4 extra columns and two power steps after the range finder by
 * (1 + √(r/(p−1)) + e√(r+p)/p · √(min(m,n)−r))^(1/5) · σ_{r+1}, about 1.8 at 64 × 64, rank 4; that does not
 * pin a Frobenius factor, so 1.5 is an empirical budget. Over 3000 random trials (sizes 3–65, ranks 1–8,
 * Gaussian, geometric decay 0.5–0.99, a spectrum with only a 10% gap) the worst ratio was 1.03; without
 * the oversampling (GEAR's exact scheme) it was 1.79, and this test then fails within a few hundred runs.
 */
const LOW_RANK_ERROR_FACTOR = 1.5
/** Float32 storage of the factors: relative to ‖A‖_F. */
const ROUNDING = 1e-5

const size = fc.constantFrom(1, 3, 7, 17, 33, 65)
const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 })
const spectrum = fc.constantFrom('gaussian', 'decay 0.5', 'decay 0.8', 'decay 0.95', 'gap 10%', 'exact rank')

function frobenius(a: ArrayLike<number>): number {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i]! ** 2
  return Math.sqrt(s)
}

/** An m × n matrix with the named spectrum (random singular vectors); `rank` shapes 'gap' and 'exact'. */
function matrix(kind: string, m: number, n: number, rank: number, rng: Rng): Float32Array {
  if (kind === 'gaussian') return rng.fillNormal(new Float32Array(m * n))
  const k = Math.min(m, n)
  const u = householderQR(rng.fillNormal(new Float32Array(m * k)), m, k).q
  const v = householderQR(rng.fillNormal(new Float32Array(n * k)), n, k).q
  const sigma = (i: number) =>
    kind === 'gap 10%'
      ? i < rank
        ? 1
        : 0.9
      : kind === 'exact rank'
        ? i < rank
          ? 1 + i
          : 0
        : Number(kind.slice(6)) ** i
  const a = new Float32Array(m * n)
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let x = 0
      for (let c = 0; c < k; c++) x += u[i * k + c]! * sigma(c) * v[j * k + c]!
      a[i * n + j] = x
    }
  }
  return a
}

function approximationError(
  a: Float32Array,
  m: number,
  n: number,
  left: Float32Array,
  right: Float32Array,
  r: number,
): number {
  let s = 0
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let x = a[i * n + j]!
      for (let c = 0; c < r; c++) x -= left[i * r + c]! * right[j * r + c]!
      s += x * x
    }
  }
  return Math.sqrt(s)
}

function optimalError(a: Float32Array, m: number, n: number, r: number): number {
  const { s } = svd(a, m, n)
  let tail = 0
  for (let i = r; i < s.length; i++) tail += s[i]! ** 2
  return Math.sqrt(tail)
}

describe('lowRankApprox', () => {
  it(`is within ${LOW_RANK_ERROR_FACTOR}× of the exact SVD's rank-r error`, () => {
    fc.assert(
      fc.property(size, size, fc.integer({ min: 1, max: 8 }), spectrum, seed, (m, n, rankSeed, kind, s) => {
        const rank = 1 + ((rankSeed - 1) % Math.min(m, n))
        const rng = new Rng(s)
        const a = matrix(kind, m, n, rank, rng)
        const { left, right } = lowRankApprox(a, m, n, rank, { rng })
        const err = approximationError(a, m, n, left, right, rank)
        const bound = LOW_RANK_ERROR_FACTOR * optimalError(a, m, n, rank) + ROUNDING * frobenius(a)
        expect(err).toBeLessThanOrEqual(bound)
      }),
    )
  })

  it('returns orthonormal left and right = Aᵀ·left, also in GEAR’s exact scheme (no oversampling)', () => {
    fc.assert(
      fc.property(
        size,
        size,
        fc.integer({ min: 1, max: 8 }),
        fc.constantFrom(0, undefined),
        seed,
        (m, n, r, os, s) => {
          const rank = 1 + ((r - 1) % Math.min(m, n))
          const rng = new Rng(s)
          const a = rng.fillNormal(new Float32Array(m * n), 0, 1e30)
          const options = os === undefined ? { rng, iterations: 2 } : { rng, oversample: os }
          const { left, right } = lowRankApprox(a, m, n, rank, options)
          expect([left.length, right.length]).toEqual([m * rank, n * rank])
          for (let c = 0; c < rank; c++) {
            for (let d = 0; d < rank; d++) {
              let g = 0
              for (let i = 0; i < m; i++) g += left[i * rank + c]! * left[i * rank + d]!
              expect(Math.abs(g - (c === d ? 1 : 0))).toBeLessThanOrEqual(ROUNDING)
            }
          }
          const scale = frobenius(a)
          for (let j = 0; j < n; j++) {
            for (let c = 0; c < rank; c++) {
              let x = 0
              for (let i = 0; i < m; i++) x += a[i * n + j]! * left[i * rank + c]!
              expect(Math.abs(right[j * rank + c]! - x)).toBeLessThanOrEqual(ROUNDING * scale)
            }
          }
          // A projection never adds error: ‖A − PPᵀA‖ ≤ ‖A‖.
          expect(approximationError(a, m, n, left, right, rank)).toBeLessThanOrEqual(scale * (1 + ROUNDING))
        },
      ),
    )
  })

  it('is exact on a rank-r matrix even without oversampling, zero on a zero matrix, and repeatable', () => {
    const rng = new Rng(5)
    const a = matrix('exact rank', 33, 17, 3, rng)
    for (const oversample of [0, 4]) {
      const { left, right } = lowRankApprox(a, 33, 17, 3, { rng, oversample })
      expect(approximationError(a, 33, 17, left, right, 3)).toBeLessThanOrEqual(ROUNDING * frobenius(a))
    }
    const zero = lowRankApprox(new Float32Array(12), 3, 4, 2)
    expect(zero.right.every((x) => x === 0)).toBe(true)
    const first = lowRankApprox(a, 33, 17, 2, { rng: new Rng(9) })
    const again = lowRankApprox(a, 33, 17, 2, { rng: new Rng(9) })
    expect(again).toEqual(first)
  })

  it('names a rank outside [1, min(m, n)], bad iterations and oversampling, and NaN input', () => {
    const a = new Float32Array(12)
    expect(() => lowRankApprox(a, 3, 4, 4)).toThrow(
      'lowRankApprox: rank must be an integer in [1, min(m, n) = 3], got 4',
    )
    expect(() => lowRankApprox(a, 3, 4, 0)).toThrow('got 0')
    expect(() => lowRankApprox(a, 3, 4, 1, { iterations: 0 })).toThrow(
      'lowRankApprox: iterations must be a positive integer, got 0',
    )
    expect(() => lowRankApprox(a, 3, 4, 2, { oversample: 2 })).toThrow(
      'lowRankApprox: oversample must be an integer in [0, min(m, n) − rank = 1], got 2',
    )
    a[7] = Number.NaN
    expect(() => lowRankApprox(a, 3, 4, 1)).toThrow('lowRankApprox: a[7] is NaN, expected a finite number')
  })
})
