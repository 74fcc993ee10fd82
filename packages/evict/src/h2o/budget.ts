import { checkInRange, checkInteger, checkKnownKeys } from '../shared/validate.js'

/**
 * Options of {@link h2o}. Each side of the budget is a ratio of the sequence length (`heavy`, `recent`,
 * paper default 0.1 each) or a token count (`heavyTokens`, `recentTokens`), or `budget` gives the total
 * in tokens, split between heavy and recent in the proportion `heavy : recent`.
 */
export interface H2OOptions {
  /** Heavy-hitter share of the sequence length, in [0, 1]. Default 0.1. */
  readonly heavy?: number
  /** Recent-window share of the sequence length, in [0, 1]. Default 0.1. */
  readonly recent?: number
  /** Heavy hitters kept, in tokens (overrides `heavy`). */
  readonly heavyTokens?: number
  /** Recent tokens kept (overrides `recent`). */
  readonly recentTokens?: number
  /** Total slots kept besides sinks, split heavy : recent (cannot be combined with the `…Tokens` options). */
  readonly budget?: number
  /**
   * Which length a ratio is taken of. `prompt` (the H2O reference): the length at the first plan, frozen,
   * so decoding evicts one slot per step once over budget. `sequence`: the current length, so the cache
   * keeps a constant share of everything seen.
   */
  readonly ratioOf?: 'prompt' | 'sequence'
  /** First tokens always kept on top of the budget. Default 0 (the reference has none). */
  readonly sinks?: number
}

/** A budget in tokens: sinks + heavy hitters + recent window. */
export interface H2OBudget {
  readonly sinks: number
  readonly heavy: number
  readonly recent: number
}

/** H2O options checked once, at construction. */
export interface H2OSettings {
  readonly sinks: number
  readonly heavyRatio: number
  readonly recentRatio: number
  readonly heavyTokens: number | undefined
  readonly recentTokens: number | undefined
  readonly ratioOf: 'prompt' | 'sequence'
}

const KNOWN = ['heavy', 'recent', 'heavyTokens', 'recentTokens', 'budget', 'ratioOf', 'sinks'] as const

/**
 * Checks H2O options (`h2o: heavy must be in [0, 1], got 1.5`) and fixes token counts where given.
 *
 * @example
 * resolveH2OSettings({ budget: 512 }) // heavyTokens 256, recentTokens 256
 */
export function resolveH2OSettings(options: H2OOptions = {}, owner = 'h2o'): H2OSettings {
  checkKnownKeys(owner, options, KNOWN)
  const heavyRatio = checkInRange(owner, 'heavy', options.heavy ?? 0.1, 0, 1)
  const recentRatio = checkInRange(owner, 'recent', options.recent ?? 0.1, 0, 1)
  const sinks = checkInteger(owner, 'sinks', options.sinks ?? 0, 0)
  const ratioOf = options.ratioOf ?? 'prompt'
  if (ratioOf !== 'prompt' && ratioOf !== 'sequence') {
    throw new RangeError(`${owner}: ratioOf must be 'prompt' or 'sequence', got ${String(ratioOf)}`)
  }
  let heavyTokens =
    options.heavyTokens === undefined ? undefined : checkInteger(owner, 'heavyTokens', options.heavyTokens, 0)
  let recentTokens =
    options.recentTokens === undefined
      ? undefined
      : checkInteger(owner, 'recentTokens', options.recentTokens, 0)
  if (options.budget !== undefined) {
    if (heavyTokens !== undefined || recentTokens !== undefined) {
      throw new RangeError(`${owner}: budget cannot be combined with heavyTokens or recentTokens`)
    }
    const budget = checkInteger(owner, 'budget', options.budget, 1)
    if (heavyRatio + recentRatio === 0) {
      throw new RangeError(`${owner}: budget needs heavy + recent > 0 to split it, got heavy 0 and recent 0`)
    }
    heavyTokens = Math.round((budget * heavyRatio) / (heavyRatio + recentRatio))
    recentTokens = budget - heavyTokens
  }
  return { sinks, heavyRatio, recentRatio, heavyTokens, recentTokens, ratioOf }
}

/**
 * The budget in tokens for a sequence of `length` tokens (ratios floored, as `int(ratio * T)` in the
 * reference).
 *
 * @example
 * h2oBudget(resolveH2OSettings({ heavy: 0.1, recent: 0.1 }), 1000) // { sinks: 0, heavy: 100, recent: 100 }
 */
export function h2oBudget(settings: H2OSettings, length: number): H2OBudget {
  return {
    sinks: settings.sinks,
    heavy: settings.heavyTokens ?? Math.floor(settings.heavyRatio * length),
    recent: settings.recentTokens ?? Math.floor(settings.recentRatio * length),
  }
}
