/**
 * The float64 SLERP kernel shared by `slerp` and `mergeRows`. Inputs are unit vectors or all-zero vectors
 * (a zero vector has no direction); the caller normalises.
 */

/** Below this angle (radians) the arc is indistinguishable from its chord: interpolate linearly. */
const NEAR_PARALLEL = 1e-4
/** Within this angle of π the plane of the arc is numerically undefined: take a fixed orthogonal path. */
const NEAR_OPPOSITE = 1e-6

/**
 * Angle in [0, π] between two unit vectors, as `2·atan2(‖a − b‖, ‖a + b‖)`: unlike `acos(a·b)` it keeps
 * full relative precision near 0 and near π, where SLERP has to pick its branch.
 */
export function unitAngle(
  a: Float64Array,
  aOffset: number,
  b: Float64Array,
  bOffset: number,
  headDim: number,
): number {
  let sum = 0
  let diff = 0
  for (let i = 0; i < headDim; i++) {
    const x = a[aOffset + i]!
    const y = b[bOffset + i]!
    sum += (x + y) * (x + y)
    diff += (x - y) * (x - y)
  }
  return 2 * Math.atan2(Math.sqrt(diff), Math.sqrt(sum))
}

/**
 * Writes the SLERP of unit (or zero) vectors `a` and `b` at `t` into `out` (all float64, `headDim` long)
 * and returns the angle between them (0 when either is zero). `zeroA`/`zeroB` flag all-zero inputs.
 */
export function slerpUnit(
  a: Float64Array,
  zeroA: boolean,
  b: Float64Array,
  zeroB: boolean,
  headDim: number,
  t: number,
  out: Float64Array,
): number {
  if (zeroA || zeroB) {
    // A zero state has no direction and restores to zero whatever the direction, so the merged direction
    // is the other state's, which restores that one exactly.
    const src = zeroA ? b : a
    for (let i = 0; i < headDim; i++) out[i] = zeroA && zeroB ? 0 : src[i]!
    return 0
  }
  const angle = unitAngle(a, 0, b, 0, headDim)
  if (t === 0 || t === 1) {
    const src = t === 0 ? a : b
    for (let i = 0; i < headDim; i++) out[i] = src[i]!
    return angle
  }
  if (angle < NEAR_PARALLEL) {
    for (let i = 0; i < headDim; i++) out[i] = (1 - t) * a[i]! + t * b[i]!
  } else if (Math.PI - angle < NEAR_OPPOSITE) {
    opposite(a, b, headDim, t, out)
  } else {
    const sinAngle = Math.sin(angle)
    const wa = Math.sin((1 - t) * angle) / sinAngle
    const wb = Math.sin(t * angle) / sinAngle
    for (let i = 0; i < headDim; i++) out[i] = wa * a[i]! + wb * b[i]!
  }
  normalise(out, headDim)
  return angle
}

/**
 * Opposite directions span no plane, so the half-turn goes through a fixed direction `u` orthogonal to the
 * axis `(a − b)/‖a − b‖`: the basis vector of the axis' smallest component, orthogonalised. The axis flips
 * sign and `u` stays the same when `a` and `b` swap, which keeps `slerp(a, b, t) = slerp(b, a, 1 − t)`.
 * In one dimension there is no orthogonal direction: the result jumps from `a` to `b`; at exactly 1/2 it
 * is +1, which keeps both unit length and the swap symmetry.
 */
function opposite(a: Float64Array, b: Float64Array, headDim: number, t: number, out: Float64Array): void {
  if (headDim === 1) {
    out[0] = t < 0.5 ? a[0]! : t > 0.5 ? b[0]! : 1
    return
  }
  let axisNorm = 0
  for (let i = 0; i < headDim; i++) axisNorm += (a[i]! - b[i]!) * (a[i]! - b[i]!)
  axisNorm = Math.sqrt(axisNorm)
  let pivot = 0
  let smallest = Number.POSITIVE_INFINITY
  for (let i = 0; i < headDim; i++) {
    const size = Math.abs(a[i]! - b[i]!)
    if (size < smallest) {
      smallest = size
      pivot = i
    }
  }
  const axisPivot = (a[pivot]! - b[pivot]!) / axisNorm
  // u = e_pivot − axis_pivot · axis; ‖u‖² = 1 − axis_pivot², at least 1 − 1/headDim since the pivot is smallest.
  const uNorm = Math.sqrt(Math.max(1 - axisPivot * axisPivot, 0))
  const c = Math.cos(t * Math.PI)
  const s = Math.sin(t * Math.PI)
  for (let i = 0; i < headDim; i++) {
    const axis = (a[i]! - b[i]!) / axisNorm
    const u = ((i === pivot ? 1 : 0) - axisPivot * axis) / uNorm
    out[i] = c * axis + s * u
  }
}

/** Scales `v` to unit length; leaves an all-zero vector as it is. */
function normalise(v: Float64Array, headDim: number): void {
  let norm = 0
  for (let i = 0; i < headDim; i++) norm += v[i]! * v[i]!
  if (norm === 0) return
  const inv = 1 / Math.sqrt(norm)
  for (let i = 0; i < headDim; i++) v[i] = v[i]! * inv
}
