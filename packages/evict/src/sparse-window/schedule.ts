import { checkInRange, checkInteger, checkKnownKeys } from '../shared/validate.js'

/** Options of {@link sparseWindow} (ALISA sparse window attention). */
export interface SparseWindowOptions {
  /** Recent tokens kept: an integer ≥ 1 is a token count, a number in (0, 1) a share of the sequence. Default 0.1. */
  readonly window?: number
  /** Globally important tokens kept, same units as `window`. Default 0.1 (window + top-k ≈ 20%). */
  readonly topK?: number
  /** Horizon, in steps, of the importance score (attention summed over recent steps, exponentially decayed). Default 16. */
  readonly history?: number
  /** First tokens always kept on top of the budget. Default 0. */
  readonly sinks?: number
  /** Sequence length at which phase 2 (sparse window) starts; shorter sequences keep everything (phase 1). Default 0. */
  readonly sparseFrom?: number
  /** Sequence length at which phase 3 (ALISA: recompute instead of offload) starts. Default Infinity. */
  readonly recomputeFrom?: number
}

/** ALISA's phase for a sequence length: 1 all cached, 2 sparse window + offload, 3 sparse window + recompute. */
export type AlisaPhase = 1 | 2 | 3

/** Sparse-window settings checked once, at construction. */
export interface SparseWindowSettings {
  readonly window: number
  readonly topK: number
  readonly history: number
  readonly sinks: number
  readonly sparseFrom: number
  readonly recomputeFrom: number
}

function tokensOrShare(name: string, value: number): number {
  if (typeof value !== 'number' || Number.isNaN(value))
    throw new TypeError(`sparseWindow: ${name} must be a number, got ${String(value)}`)
  if (value > 0 && value < 1) return value
  return checkInteger('sparseWindow', `${name} (a share in (0, 1) or a token count)`, value, 0)
}

/**
 * Checks sparse-window options (`sparseWindow: history must be an integer >= 1, got 0`).
 *
 * @example
 * resolveSparseWindow({ window: 64, topK: 0.1 }) // window 64 tokens, top-k 10% of the sequence
 */
export function resolveSparseWindow(options: SparseWindowOptions = {}): SparseWindowSettings {
  checkKnownKeys('sparseWindow', options, [
    'window',
    'topK',
    'history',
    'sinks',
    'sparseFrom',
    'recomputeFrom',
  ])
  const window = tokensOrShare('window', options.window ?? 0.1)
  const topK = tokensOrShare('topK', options.topK ?? 0.1)
  const history = checkInteger('sparseWindow', 'history', options.history ?? 16, 1)
  const sinks = checkInteger('sparseWindow', 'sinks', options.sinks ?? 0, 0)
  const sparseFrom = checkInteger('sparseWindow', 'sparseFrom', options.sparseFrom ?? 0, 0)
  const recomputeFrom = checkInteger(
    'sparseWindow',
    'recomputeFrom',
    options.recomputeFrom ?? Number.POSITIVE_INFINITY,
    0,
    true,
  )
  checkInRange('sparseWindow', 'recomputeFrom', recomputeFrom, sparseFrom, Number.POSITIVE_INFINITY)
  return { window, topK, history, sinks, sparseFrom, recomputeFrom }
}

/**
 * ALISA's phase at sequence length `length`.
 *
 * @example
 * alisaPhase(100, { sparseFrom: 256, recomputeFrom: 1024 }) // 1
 */
export function alisaPhase(
  length: number,
  settings: Pick<SparseWindowSettings, 'sparseFrom' | 'recomputeFrom'>,
): AlisaPhase {
  if (length < settings.sparseFrom) return 1
  return length < settings.recomputeFrom ? 2 : 3
}

/**
 * Window and top-k in tokens at sequence length `length` (shares floored).
 *
 * @example
 * sparseWindowBudget(resolveSparseWindow({ window: 0.1, topK: 32 }), 1000) // { window: 100, topK: 32 }
 */
export function sparseWindowBudget(
  settings: SparseWindowSettings,
  length: number,
): { window: number; topK: number } {
  const resolve = (x: number) => (x > 0 && x < 1 ? Math.floor(x * length) : x)
  return { window: resolve(settings.window), topK: resolve(settings.topK) }
}
