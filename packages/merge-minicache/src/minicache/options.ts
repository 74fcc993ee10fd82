import { MAX_OPTION_TOKENS } from '@kv/tensor'
/**
 * MiniCache's settings (the paper's defaults: t 0.6, retain 5 %, from half depth).
 *
 * @example
 * const options: MiniCacheOptions = { fromLayer: 4, t: 0.6, retain: 0.05 }
 */
export interface MiniCacheOptions {
  /** First layer of the first merged pair; default `floor(numLayers / 2)`. */
  readonly fromLayer?: number
  /** SLERP fraction from the lower layer (0) to the upper layer (1) of a pair; default 0.6. */
  readonly t?: number
  /** Fraction of a block's tokens, the most distinct between the two layers, kept unmerged; default 0.05. */
  readonly retain?: number
}

/**
 * Options of `mergeRows`.
 *
 * @example
 * const options: MergeRowsOptions = { t: 0.5, retain: 0 } // plain midpoint, nothing retained
 */
export interface MergeRowsOptions {
  /** SLERP fraction, in [0, 1]; default 0.6. */
  readonly t?: number
  /** Fraction of tokens kept unmerged, in [0, 1]; default 0.05. */
  readonly retain?: number
}

/**
 * The paper's interpolation fraction.
 *
 * @example
 * mergeRows(a, b, tokens, headDim, { t: DEFAULT_T })
 */
export const DEFAULT_T = 0.6
/**
 * The paper's retention ratio.
 *
 * @example
 * mergeRows(a, b, tokens, headDim, { retain: DEFAULT_RETAIN })
 */
export const DEFAULT_RETAIN = 0.05

/** Throws unless `t` is a number in [0, 1]. */
export function checkInterpolation(where: string, t: number): void {
  if (typeof t !== 'number' || !(t >= 0 && t <= 1)) {
    throw new RangeError(`${where}: t must be a number in [0, 1], got ${String(t)}`)
  }
}

/** Throws unless `retain` is a number in [0, 1]. */
export function checkRetain(where: string, retain: number): void {
  if (typeof retain !== 'number' || !(retain >= 0 && retain <= 1)) {
    throw new RangeError(`${where}: retain must be a number in [0, 1], got ${String(retain)}`)
  }
}

/** Throws unless `value` is an integer at least `min`. */
export function checkInteger(where: string, name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${where}: ${name} must be an integer ≥ ${min}, got ${String(value)}`)
  }
  if (value > MAX_OPTION_TOKENS) {
    throw new RangeError(`${where}: ${name} must be ≤ ${MAX_OPTION_TOKENS} (2^24), got ${value}`)
  }
}
