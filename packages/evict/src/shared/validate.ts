import { checkOptionKeys, MAX_OPTION_TOKENS } from '@kv/tensor'

/**
 * Option checks shared by the policies. Each throws a RangeError/TypeError whose message names the
 * policy, the option and the value, e.g. `h2o: heavy must be in [0, 1], got 1.5`.
 */

/** A number in `[lo, hi]`; rejects NaN and non-numbers. */
export function checkInRange(owner: string, name: string, value: unknown, lo: number, hi: number): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${owner}: ${name} must be a number, got ${describe(value)}`)
  }
  if (value < lo || value > hi)
    throw new RangeError(`${owner}: ${name} must be in [${lo}, ${hi}], got ${value}`)
  return value
}

/** An integer in `[min, 2²⁴]` (`MAX_OPTION_TOKENS`; Infinity allowed only when `allowInfinity`). */
export function checkInteger(
  owner: string,
  name: string,
  value: unknown,
  min: number,
  allowInfinity = false,
): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${owner}: ${name} must be a number, got ${describe(value)}`)
  }
  if (allowInfinity && value === Number.POSITIVE_INFINITY) return value
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${owner}: ${name} must be an integer >= ${min}, got ${value}`)
  }
  if (value > MAX_OPTION_TOKENS) {
    throw new RangeError(`${owner}: ${name} must be <= ${MAX_OPTION_TOKENS} (2^24), got ${value}`)
  }
  return value
}

/** Rejects option keys the policy does not know, so a typo (`window` for `recent`) is not ignored. */
export function checkKnownKeys(owner: string, options: object, known: readonly string[]): void {
  checkOptionKeys(owner, options, known)
}

/** A short printable form of a bad value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null) {
    return String(value)
  }
  if (Array.isArray(value)) return `an array of length ${value.length}`
  return typeof value
}
