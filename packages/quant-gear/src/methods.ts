/**
 * The methods this package adds to the spec language (`kivi:bits=2`, `gear:bits=4,rankDecode=2`, …). The
 * declarations are checked against the factories' option types; ranges and defaults are the factories'.
 * `@kv/cache` is only needed for the types: the package still runs without it.
 */
import type { MethodSpec, ParamsOf } from '@kv/cache'
import { type GearLParams, type GearParams, gear, gearL } from './gear/codec.js'
import { type MikvParams, mixedPrecision } from './mikv/codec.js'
import { importanceTiers } from './mikv/importance-tiers.js'
import {
  blockTokensRange,
  groupSizeRange,
  iterationsRange,
  keepHighRange,
  outliersRange,
  rankRange,
  recentRange,
  residualRange,
} from './shared/ranges.js'
import { type UniformParams, uniform } from './uniform/codec.js'
import { UNIFORM_BITS } from './uniform/kivi.js'

const PACKAGE = '@kv/quant-gear'

/**
 * KIVI (`uniform`) in the spec language.
 *
 * @example
 * new MethodRegistry(quantMethods).build('kivi:bits=2,residual=64', context).codec?.name // 'uniform(2-bit, group 32)'
 */
export const kiviMethod = {
  name: 'kivi',
  summary: 'KIVI uniform quantization (keys per channel, values per token)',
  provides: ['codec'],
  package: PACKAGE,
  params: {
    bits: { type: 'choice', choices: UNIFORM_BITS, default: 4, summary: 'bits per code' },
    groupSize: {
      type: 'number',
      ...groupSizeRange,
      default: 32,
      summary: 'tokens per key group (per channel), channels per value group (per token)',
    },
    residual: {
      type: 'number',
      ...residualRange,
      default: 128,
      summary: 'newest tokens kept in full precision',
    },
    blockTokens: {
      type: 'number',
      ...blockTokensRange,
      defaultNote: 'groupSize',
      summary: 'tokens per block encoded while decoding',
    },
  },
  build: (params) => ({ codec: uniform(params) }),
} satisfies MethodSpec<UniformParams>

/** What `gear` and `gear-l` share: everything but the outliers. */
const gearLParams = {
  bits: { type: 'choice', choices: UNIFORM_BITS, default: 4, summary: 'bits of the quantized backbone' },
  groupSize: {
    type: 'number',
    ...groupSizeRange,
    default: 64,
    summary: 'tokens per key group (per channel), channels per value group (per token)',
  },
  rankPrefill: {
    type: 'number',
    ...rankRange,
    default: 4,
    summary: 'rank of the residual approximation of blocks encoded at prefill',
  },
  rankDecode: {
    type: 'number',
    ...rankRange,
    default: 2,
    summary: 'rank of the residual approximation of blocks encoded while decoding',
  },
  iterations: {
    type: 'number',
    ...iterationsRange,
    default: 3,
    summary: 'power iterations of the low-rank step',
  },
  blockTokens: {
    type: 'number',
    ...blockTokensRange,
    default: 64,
    summary: "tokens per block encoded while decoding (GEAR's streaming buffer)",
  },
  residual: {
    type: 'number',
    ...residualRange,
    default: 0,
    summary: 'newest tokens kept in full precision (the streaming buffer plays that role)',
  },
} satisfies ParamsOf<GearLParams>

/**
 * GEAR in the spec language.
 *
 * @example
 * new MethodRegistry(quantMethods).build('gear:bits=2,outliers=0.01', context).codec
 */
export const gearMethod = {
  name: 'gear',
  summary: 'GEAR: quantization + low-rank residual + sparse outliers',
  provides: ['codec'],
  package: PACKAGE,
  params: {
    ...gearLParams,
    outliers: {
      type: 'number',
      ...outliersRange,
      default: 0.02,
      summary: 'share of each line kept exactly as sparse outliers, in [0, 0.5) (0.5 itself is refused)',
    },
  },
  build: (params) => ({ codec: gear(params) }),
} satisfies MethodSpec<GearParams>

/**
 * GEAR-L (no outliers) in the spec language.
 *
 * @example
 * new MethodRegistry(quantMethods).build('gear-l:bits=4,rankPrefill=8', context).codec
 */
export const gearLMethod = {
  name: 'gear-l',
  summary: 'GEAR-L: quantization + low-rank residual, no outliers',
  provides: ['codec'],
  package: PACKAGE,
  params: gearLParams,
  build: (params) => ({ codec: gearL(params) }),
} satisfies MethodSpec<GearLParams>

/**
 * MiKV in the spec language: the mixed-precision codec and the importance-tier policy it needs.
 *
 * @example
 * const { codec, policy } = new MethodRegistry(quantMethods).build('mikv:high=fp16,low=2,keepHigh=0.3', context)
 */
export const mikvMethod = {
  name: 'mikv',
  summary: 'MiKV: important tokens in high precision, the rest demoted to low bits (codec + tier policy)',
  provides: ['codec', 'policy'],
  package: PACKAGE,
  params: {
    high: {
      type: 'choice',
      choices: [4, 8, 'fp16'],
      default: 8,
      summary: 'tier 0 (important tokens): bits, or fp16; more precise than low',
    },
    low: { type: 'choice', choices: [2, 3, 4], default: 3, summary: 'tier 1 (demoted tokens): bits' },
    groupSize: {
      type: 'number',
      ...groupSizeRange,
      default: 32,
      summary: 'channels per quantization group (per token)',
    },
    residual: {
      type: 'number',
      ...residualRange,
      default: 32,
      summary: 'newest tokens kept in full precision',
    },
    balance: {
      type: 'boolean',
      default: true,
      summary: 'balance keys per channel against the prompt queries',
    },
    keepHigh: {
      type: 'number',
      ...keepHighRange,
      default: 0.2,
      summary: "share of a head's slots kept in tier 0, in (0, 1] (0 itself is refused)",
    },
    recent: {
      type: 'number',
      ...recentRange,
      default: 0.1,
      summary: 'share of the newest slots always kept in tier 0, at most keepHigh',
    },
  },
  build: ({ keepHigh, recent, ...codecOptions }) => ({
    codec: mixedPrecision(codecOptions),
    // only what was given, so that importanceTiers fills in its own defaults
    policy: importanceTiers({
      ...(keepHigh === undefined ? {} : { keepHigh }),
      ...(recent === undefined ? {} : { recent }),
    }),
  }),
} satisfies MethodSpec<MikvParams>

/**
 * The methods of @kv/quant-gear, for a `MethodRegistry`.
 *
 * @example
 * const registry = new MethodRegistry([...cacheMethods, ...quantMethods])
 */
export const quantMethods = [kiviMethod, gearMethod, gearLMethod, mikvMethod] as const
