import { checkNumberOption, checkOptionKeys, MAX_OPTION_TOKENS } from '@kv/tensor'

/** Highest temperature accepted: far past the point where sampling is uniform noise. */
export const MAX_TEMPERATURE = 100

const GENERATE_KEYS = [
  'cache',
  'maxTokens',
  'temperature',
  'topK',
  'seed',
  'stopAtEos',
  'onToken',
  'onWarning',
]

/** The options of `generate` as checked: every numeric option within its documented range. */
export interface CheckedGenerateOptions {
  readonly maxTokens: number
  readonly temperature: number
  readonly topK: number
  readonly seed: number
}

/**
 * Checks the options of `generate` before anything touches the cache, so that a bad option leaves the
 * cache exactly as it was: unknown keys (with a did-you-mean), `maxTokens` an integer in [0, 2²⁴],
 * `temperature` a finite number in [0, 100], `topK` an integer in [1, 2²⁴], `seed` a safe integer,
 * `stopAtEos` a boolean, `onToken` / `onWarning` functions, `cache` present.
 *
 * @example
 * checkGenerateOptions({ cache, maxTokens: 20, temperature: Number.NaN })
 * // RangeError: generate: temperature must be a finite number in [0, 100], got NaN
 */
export function checkGenerateOptions(options: {
  readonly cache?: unknown
  readonly maxTokens?: number
  readonly temperature?: number
  readonly topK?: number
  readonly seed?: number
  readonly stopAtEos?: boolean
  readonly onToken?: unknown
  readonly onWarning?: unknown
}): CheckedGenerateOptions {
  const where = 'generate'
  checkOptionKeys(where, options, GENERATE_KEYS)
  if (typeof options?.cache !== 'object' || options.cache === null) {
    throw new TypeError(`${where}: options.cache must be a KVCache (model.createCache())`)
  }
  const maxTokens = checkNumberOption(where, 'maxTokens', options.maxTokens, {
    integer: true,
    min: 0,
    max: MAX_OPTION_TOKENS,
  })
  const temperature = checkNumberOption(where, 'temperature', options.temperature ?? 0, {
    min: 0,
    max: MAX_TEMPERATURE,
  })
  const topK = checkNumberOption(where, 'topK', options.topK ?? 40, {
    integer: true,
    min: 1,
    max: MAX_OPTION_TOKENS,
  })
  const seed = checkNumberOption(where, 'seed', options.seed ?? 0, {
    integer: true,
    min: Number.MIN_SAFE_INTEGER,
    max: Number.MAX_SAFE_INTEGER,
  })
  if (options.stopAtEos !== undefined && typeof options.stopAtEos !== 'boolean') {
    throw new TypeError(`${where}: stopAtEos must be true or false, got ${String(options.stopAtEos)}`)
  }
  for (const name of ['onToken', 'onWarning'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new TypeError(`${where}: ${name} must be a function, got ${typeof options[name]}`)
    }
  }
  return { maxTokens, temperature, topK, seed }
}
