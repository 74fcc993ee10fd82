import { checkKnownKeys } from '../shared/validate.js'
/** Options of {@link makeCalibrationSequence}. */
export interface CalibrationOptions {
  /** Tokens in the repeated span. */
  readonly spanLength: number
  /** Where the span starts in `tokens`. Default 0. */
  readonly start?: number
  /** Tokens put before the first copy (a BOS token, say). Default none. */
  readonly prefix?: Int32Array
}

/**
 * The calibration sequence for retrieval-head detection: `prefix`, a held-out span of `tokens`, then the
 * same span again. In the second copy an induction head attends to the token after the earlier
 * occurrence of the current token, an echo head to that occurrence itself.
 *
 * @example
 * const seq = makeCalibrationSequence(heldOut, { spanLength: 128, start: 1000, prefix: Int32Array.of(bos) })
 * seq.length // 1 + 2 * 128
 */
export function makeCalibrationSequence(tokens: Int32Array, options: CalibrationOptions): Int32Array {
  checkKnownKeys('makeCalibrationSequence', options, ['spanLength', 'start', 'prefix'])
  const { spanLength } = options
  const start = options.start ?? 0
  const prefix = options.prefix ?? new Int32Array(0)
  if (!Number.isInteger(spanLength) || spanLength < 2) {
    throw new RangeError(`makeCalibrationSequence: spanLength must be an integer >= 2, got ${spanLength}`)
  }
  if (!Number.isInteger(start) || start < 0 || start + spanLength > tokens.length) {
    throw new RangeError(
      `makeCalibrationSequence: span [${start}, ${start + spanLength}) must lie inside tokens of length ${tokens.length}`,
    )
  }
  const out = new Int32Array(prefix.length + 2 * spanLength)
  out.set(prefix, 0)
  const span = tokens.subarray(start, start + spanLength)
  out.set(span, prefix.length)
  out.set(span, prefix.length + spanLength)
  return out
}
