import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { householderQR, Rng, svd } from '../src/index.js'

/** Float32 results of float64 work: each entry carries ~6e-8 relative rounding, sums of ≤ 65 of them. */
const TOL = 1e-5

const size = fc.constantFrom(1, 2, 3, 7, 17, 33)
const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 })
const kind = fc.constantFrom('gaussian', 'repeated columns', 'zeros', 'one nonzero')
const scale = fc.constantFrom(1, 1e-30, 1e30)

function matrix(kindName: string, m: number, n: number, s: number, factor: number): Float32Array {
  const a = new Rng(s).fillNormal(new Float32Array(m * n), 0, factor)
  if (kindName === 'zeros') a.fill(0)
  if (kindName === 'one nonzero') a.fill(0)[(m * n) >> 1] = factor
  if (kindName === 'repeated columns') {
    for (let i = 0; i < m; i++) for (let j = 1; j < n; j++) a[i * n + j] = a[i * n + (j % 2)]!
  }
  return a
}

function frobenius(a: ArrayLike<number>): number {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i]! ** 2
  return Math.sqrt(s)
}

/** max |XᵀX − I| for X of rows × cols. */
function orthonormalityError(x: Float32Array, rows: number, cols: number): number {
  let worst = 0
  for (let c = 0; c < cols; c++) {
    for (let d = 0; d < cols; d++) {
      let s = 0
      for (let r = 0; r < rows; r++) s += x[r * cols + c]! * x[r * cols + d]!
      worst = Math.max(worst, Math.abs(s - (c === d ? 1 : 0)))
    }
  }
  return worst
}

/** ‖A − L · diag(w) · Rᵀ‖_F with L [m, k], R [n, k] (w all ones when omitted). */
function residual(
  a: Float32Array,
  m: number,
  n: number,
  left: Float32Array,
  right: Float32Array,
  k: number,
  w?: Float32Array,
): number {
  let s = 0
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let v = a[i * n + j]!
      for (let c = 0; c < k; c++) v -= left[i * k + c]! * (w ? w[c]! : 1) * right[j * k + c]!
      s += v * v
    }
  }
  return Math.sqrt(s)
}

describe('householderQR', () => {
  it('gives orthonormal Q, upper-triangular R with diag ≥ 0, and QR = A', () => {
    fc.assert(
      fc.property(size, size, kind, scale, seed, (m, n, k, f, s) => {
        const a = matrix(k, m, n, s, f)
        const { q, r } = householderQR(a, m, n)
        const p = Math.min(m, n)
        expect(q.length).toBe(m * p)
        expect(r.length).toBe(p * n)
        expect(orthonormalityError(q, m, p)).toBeLessThanOrEqual(TOL)
        for (let i = 0; i < p; i++) {
          expect(r[i * n + i]).toBeGreaterThanOrEqual(0)
          for (let j = 0; j < i; j++) expect(r[i * n + j]).toBe(0)
        }
        // R carries A's scale; reconstruct in units of it so 1e±30 stays representable.
        const unit = frobenius(a) || 1
        const scaledR = Float32Array.from(r, (v) => v / unit)
        const scaledA = Float32Array.from(a, (v) => v / unit)
        const qt = new Float32Array(n * p)
        for (let j = 0; j < n; j++) for (let c = 0; c < p; c++) qt[j * p + c] = scaledR[c * n + j]!
        expect(residual(scaledA, m, n, q, qt, p)).toBeLessThanOrEqual(TOL)
      }),
    )
  })

  it('refuses NaN, Infinity, empty shapes and a mismatched length, naming the value', () => {
    expect(() => householderQR(new Float32Array([1, Number.NaN]), 1, 2)).toThrow(
      'householderQR: a[1] is NaN, expected a finite number',
    )
    expect(() => householderQR(new Float32Array([Number.POSITIVE_INFINITY]), 1, 1)).toThrow(
      'a[0] is Infinity',
    )
    expect(() => householderQR(new Float32Array(0), 0, 3)).toThrow(
      'householderQR: m must be a positive integer, got 0',
    )
    expect(() => householderQR(new Float32Array(5), 2, 3)).toThrow(
      'householderQR: a has 5 elements, expected m·n = 2·3 = 6',
    )
  })
})

describe('svd', () => {
  it('reconstructs A with orthonormal u, v and descending non-negative s', () => {
    fc.assert(
      fc.property(size, size, kind, scale, seed, (m, n, k, f, s) => {
        const a = matrix(k, m, n, s, f)
        const unit = frobenius(a) || 1
        const { u, s: sv, v } = svd(a, m, n)
        const p = Math.min(m, n)
        expect([u.length, sv.length, v.length]).toEqual([m * p, p, n * p])
        for (let i = 0; i < p; i++) {
          expect(sv[i]).toBeGreaterThanOrEqual(0)
          if (i > 0) expect(sv[i]).toBeLessThanOrEqual(sv[i - 1]!)
        }
        expect(orthonormalityError(u, m, p)).toBeLessThanOrEqual(TOL)
        expect(orthonormalityError(v, n, p)).toBeLessThanOrEqual(TOL)
        expect(residual(a, m, n, u, v, p, sv) / unit).toBeLessThanOrEqual(TOL)
        expect(Math.abs(frobenius(sv) - frobenius(a)) / unit).toBeLessThanOrEqual(TOL)
      }),
    )
  })

  it('finds the singular values of a matrix built from known ones', () => {
    fc.assert(
      fc.property(size, size, seed, (m, n, s) => {
        const p = Math.min(m, n)
        const rng = new Rng(s)
        const u = householderQR(rng.fillNormal(new Float32Array(m * p)), m, p).q
        const v = householderQR(rng.fillNormal(new Float32Array(n * p)), n, p).q
        const sigma = Float32Array.from({ length: p }, (_, i) => 0.7 ** i + (i === 0 ? 1 : 0))
        const a = new Float32Array(m * n)
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            let x = 0
            for (let c = 0; c < p; c++) x += u[i * p + c]! * sigma[c]! * v[j * p + c]!
            a[i * n + j] = x
          }
        }
        const found = svd(a, m, n).s
        for (let i = 0; i < p; i++) expect(Math.abs(found[i]! - sigma[i]!)).toBeLessThanOrEqual(TOL)
      }),
    )
  })

  it('completes u to an orthonormal basis for a zero matrix', () => {
    const { u, s, v } = svd(new Float32Array(12), 4, 3)
    expect(Array.from(s)).toEqual([0, 0, 0])
    expect(orthonormalityError(u, 4, 3)).toBeLessThanOrEqual(TOL)
    expect(orthonormalityError(v, 3, 3)).toBeLessThanOrEqual(TOL)
  })
})
