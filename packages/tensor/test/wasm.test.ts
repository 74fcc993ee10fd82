import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { gemv, matmulTransB, prepareMatrix, Rng, wasmSimdAvailable } from '../src/index.js'
import { type PreparedMatrix, prepareMatrixOn } from '../src/wasm/prepared.js'

/**
 * Float32 accumulation over `cols` terms in any order is within γ ≈ cols·2⁻²⁴ of Σ|W||x| (Higham, 3.1); the
 * SIMD kernel's lane-wise sums plus the lane reduction and the final rounding stay inside (cols + 8)·2⁻²⁴.
 * The floor covers products that underflow float32 (each off by at most half a subnormal step).
 */
function tolerance(cols: number, magnitude: number): number {
  return (cols + 8) * 2 ** -24 * magnitude + (cols + 1) * 2 ** -150
}

/** Awkward sizes first (non-multiples of 4 and 8, one past a multiple), then anything in 1..70. */
const size = fc.oneof(
  fc.constantFrom(1, 2, 3, 4, 5, 7, 8, 9, 17, 33, 65, 70),
  fc.integer({ min: 1, max: 70 }),
)
/** Weight magnitudes: plain, tiny and huge; x stays near 1 (or tiny) so no product overflows float32. */
const wScale = fc.constantFrom(1, 1e-30, 1e30)
const xScale = fc.constantFrom(1, 1e-30)
/** Gaussian entries, all zeros, or every row one constant. */
const kind = fc.constantFrom('gaussian', 'zeros', 'constant-rows')
const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 })

function weightOf(kindName: string, s: number, rows: number, cols: number, factor: number): Float32Array {
  const w = new Float32Array(rows * cols)
  if (kindName === 'zeros') return w
  const rng = new Rng(s)
  for (let r = 0; r < rows; r++) {
    const constant = rng.normal()
    for (let c = 0; c < cols; c++) {
      w[r * cols + c] = (kindName === 'constant-rows' ? constant : rng.normal()) * factor
    }
  }
  return w
}

function gaussian(s: number, length: number, factor: number): Float32Array {
  const data = new Rng(s).fillNormal(new Float32Array(length))
  for (let i = 0; i < length; i++) data[i] = data[i]! * factor
  return data
}

/** Largest |out[t,r] − Σ W[r,c]·X[t,c]| (float64 reference) over its tolerance; ≤ 1 passes. */
function worstError(w: Float32Array, x: Float32Array, out: Float32Array, rows: number, cols: number): number {
  const tokens = x.length / cols
  let worst = 0
  for (let t = 0; t < tokens; t++) {
    for (let r = 0; r < rows; r++) {
      let exact = 0
      let magnitude = 0
      for (let c = 0; c < cols; c++) {
        const p = w[r * cols + c]! * x[t * cols + c]!
        exact += p
        magnitude += Math.abs(p)
      }
      worst = Math.max(worst, Math.abs(out[t * rows + r]! - exact) / tolerance(cols, magnitude))
    }
  }
  return worst
}

const backends: PreparedMatrix['backend'][] = ['wasm-simd', 'js']

