import { checkCount, checkLength } from './check.js'
import { dotUnchecked } from './gemv.js'

/** Bytes of B rows kept hot while every row of A streams past them (about half a typical L2). */
const B_PANEL_BYTES = 128 * 1024

function checkMatmul(fn: string, a: Float32Array, b: Float32Array, out: Float32Array, dims: number[]): void {
  const [m, k, n] = dims as [number, number, number]
  checkCount(fn, 'm', m)
  checkCount(fn, 'k', k)
  checkCount(fn, 'n', n)
  checkLength(fn, 'a', a, m * k, `m·k = ${m}·${k}`)
  const bFormula = fn === 'matmul' ? `k·n = ${k}·${n}` : `n·k = ${n}·${k}`
  checkLength(fn, 'b', b, k * n, bFormula)
  checkLength(fn, 'out', out, m * n, `m·n = ${m}·${n}`)
  if (out.buffer === a.buffer || out.buffer === b.buffer) {
    // Rows of out are written while a and b are still being read.
    const overlaps = (x: Float32Array) =>
      out.buffer === x.buffer &&
      out.byteOffset < x.byteOffset + x.byteLength &&
      x.byteOffset < out.byteOffset + out.byteLength
    if (overlaps(a) || overlaps(b)) throw new RangeError(`${fn}: out must not overlap a or b`)
  }
}

/**
 * `out = a · bᵀ` with a `[m, k]`, b `[n, k]`, out `[m, n]`, all row-major: the prefill projection X·Wᵀ for
 * a weight stored `[out, in]`. Both operands are read along rows (unit stride). The kernel computes a
 * 4 × 4 tile of out per pass over k (16 float64 accumulators, 8 loads per 16 multiply-adds) and walks B in
 * panels that stay in cache while every row of A passes over them.
 *
 * @example
 * const x = new Float32Array([1, 2, 3, 4]) // 2 tokens × 2
 * const w = new Float32Array([1, 0, 0, 1, 1, 1]) // 3 outputs × 2
 * const out = new Float32Array(6)
 * matmulTransB(x, w, out, 2, 2, 3) // out = [1, 2, 3, 3, 4, 7]
 */
export function matmulTransB(
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  m: number,
  k: number,
  n: number,
): void {
  checkMatmul('matmulTransB', a, b, out, [m, k, n])
  transBKernel(a, b, out, m, k, n)
}

function transBKernel(
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  m: number,
  k: number,
  n: number,
): void {
  const panel = Math.max(4, Math.floor(B_PANEL_BYTES / (4 * Math.max(1, k))) & ~3)
  const m4 = m & ~3
  for (let jb = 0; jb < n; jb += panel) {
    const jEnd = Math.min(n, jb + panel)
    const j4End = jb + ((jEnd - jb) & ~3)
    for (let i = 0; i < m4; i += 4) {
      const a0 = i * k
      const a1 = a0 + k
      const a2 = a1 + k
      const a3 = a2 + k
      for (let j = jb; j < j4End; j += 4) tile4x4(a, b, out, a0, j * k, k, i * n + j, n)
      for (let j = j4End; j < jEnd; j++) {
        const bj = j * k
        out[i * n + j] = dotUnchecked(a, a0, b, bj, k)
        out[(i + 1) * n + j] = dotUnchecked(a, a1, b, bj, k)
        out[(i + 2) * n + j] = dotUnchecked(a, a2, b, bj, k)
        out[(i + 3) * n + j] = dotUnchecked(a, a3, b, bj, k)
      }
    }
    for (let i = m4; i < m; i++) {
      for (let j = jb; j < jEnd; j++) out[i * n + j] = dotUnchecked(a, i * k, b, j * k, k)
    }
  }
}

/** One 4 × 4 tile: rows a0.. of A (stride k) against rows b0.. of B, written at out[o..] (stride n). */
function tile4x4(
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  a0: number,
  b0: number,
  k: number,
  o: number,
  n: number,
): void {
  const a1 = a0 + k
  const a2 = a1 + k
  const a3 = a2 + k
  const b1 = b0 + k
  const b2 = b1 + k
  const b3 = b2 + k
  let c00 = 0
  let c01 = 0
  let c02 = 0
  let c03 = 0
  let c10 = 0
  let c11 = 0
  let c12 = 0
  let c13 = 0
  let c20 = 0
  let c21 = 0
  let c22 = 0
  let c23 = 0
  let c30 = 0
  let c31 = 0
  let c32 = 0
  let c33 = 0
  for (let p = 0; p < k; p++) {
    const x0 = a[a0 + p]!
    const x1 = a[a1 + p]!
    const x2 = a[a2 + p]!
    const x3 = a[a3 + p]!
    const y0 = b[b0 + p]!
    const y1 = b[b1 + p]!
    const y2 = b[b2 + p]!
    const y3 = b[b3 + p]!
    c00 += x0 * y0
    c01 += x0 * y1
    c02 += x0 * y2
    c03 += x0 * y3
    c10 += x1 * y0
    c11 += x1 * y1
    c12 += x1 * y2
    c13 += x1 * y3
    c20 += x2 * y0
    c21 += x2 * y1
    c22 += x2 * y2
    c23 += x2 * y3
    c30 += x3 * y0
    c31 += x3 * y1
    c32 += x3 * y2
    c33 += x3 * y3
  }
  out[o] = c00
  out[o + 1] = c01
  out[o + 2] = c02
  out[o + 3] = c03
  out[o + n] = c10
  out[o + n + 1] = c11
  out[o + n + 2] = c12
  out[o + n + 3] = c13
  out[o + 2 * n] = c20
  out[o + 2 * n + 1] = c21
  out[o + 2 * n + 2] = c22
  out[o + 2 * n + 3] = c23
  out[o + 3 * n] = c30
  out[o + 3 * n + 1] = c31
  out[o + 3 * n + 2] = c32
  out[o + 3 * n + 3] = c33
}

/**
 * `out = a · b` with a `[m, k]`, b `[k, n]`, out `[m, n]`, row-major. For four or more rows B is first
 * transposed (k·n copies, small next to m·k·n multiply-adds) so the tiled `a · bᵀ` kernel does the work;
 * fewer rows accumulate scaled rows of B in float64.
 *
 * @example
 * const out = new Float32Array(4)
 * matmul(new Float32Array([1, 2, 3, 4]), new Float32Array([1, 0, 0, 1]), out, 2, 2, 2) // out = a
 */
export function matmul(
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  m: number,
  k: number,
  n: number,
): void {
  checkMatmul('matmul', a, b, out, [m, k, n])
  if (m >= 4) {
    const bt = new Float32Array(n * k)
    for (let p = 0; p < k; p++) {
      for (let j = 0; j < n; j++) bt[j * k + p] = b[p * n + j]!
    }
    transBKernel(a, bt, out, m, k, n)
    return
  }
  const acc = new Float64Array(n)
  for (let i = 0; i < m; i++) {
    acc.fill(0)
    for (let p = 0; p < k; p++) {
      const x = a[i * k + p]!
      const row = p * n
      for (let j = 0; j < n; j++) acc[j]! += x * b[row + j]!
    }
    for (let j = 0; j < n; j++) out[i * n + j] = acc[j]!
  }
}
