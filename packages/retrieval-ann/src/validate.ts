/** Argument checks shared by the index, the exact scan and the attention merge. */

/** Throws unless `value` is an integer in `[min, max]` (no upper bound by default). */
export function checkInteger(
  where: string,
  name: string,
  value: number,
  min: number,
  max = Number.POSITIVE_INFINITY,
): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${where}: ${name} must be an integer >= ${min}, got ${value}`)
  }
  if (value > max) throw new RangeError(`${where}: ${name} must be <= ${max}, got ${value}`)
}

/** Most k-means iterations accepted (12 is the default; more only burn time). */
export const MAX_KMEANS_ITERATIONS = 1000
/** Largest seed accepted: seeds are 32-bit. */
export const MAX_SEED = 0xffffffff

/** Throws unless `value` is a finite number. */
export function checkFinite(where: string, name: string, value: number): void {
  if (!Number.isFinite(value)) throw new RangeError(`${where}: ${name} must be finite, got ${value}`)
}

/** Throws unless `array` holds at least `needed` numbers. */
export function checkLength(where: string, name: string, array: ArrayLike<number>, needed: number): void {
  if (array.length < needed) {
    throw new RangeError(`${where}: ${name} must hold at least ${needed} numbers, got ${array.length}`)
  }
}

/** Throws unless the query has exactly `dim` finite numbers; names the first bad entry. */
export function checkQuery(where: string, query: Float32Array, dim: number): void {
  if (!(query instanceof Float32Array)) throw new TypeError(`${where}: query must be a Float32Array`)
  if (query.length !== dim) {
    throw new RangeError(`${where}: query length must equal headDim ${dim}, got ${query.length}`)
  }
  for (let i = 0; i < dim; i++) {
    const x = query[i]!
    if (!Number.isFinite(x)) throw new RangeError(`${where}: query[${i}] must be finite, got ${x}`)
  }
}

/** Throws unless the first `count` rows of `dim` numbers are all finite; names the first bad entry. */
export function checkRows(where: string, name: string, rows: Float32Array, count: number, dim: number): void {
  checkLength(where, name, rows, count * dim)
  const n = count * dim
  for (let i = 0; i < n; i++) {
    const x = rows[i]!
    if (!Number.isFinite(x)) {
      throw new RangeError(`${where}: ${name}[${Math.floor(i / dim)}][${i % dim}] must be finite, got ${x}`)
    }
  }
}

/** Inner product of `a[aOffset..]` and `b[bOffset..]` over `n` numbers, four accumulators for speed. */
export function dotAt(a: Float32Array, aOffset: number, b: Float32Array, bOffset: number, n: number): number {
  let s0 = 0
  let s1 = 0
  let s2 = 0
  let s3 = 0
  let j = 0
  for (; j + 3 < n; j += 4) {
    s0 += a[aOffset + j]! * b[bOffset + j]!
    s1 += a[aOffset + j + 1]! * b[bOffset + j + 1]!
    s2 += a[aOffset + j + 2]! * b[bOffset + j + 2]!
    s3 += a[aOffset + j + 3]! * b[bOffset + j + 3]!
  }
  for (; j < n; j++) s0 += a[aOffset + j]! * b[bOffset + j]!
  return s0 + s1 + (s2 + s3)
}
