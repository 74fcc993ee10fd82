/**
 * Householder QR in float64 on row-major storage, shared by `householderQR`, `svd` and `lowRankApprox`.
 * Reflectors are orthogonal whatever the input, so Q stays orthonormal even for rank-deficient or zero
 * matrices (where Gram–Schmidt would divide by zero).
 */

/** Thin QR of `a` (m × n, float64, not modified): q is m × p, r is p × n with p = min(m, n), diag(r) ≥ 0. */
export function qrF64(a: Float64Array, m: number, n: number): { q: Float64Array; r: Float64Array } {
  const p = Math.min(m, n)
  const w = Float64Array.from(a)
  // Reflector j is stored in v[j·m + j .. j·m + m), unit length, or all zero for the identity.
  const v = new Float64Array(p * m)
  for (let j = 0; j < p; j++) {
    let norm2 = 0
    for (let i = j; i < m; i++) norm2 += w[i * n + j]! * w[i * n + j]!
    const norm = Math.sqrt(norm2)
    if (norm === 0) continue
    const x0 = w[j * n + j]!
    const alpha = x0 >= 0 ? -norm : norm
    const base = j * m
    // Scaling by 1/norm before squaring keeps 1e±30 entries representable.
    let vNorm2 = 0
    for (let i = j; i < m; i++) {
      const vi = (i === j ? x0 - alpha : w[i * n + j]!) / norm
      v[base + i] = vi
      vNorm2 += vi * vi
    }
    const inv = 1 / Math.sqrt(vNorm2)
    for (let i = j; i < m; i++) v[base + i] = v[base + i]! * inv
    for (let c = j; c < n; c++) {
      let s = 0
      for (let i = j; i < m; i++) s += v[base + i]! * w[i * n + c]!
      s *= 2
      for (let i = j; i < m; i++) w[i * n + c] = w[i * n + c]! - s * v[base + i]!
    }
  }
  const q = new Float64Array(m * p)
  for (let i = 0; i < p; i++) q[i * p + i] = 1
  for (let j = p - 1; j >= 0; j--) {
    const base = j * m
    for (let c = 0; c < p; c++) {
      let s = 0
      for (let i = j; i < m; i++) s += v[base + i]! * q[i * p + c]!
      if (s === 0) continue
      s *= 2
      for (let i = j; i < m; i++) q[i * p + c] = q[i * p + c]! - s * v[base + i]!
    }
  }
  const r = new Float64Array(p * n)
  for (let i = 0; i < p; i++) {
    // Flip signs so that diag(r) ≥ 0: the factorization becomes unique for full-rank input.
    const sign = w[i * n + i]! < 0 ? -1 : 1
    for (let c = i; c < n; c++) r[i * n + c] = sign * w[i * n + c]!
    if (sign < 0) for (let row = 0; row < m; row++) q[row * p + i] = -q[row * p + i]!
  }
  return { q, r }
}
