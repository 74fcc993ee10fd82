/** Argument checks shared by the ops; each message names the function, the argument and the value. */

/** Throws unless `value` is a non-negative integer (a size or an offset). */
export function checkCount(fn: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`${fn}: ${name} must be a non-negative integer, got ${value}`)
  }
}

/** Throws unless `array` holds exactly `expected` elements (`formula` says where that number comes from). */
export function checkLength(
  fn: string,
  name: string,
  array: ArrayLike<number>,
  expected: number,
  formula: string,
): void {
  if (array.length !== expected) {
    throw new RangeError(`${fn}: ${name} has ${array.length} elements, expected ${formula} = ${expected}`)
  }
}

/** Throws unless `[offset, offset + length)` lies inside `array`. */
export function checkRange(
  fn: string,
  name: string,
  array: ArrayLike<number>,
  offset: number,
  length: number,
): void {
  checkCount(fn, `${name} offset`, offset)
  checkCount(fn, `${name} length`, length)
  if (offset + length > array.length) {
    throw new RangeError(
      `${fn}: ${name} range [${offset}, ${offset + length}) overruns its ${array.length} elements`,
    )
  }
}
