/**
 * Option checks every factory of the method packages shares: unknown keys are errors (with a did-you-mean),
 * numbers are finite and within a declared range. A range is declared once, as an {@link OptionRange}, and
 * used both by the factory and by the method spec of the spec language, so the two cannot disagree.
 */

/** The range of a numeric option: `integer`, bounds inclusive unless `minExclusive` / `maxExclusive`. */
export interface OptionRange {
  readonly integer?: boolean
  readonly min?: number
  readonly max?: number
  readonly minExclusive?: boolean
  readonly maxExclusive?: boolean
}

/**
 * Throws a TypeError when `options` is not a plain object or holds a key outside `known`; the message names
 * the key, the closest known key and every known key.
 *
 * @example
 * checkOptionKeys('uniform', { bit: 2 }, ['bits', 'groupSize'])
 * // TypeError: uniform: unknown option "bit" (did you mean "bits"?); known options: bits, groupSize
 */
export function checkOptionKeys(owner: string, options: unknown, known: readonly string[]): void {
  if (options === undefined) return
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    const got = Array.isArray(options) ? 'an array' : options === null ? 'null' : typeof options
    throw new TypeError(`${owner}: options must be an object, got ${got}`)
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue
    const near = closestKeys(key, known)
    const hint = near.length > 0 ? ` (did you mean ${near.map((k) => `"${k}"`).join(' or ')}?)` : ''
    const list = known.length > 0 ? known.join(', ') : '(none)'
    throw new TypeError(`${owner}: unknown option "${key}"${hint}; known options: ${list}`)
  }
}

/**
 * Checks a numeric option against its range and returns it: NaN, ±Infinity and non-numbers are refused
 * everywhere (RangeError), as are fractions of an integer option and values outside the bounds.
 *
 * @example
 * checkNumberOption('gear', 'iterations', 1e9, { integer: true, min: 1, max: 32 })
 * // RangeError: gear: iterations must be an integer in [1, 32], got 1000000000
 */
export function checkNumberOption(owner: string, name: string, value: unknown, range: OptionRange): number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!range.integer || Number.isInteger(value)) &&
    (range.min === undefined || (range.minExclusive ? value > range.min : value >= range.min)) &&
    (range.max === undefined || (range.maxExclusive ? value < range.max : value <= range.max))
  if (!ok) {
    const got = typeof value === 'number' ? String(value) : `${typeof value} ${JSON.stringify(value)}`
    throw new RangeError(`${owner}: ${name} must be ${describeRange(range)}, got ${got}`)
  }
  return value as number
}

/** `an integer in [1, 32]`, `a finite number in (0, 1]`, `an integer ≥ 0`. */
export function describeRange(range: OptionRange): string {
  const kind = range.integer ? 'an integer' : 'a finite number'
  const { min, max } = range
  if (min !== undefined && max !== undefined) {
    return `${kind} in ${range.minExclusive ? '(' : '['}${min}, ${max}${range.maxExclusive ? ')' : ']'}`
  }
  if (min !== undefined) return `${kind} ${range.minExclusive ? '>' : '≥'} ${min}`
  if (max !== undefined) return `${kind} ${range.maxExclusive ? '<' : '≤'} ${max}`
  return kind
}

/** The known keys within edit distance 2 of `key` (or equal ignoring case), closest first. */
export function closestKeys(key: string, known: readonly string[]): string[] {
  return known
    .map((candidate) => ({
      candidate,
      distance: candidate.toLowerCase() === key.toLowerCase() ? 0 : editDistance(candidate, key),
    }))
    .filter(({ distance }) => distance <= 2)
    .sort((a, b) => a.distance - b.distance)
    .map(({ candidate }) => candidate)
}

/** Levenshtein distance between two strings (insertions, deletions, substitutions), for "did you mean". */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1))
      previous = current
    }
  }
  return row[b.length]!
}

/**
 * The largest token count (window, budget, sinks, length, …) an option of the method packages accepts: 2²⁴,
 * far beyond any context a model of this project reaches, low enough that a typo cannot allocate unbounded.
 */
export const MAX_OPTION_TOKENS = 16_777_216
