/**
 * The methods this package adds to the spec language (`skipdecode:speedup=2`, `uls:speedup=1.5`). The
 * declarations are checked against the schedules' option types; ranges and defaults are the factories'.
 * `@kv/cache` is only needed for the types: the package still runs without it.
 */
import type { MethodSpec } from '@kv/cache'
import { MAX_OPTION_TOKENS } from '@kv/tensor'
import {
  type UnifiedLayerSkippingParams,
  unifiedLayerSkipping,
} from './layer-skipping/unified-layer-skipping.js'
import { MAX_SPEEDUP } from './shared/validate.js'
import type { SkipDecodeParams } from './skip-decode/layer-counts.js'
import { skipDecode } from './skip-decode/skip-decode.js'

const PACKAGE = '@kv/early-exit'

/**
 * SkipDecode in the spec language; the depth comes from the model, `maxLength` by default too.
 *
 * @example
 * new MethodRegistry(exitMethods).build('skipdecode:speedup=2,minLayers=2', context).exit
 */
export const skipDecodeMethod = {
  name: 'skipdecode',
  summary: 'SkipDecode: one exit point per position, lowest layers skipped',
  provides: ['exit'],
  package: PACKAGE,
  params: {
    speedup: {
      type: 'number',
      min: 1,
      max: MAX_SPEEDUP,
      summary: 'required: target mean speed-up over maxLength positions (layers run = depth / speedup)',
    },
    maxLength: {
      type: 'number',
      integer: true,
      min: 1,
      max: MAX_OPTION_TOKENS,
      defaultNote: "the model's context",
      summary: 'positions the decay spans; later ones run minLayers',
    },
    minLayers: {
      type: 'number',
      integer: true,
      min: 1,
      max: MAX_OPTION_TOKENS,
      default: 1,
      summary: 'fewest layers a token runs',
    },
    maxLayers: {
      type: 'number',
      integer: true,
      min: 1,
      max: MAX_OPTION_TOKENS,
      defaultNote: 'all layers',
      summary: "most layers a token runs (at position 0), at most the model's depth",
    },
  },
  build: ({ speedup, maxLength, ...options }, context) => ({
    exit: skipDecode({
      ...options,
      speedup: required('skipdecode', speedup),
      numLayers: context.numLayers,
      maxLength: maxLength ?? context.maxPositions,
    }),
  }),
} satisfies MethodSpec<SkipDecodeParams>

/**
 * Unified Layer Skipping in the spec language.
 *
 * @example
 * new MethodRegistry(exitMethods).build('uls:speedup=1.5', context).exit
 */
export const ulsMethod = {
  name: 'uls',
  summary: 'Unified Layer Skipping: evenly spread middle layers skipped for every token',
  provides: ['exit'],
  package: PACKAGE,
  params: {
    speedup: {
      type: 'number',
      min: 1,
      max: MAX_SPEEDUP,
      summary: 'required: target speed-up; round(depth − depth / speedup) middle layers are skipped',
    },
  },
  build: ({ speedup }) => ({ exit: unifiedLayerSkipping({ speedup: required('uls', speedup) }) }),
} satisfies MethodSpec<UnifiedLayerSkippingParams>

/** The speed-up a spec must give: no default fits every model and length. */
function required(method: string, speedup: number | undefined): number {
  if (speedup === undefined) {
    throw new RangeError(`${method} needs speedup=… (the target speed-up, ≥ 1), e.g. ${method}:speedup=2`)
  }
  return speedup
}

/**
 * The methods of @kv/early-exit, for a `MethodRegistry`.
 *
 * @example
 * const registry = new MethodRegistry([...cacheMethods, ...exitMethods])
 */
export const exitMethods = [skipDecodeMethod, ulsMethod] as const
