import { checkCount, checkLength, checkRange } from './check.js'

/** silu(v) = v · sigmoid(v); −Infinity maps to −0 rather than the NaN of −∞ / ∞. */
function siluOf(v: number): number {
  return v === Number.NEGATIVE_INFINITY ? -0 : v / (1 + Math.exp(-v))
}

/**
 * SiLU (swish) of `x[offset, offset + length)` in place: `v / (1 + e^−v)`.
 *
 * @example
 * const x = new Float32Array([0, 1])
 * silu(x) // x ≈ [0, 0.731]
 */
export function silu(x: Float32Array, offset = 0, length: number = x.length - offset): void {
  checkRange('silu', 'x', x, offset, length)
  const end = offset + length
  for (let i = offset; i < end; i++) x[i] = siluOf(x[i]!)
}

/**
 * The Llama MLP gate: `out[i] = silu(gate[i]) · up[i]` for `i < n`. `out` may be `gate` or `up`.
 *
 * @example
 * const out = new Float32Array(2)
 * swiglu(new Float32Array([0, 1]), new Float32Array([5, 2]), out, 2) // out ≈ [0, 1.462]
 */
export function swiglu(gate: Float32Array, up: Float32Array, out: Float32Array, n: number): void {
  checkCount('swiglu', 'n', n)
  checkLength('swiglu', 'gate', gate, n, 'n')
  checkLength('swiglu', 'up', up, n, 'n')
  checkLength('swiglu', 'out', out, n, 'n')
  for (let i = 0; i < n; i++) out[i] = siluOf(gate[i]!) * up[i]!
}
