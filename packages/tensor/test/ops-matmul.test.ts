import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { dot, gemv, matmul, matmulTransB, Rng } from '../src/index.js'

/** Float64 sums are exact to ~1e-16; the only real error is the final rounding to float32 (2^-24). */
const REL_TOL = 2 ** -23

const size = fc.constantFrom(1, 2, 3, 4, 5, 7, 8, 17, 33, 65)
/** Magnitudes of the first operand: huge, tiny and plain; the second stays near 1 so no product leaves float32. */
const scale = fc.constantFrom(1, 1e-30, 1e30)
const mild = fc.constantFrom(1, 1e-5, 1e5)
const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 })

function gaussian(seedValue: number, length: number, factor: number): Float32Array {
  const data = new Rng(seedValue).fillNormal(new Float32Array(length))
  for (let i = 0; i < length; i++) data[i] = data[i]! * factor
  return data
}

/**
 * Checks out[i·n + j] against Σ_p a(i, p)·b(p, j) in float64, within REL_TOL of Σ |a·b| (the scale that
 * bounds the rounding of any summation order), plus half a float32 subnormal step for results that land
 * below the normal range.
 */
function expectProduct(
  out: Float32Array,
  m: number,
  k: number,
  n: number,
  aAt: (i: number, p: number) => number,
  bAt: (p: number, j: number) => number,
): void {
  let worst = 0
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let exact = 0
      let magnitude = 0
      for (let p = 0; p < k; p++) {
        exact += aAt(i, p) * bAt(p, j)
        magnitude += Math.abs(aAt(i, p) * bAt(p, j))
      }
      const err = Math.abs(out[i * n + j]! - exact) - 2 ** -150
      if (err > 0) worst = Math.max(worst, err / magnitude)
    }
  }
  expect(worst).toBeLessThanOrEqual(REL_TOL)
}

describe('matmulTransB', () => {
  it('matches a float64 reference on awkward sizes and magnitudes', () => {
    fc.assert(
      fc.property(size, size, size, scale, mild, seed, (m, k, n, sa, sb, s) => {
        const a = gaussian(s, m * k, sa)
        const b = gaussian(s + 1, n * k, sb)
        const out = new Float32Array(m * n).fill(Number.NaN)
        matmulTransB(a, b, out, m, k, n)
        expectProduct(
          out,
          m,
          k,
          n,
          (i, p) => a[i * k + p]!,
          (p, j) => b[j * k + p]!,
        )
      }),
    )
  })

  it('handles tails of every residue on both tiled axes and a long k beyond one cache panel', () => {
    for (const [m, k, n] of [
      [9, 3, 11],
      [6, 1, 6],
      [5, 300, 130],
      [4, 4099, 13],
    ] as const) {
      const a = gaussian(m, m * k, 1)
      const b = gaussian(n, n * k, 1)
      const out = new Float32Array(m * n)
      matmulTransB(a, b, out, m, k, n)
      expectProduct(
        out,
        m,
        k,
        n,
        (i, p) => a[i * k + p]!,
        (p, j) => b[j * k + p]!,
      )
    }
  })

  it('names the argument, its length and the expected size, and refuses out overlapping an input', () => {
    const a = new Float32Array(6)
    expect(() => matmulTransB(a, new Float32Array(6), new Float32Array(5), 2, 3, 2)).toThrow(
      'matmulTransB: out has 5 elements, expected m·n = 2·2 = 4',
    )
    expect(() => matmulTransB(a, new Float32Array(5), new Float32Array(4), 2, 3, 2)).toThrow(
      'matmulTransB: b has 5 elements, expected n·k = 2·3 = 6',
    )
    expect(() => matmulTransB(a, a, a.subarray(0, 4), 2, 3, 2)).toThrow('out must not overlap a or b')
    expect(() => matmulTransB(a, a, new Float32Array(4), 2, 3.5, 2)).toThrow(
      'k must be a non-negative integer',
    )
  })
})

describe('matmul', () => {
  it('matches a float64 reference on awkward sizes (both the few-row and the transposing path)', () => {
    fc.assert(
      fc.property(size, size, size, scale, seed, (m, k, n, sa, s) => {
        const a = gaussian(s, m * k, sa)
        const b = gaussian(s + 1, k * n, 1)
        const out = new Float32Array(m * n).fill(Number.NaN)
        matmul(a, b, out, m, k, n)
        expectProduct(
          out,
          m,
          k,
          n,
          (i, p) => a[i * k + p]!,
          (p, j) => b[p * n + j]!,
        )
      }),
    )
  })

  it('refuses b of the wrong size', () => {
    expect(() => matmul(new Float32Array(6), new Float32Array(7), new Float32Array(4), 2, 3, 2)).toThrow(
      'matmul: b has 7 elements, expected k·n = 3·2 = 6',
    )
  })
})

describe('gemv and dot', () => {
  it('gemv matches a float64 reference; dot agrees on every row', () => {
    fc.assert(
      fc.property(size, size, scale, seed, (rows, cols, sw, s) => {
        const w = gaussian(s, rows * cols, sw)
        const x = gaussian(s + 1, cols, 1)
        const out = new Float32Array(rows).fill(Number.NaN)
        gemv(w, x, out, rows, cols)
        expectProduct(
          out,
          rows,
          cols,
          1,
          (r, c) => w[r * cols + c]!,
          (c) => x[c]!,
        )
        for (let r = 0; r < rows; r++) expect(Math.fround(dot(w, r * cols, x, 0, cols))).toBe(out[r])
      }),
    )
  })

  it('is exact on small integers and zero for zero columns', () => {
    const out = new Float32Array(2)
    gemv(new Float32Array([1, 2, 3, 4, 5, 6]), new Float32Array([1, 1, 1]), out, 2, 3)
    expect(out).toEqual(new Float32Array([6, 15]))
    gemv(new Float32Array(0), new Float32Array(0), out, 2, 0)
    expect(out).toEqual(new Float32Array([0, 0]))
  })

  it('names mismatched lengths and overrunning ranges', () => {
    expect(() => gemv(new Float32Array(100), new Float32Array(10), new Float32Array(12), 12, 10)).toThrow(
      'gemv: weight has 100 elements, expected rows·cols = 12·10 = 120',
    )
    expect(() => gemv(new Float32Array(120), new Float32Array(9), new Float32Array(12), 12, 10)).toThrow(
      'gemv: x has 9 elements, expected cols = 10',
    )
    expect(() => dot(new Float32Array(4), 2, new Float32Array(4), 0, 3)).toThrow(
      'dot: a range [2, 5) overruns its 4 elements',
    )
  })
})
