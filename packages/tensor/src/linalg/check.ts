/** Input checks of the linear-algebra entry points. */

/** Throws unless a is an m × n row-major matrix of finite numbers with m, n ≥ 1. */
export function checkMatrix(fn: string, a: Float32Array, m: number, n: number): void {
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`${fn}: m must be a positive integer, got ${m}`)
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${fn}: n must be a positive integer, got ${n}`)
  if (a.length !== m * n) {
    throw new RangeError(`${fn}: a has ${a.length} elements, expected m·n = ${m}·${n} = ${m * n}`)
  }
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]!)) throw new RangeError(`${fn}: a[${i}] is ${a[i]}, expected a finite number`)
  }
}
