import fc from 'fast-check'

/** Head dimensions that catch off-by-one and unrolling mistakes. */
export const AWKWARD_DIMS = [1, 2, 3, 7, 64, 65] as const

/** Magnitudes from tiny to huge, all well inside float32 range after scaling. */
export const SCALES = [1e-30, 1e-3, 1, 1e3, 1e30] as const

const entry = fc.float({ min: -1, max: 1, noNaN: true, noDefaultInfinity: true })

/** A float32 row of `dim` entries in [-1, 1] scaled by one of `SCALES`. */
export function row(dim: number): fc.Arbitrary<Float32Array> {
  return fc
    .tuple(fc.array(entry, { minLength: dim, maxLength: dim }), fc.constantFrom(...SCALES))
    .map(([values, scale]) => Float32Array.from(values, (x) => x * scale))
}

/** `tokens` rows of `dim` entries, flattened, each row with its own scale. */
export function rows(tokens: number, dim: number): fc.Arbitrary<Float32Array> {
  return fc.array(row(dim), { minLength: tokens, maxLength: tokens }).map((list) => {
    const flat = new Float32Array(tokens * dim)
    for (let i = 0; i < tokens; i++) flat.set(list[i]!, i * dim)
    return flat
  })
}

/** An interpolation fraction in [0, 1], endpoints and 1/2 included often. */
export const fraction = fc.oneof(fc.constantFrom(0, 0.5, 0.6, 1), uniformFraction())

/**
 * A number spread evenly over [0, 1] (`fc.double` favours the extremes, which would leave the middle of
 * the range, where retention and interpolation do their work, almost untested).
 */
export function uniformFraction(): fc.Arbitrary<number> {
  return fc.integer({ min: 0, max: 1 << 20 }).map((i) => i / (1 << 20))
}

/** Euclidean norm in float64. */
export function norm(v: ArrayLike<number>, offset = 0, length = v.length - offset): number {
  let sum = 0
  for (let i = 0; i < length; i++) sum += v[offset + i]! * v[offset + i]!
  return Math.sqrt(sum)
}

/** The angle between the directions of two non-zero vectors, `2·atan2(‖â − b̂‖, ‖â + b̂‖)`, in float64. */
export function angleBetween(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  aOffset = 0,
  bOffset = 0,
  length = a.length - aOffset,
): number {
  const na = norm(a, aOffset, length)
  const nb = norm(b, bOffset, length)
  let sum = 0
  let diff = 0
  for (let i = 0; i < length; i++) {
    const x = a[aOffset + i]! / na
    const y = b[bOffset + i]! / nb
    sum += (x + y) * (x + y)
    diff += (x - y) * (x - y)
  }
  return 2 * Math.atan2(Math.sqrt(diff), Math.sqrt(sum))
}

/** True when every entry is finite. */
export function allFinite(v: ArrayLike<number>): boolean {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) return false
  return true
}
