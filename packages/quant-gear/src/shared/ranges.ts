import type { OptionRange } from '@kv/tensor'

/**
 * The ranges of the numeric options of this package's factories, declared once: the factories check them
 * (`checkNumberOption`) and the method specs of the spec language spread them into their declarations.
 * The upper bounds are sanity limits far above any practical setting, there so that a typo (`1e9`) is
 * refused instead of hanging or allocating without bound.
 */

/** Largest group size: 4,096 tokens (keys) or channels (values). */
export const MAX_GROUP_SIZE = 4096
/** Largest block encoded at once while decoding. */
export const MAX_BLOCK_TOKENS = 4096
/** Largest full-precision residual: 2²⁰ tokens. */
export const MAX_RESIDUAL = 1_048_576
/** Largest rank of GEAR's low-rank term: the factors grow as r · (tokens + headDim). */
export const MAX_GEAR_RANK = 64
/** Most power iterations of GEAR's low-rank step (3 is the paper's; more gains nothing measurable). */
export const MAX_GEAR_ITERATIONS = 32

export const groupSizeRange = { integer: true, min: 1, max: MAX_GROUP_SIZE } as const satisfies OptionRange
export const blockTokensRange = {
  integer: true,
  min: 1,
  max: MAX_BLOCK_TOKENS,
} as const satisfies OptionRange
export const residualRange = { integer: true, min: 0, max: MAX_RESIDUAL } as const satisfies OptionRange
export const rankRange = { integer: true, min: 0, max: MAX_GEAR_RANK } as const satisfies OptionRange
export const iterationsRange = {
  integer: true,
  min: 1,
  max: MAX_GEAR_ITERATIONS,
} as const satisfies OptionRange
/** GEAR's outlier share: in [0, 0.5) (half of each line on each side would be the whole line). */
export const outliersRange = { min: 0, max: 0.5, maxExclusive: true } as const satisfies OptionRange
/** MiKV's share of slots kept in tier 0: in (0, 1]. */
export const keepHighRange = { min: 0, max: 1, minExclusive: true } as const satisfies OptionRange
/** MiKV's share of the newest slots always in tier 0: in [0, 1] (and at most keepHigh). */
export const recentRange = { min: 0, max: 1 } as const satisfies OptionRange