describe.each(backends)('PreparedMatrix (%s)', (backend) => {
  it('gemv matches a float64 reference on awkward sizes, magnitudes, zeros and constant rows', () => {
    fc.assert(
      fc.property(size, size, kind, wScale, xScale, seed, (rows, cols, k, ws, xs, s) => {
        const w = weightOf(k, s, rows, cols, ws)
        const x = gaussian(s + 1, cols, xs)
        const out = new Float32Array(rows).fill(Number.NaN)
        const m = prepareMatrixOn(backend, w, rows, cols)
        expect(m.backend).toBe(backend)
        m.gemv(x, out)
        expect(worstError(w, x, out, rows, cols)).toBeLessThanOrEqual(1)
      }),
    )
  })

  it('matmulTransB matches a float64 reference on awkward sizes and token counts', () => {
    fc.assert(
      fc.property(size, size, size, kind, wScale, xScale, seed, (rows, cols, tokens, k, ws, xs, s) => {
        const w = weightOf(k, s, rows, cols, ws)
        const x = gaussian(s + 1, tokens * cols, xs)
        const out = new Float32Array(tokens * rows).fill(Number.NaN)
        prepareMatrixOn(backend, w, rows, cols).matmulTransB(x, tokens, out)
        expect(worstError(w, x, out, rows, cols)).toBeLessThanOrEqual(1)
      }),
    )
  })

  it('matmulTransB over many token chunks equals one gemv per token', () => {
    const rows = 13
    const cols = 12
    const tokens = 600 // more than one 256-token chunk, with a remainder of tokens mod 4
    const w = gaussian(5, rows * cols, 1)
    const x = gaussian(6, tokens * cols, 1)
    const m = prepareMatrixOn(backend, w, rows, cols)
    const out = new Float32Array(tokens * rows)
    m.matmulTransB(x, tokens, out)
    const one = new Float32Array(rows)
    let worst = 0
    for (let t = 0; t < tokens; t++) {
      m.gemv(x.subarray(t * cols, (t + 1) * cols), one)
      for (let r = 0; r < rows; r++) worst = Math.max(worst, Math.abs(one[r]! - out[t * rows + r]!))
    }
    expect(worst).toBeLessThanOrEqual(1e-5)
    expect(worstError(w, x, out, rows, cols)).toBeLessThanOrEqual(1)
  })

  it('keeps NaN and infinity to the rows and tokens that hold them', () => {
    const rows = 6
    const cols = 5
    const w = gaussian(1, rows * cols, 1)
    w[2 * cols + 4] = Number.NaN // row 2, last column (next to the padding)
    w[4 * cols] = Number.POSITIVE_INFINITY
    const m = prepareMatrixOn(backend, w, rows, cols)
    const x = new Float32Array([1, 1, 1, 1, 1, Number.NaN, 2, 2, 2, 2]) // token 1 holds a NaN
    const out = new Float32Array(2 * rows)
    m.matmulTransB(x, 2, out)
    const finite = Array.from(out, (v) => Number.isFinite(v))
    expect(finite).toEqual([true, true, false, true, false, true, false, false, false, false, false, false])
    expect(out[4]).toBe(Number.POSITIVE_INFINITY)
  })

  it('copies the weight: changing the source afterwards changes nothing', () => {
    const w = new Float32Array([1, 2, 3, 4, 5, 6])
    const m = prepareMatrixOn(backend, w, 2, 3)
    w.fill(100)
    const out = new Float32Array(2)
    m.gemv(new Float32Array([1, 1, 1]), out)
    expect(Array.from(out)).toEqual([6, 15])
  })

  it('handles zero rows, zero columns and zero tokens', () => {
    const out = new Float32Array(3).fill(7)
    prepareMatrixOn(backend, new Float32Array(0), 3, 0).gemv(new Float32Array(0), out)
    expect(Array.from(out)).toEqual([0, 0, 0])
    prepareMatrixOn(backend, new Float32Array(0), 0, 4).gemv(new Float32Array(4), new Float32Array(0))
    prepareMatrixOn(backend, new Float32Array(8), 2, 4).matmulTransB(
      new Float32Array(0),
      0,
      new Float32Array(0),
    )
  })
})

describe('the JS fallback', () => {
  it('gives exactly the results of the JS gemv and matmulTransB', () => {
    fc.assert(
      fc.property(size, size, size, seed, (rows, cols, tokens, s) => {
        const w = gaussian(s, rows * cols, 1)
        const x = gaussian(s + 1, tokens * cols, 1)
        const m = prepareMatrixOn('js', w, rows, cols)
        const got = new Float32Array(tokens * rows)
        const want = new Float32Array(tokens * rows)
        m.matmulTransB(x, tokens, got)
        matmulTransB(x, w, want, tokens, cols, rows)
        expect(got).toEqual(want)
        m.gemv(x.subarray(0, cols), got.subarray(0, rows))
        gemv(w, x.subarray(0, cols), want.subarray(0, rows), rows, cols)
        expect(got).toEqual(want)
      }),
    )
  })
})

describe('prepareMatrix', () => {
  it('uses the SIMD kernels on this Node.js (V8 has shipped WebAssembly SIMD since Node.js 16.4)', () => {
    expect(wasmSimdAvailable()).toBe(true)
    expect(prepareMatrix(new Float32Array(4), 2, 2).backend).toBe('wasm-simd')
  })
})

describe('PreparedMatrix.load', () => {
  const backends: PreparedMatrix['backend'][] = wasmSimdAvailable() ? ['wasm-simd', 'js'] : ['js']
  it.each(backends)('%s: a reloaded matrix computes exactly what a fresh one does', (backend) => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 37 }),
        fc.integer({ min: 1, max: 37 }),
        fc.integer({ min: 0, max: 1000 }),
        (rows, cols, seed) => {
          const rng = new Rng(seed)
          const first = new Float32Array(rows * cols)
          const second = new Float32Array(rows * cols)
          rng.fillNormal(first)
          rng.fillNormal(second)
          const reused = prepareMatrixOn(backend, first, rows, cols)
          reused.load(second)
          const fresh = prepareMatrixOn(backend, second, rows, cols)
          const x = new Float32Array(3 * cols)
          rng.fillNormal(x)
          const a = new Float32Array(3 * rows)
          const b = new Float32Array(3 * rows)
          reused.matmulTransB(x, 3, a)
          fresh.matmulTransB(x, 3, b)
          expect(a).toEqual(b)
        },
      ),
    )
    expect(() => prepareMatrixOn(backend, new Float32Array(6), 2, 3).load(new Float32Array(5))).toThrow(
      'PreparedMatrix.load: weight has 5 elements',
    )
  })
})
