import { checkMatrix } from './check.js'

const MAX_SWEEPS = 60
/** Pairs whose cosine is below this are treated as orthogonal (about 4.5 float64 ulps). */
const ORTHOGONALITY_TOL = 1e-15
/** Singular values below this fraction of the largest get a completed basis vector instead of noise / s. */
const NULL_TOL = 1e-12

/**
 * Exact (to float64 rounding) thin SVD by one-sided Jacobi rotations: `a` (m × n, row-major) =
 * u · diag(s) · vᵀ with k = min(m, n), u [m, k] and v [n, k] row-major with orthonormal columns, s [k]
 * descending and ≥ 0. Meant for small matrices (a head dimension or a block of tokens): O(sweeps · m · n ·
 * k) time, typically 6–12 sweeps. Left vectors of zero singular values are completed to an orthonormal set.
 *
 * @example
 * const { s } = svd(new Float32Array([3, 0, 0, -2]), 2, 2) // s = [3, 2]
 */
export function svd(
  a: Float32Array,
  m: number,
  n: number,
): { u: Float32Array; s: Float32Array; v: Float32Array } {
  checkMatrix('svd', a, m, n)
  const { u, s, v } = svdF64(a, m, n)
  return { u: Float32Array.from(u), s: Float32Array.from(s), v: Float32Array.from(v) }
}

/** `svd` in float64 without input checks, for callers inside linalg. */
export function svdF64(
  a: ArrayLike<number>,
  m: number,
  n: number,
): { u: Float64Array; s: Float64Array; v: Float64Array } {
  // Jacobi orthogonalizes the rows of w, a k × len matrix whose transpose is a (m ≥ n) or aᵀ (m < n).
  const tall = m >= n
  const k = tall ? n : m
  const len = tall ? m : n
  const w = new Float64Array(k * len)
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) w[tall ? j * m + i : i * n + j] = a[i * n + j]!
  }
  const rot = new Float64Array(k * k)
  for (let i = 0; i < k; i++) rot[i * k + i] = 1
  jacobiSweeps(w, rot, k, len)

  const norms = new Float64Array(k)
  for (let j = 0; j < k; j++) norms[j] = Math.sqrt(rowDot(w, j, w, j, len))
  const order = Array.from({ length: k }, (_, j) => j).sort((x, y) => norms[y]! - norms[x]! || x - y)
  // wVec rows are the left vectors of the oriented problem, rot rows the right ones.
  const wVec = new Float64Array(k * len)
  const s = new Float64Array(k)
  const largest = norms[order[0]!]!
  for (let c = 0; c < k; c++) {
    const j = order[c]!
    const norm = norms[j]!
    s[c] = norm
    if (norm > largest * NULL_TOL) {
      for (let i = 0; i < len; i++) wVec[c * len + i] = w[j * len + i]! / norm
    } else completeBasis(wVec, c, len)
  }
  const left = new Float64Array(len * k)
  const right = new Float64Array(k * k)
  for (let c = 0; c < k; c++) {
    const j = order[c]!
    for (let i = 0; i < len; i++) left[i * k + c] = wVec[c * len + i]!
    for (let i = 0; i < k; i++) right[i * k + c] = rot[j * k + i]!
  }
  return tall ? { u: left, s, v: right } : { u: right, s, v: left }
}

function rowDot(x: Float64Array, i: number, y: Float64Array, j: number, len: number): number {
  let sum = 0
  for (let t = 0; t < len; t++) sum += x[i * len + t]! * y[j * len + t]!
  return sum
}

function jacobiSweeps(w: Float64Array, rot: Float64Array, k: number, len: number): void {
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let rotated = false
    for (let p = 0; p < k - 1; p++) {
      for (let q = p + 1; q < k; q++) {
        const alpha = rowDot(w, p, w, p, len)
        const beta = rowDot(w, q, w, q, len)
        const gamma = rowDot(w, p, w, q, len)
        if (gamma === 0 || Math.abs(gamma) <= ORTHOGONALITY_TOL * Math.sqrt(alpha * beta)) continue
        rotated = true
        const zeta = (beta - alpha) / (2 * gamma)
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.hypot(1, zeta))
        const c = 1 / Math.sqrt(1 + t * t)
        const s = c * t
        rotateRows(w, p, q, len, c, s)
        rotateRows(rot, p, q, k, c, s)
      }
    }
    if (!rotated) return
  }
}

function rotateRows(x: Float64Array, p: number, q: number, len: number, c: number, s: number): void {
  for (let t = 0; t < len; t++) {
    const xp = x[p * len + t]!
    const xq = x[q * len + t]!
    x[p * len + t] = c * xp - s * xq
    x[q * len + t] = s * xp + c * xq
  }
}

/** Sets row c of basis to a unit vector orthogonal to rows 0..c-1: the e_i with the largest residual. */
function completeBasis(basis: Float64Array, c: number, len: number): void {
  const candidate = new Float64Array(len)
  let best = -1
  let bestNorm = 0
  for (let e = 0; e < len; e++) {
    orthogonalizeUnit(basis, c, len, e, candidate)
    const norm = Math.sqrt(rowDot(candidate, 0, candidate, 0, len))
    if (norm > bestNorm) {
      bestNorm = norm
      best = e
    }
  }
  orthogonalizeUnit(basis, c, len, best, candidate)
  for (let t = 0; t < len; t++) basis[c * len + t] = candidate[t]! / bestNorm
}

/** e_index minus its projection on rows 0..c-1 of basis, twice (one pass loses orthogonality). */
function orthogonalizeUnit(
  basis: Float64Array,
  c: number,
  len: number,
  index: number,
  out: Float64Array,
): void {
  out.fill(0)
  out[index] = 1
  for (let pass = 0; pass < 2; pass++) {
    for (let r = 0; r < c; r++) {
      const proj = rowDot(basis, r, out, 0, len)
      for (let t = 0; t < len; t++) out[t] = out[t]! - proj * basis[r * len + t]!
    }
  }
}
