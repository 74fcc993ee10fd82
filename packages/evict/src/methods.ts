/**
 * The methods this package adds to the spec language (`streaming:sinks=4,window=508`, `h2o:heavy=0.1`, …).
 * The declarations are checked against the policies' option types; ranges and defaults are the
 * factories'. `@kv/cache` is only needed for the types: the package still runs without it.
 */
import type { BuildContext, MethodSpec, ParamsOf } from '@kv/cache'
import { MAX_OPTION_TOKENS } from '@kv/tensor'
import { type D2OParams, d2o } from './d2o/d2o.js'
import type { H2OOptions } from './h2o/budget.js'
import { h2o } from './h2o/h2o.js'
import { type DuoParams, type HeadwiseOptions, headwise, type RazorParams } from './headwise/headwise.js'
import type { SparseWindowOptions } from './sparse-window/schedule.js'
import { sparseWindow } from './sparse-window/sparse-window.js'
import { type StreamingLLMOptions, streamingLLM } from './streaming-llm/streaming-llm.js'

const PACKAGE = '@kv/evict'

/**
 * StreamingLLM in the spec language.
 *
 * @example
 * new MethodRegistry(evictMethods).build('streaming:sinks=4,window=1020', context).policy?.name
 */
export const streamingMethod = {
  name: 'streaming',
  summary: 'StreamingLLM: attention sinks + recent window, positions re-assigned',
  provides: ['policy'],
  package: PACKAGE,
  params: {
    sinks: {
      type: 'number',
      integer: true,
      min: 0,
      max: MAX_OPTION_TOKENS,
      default: 4,
      summary: 'first tokens always kept (attention sinks)',
    },
    window: {
      type: 'number',
      integer: true,
      min: 1,
      max: MAX_OPTION_TOKENS,
      default: 508,
      summary: 'most recent tokens kept',
    },
  },
  build: (params) => ({ policy: streamingLLM(params) }),
} satisfies MethodSpec<StreamingLLMOptions>

/** The shares and token counts H2O and D2O both take; `of` says what the shares are of. */
function heavyRecentParams(
  of: string,
): ParamsOf<Pick<H2OOptions, 'heavy' | 'recent' | 'heavyTokens' | 'recentTokens'>> {
  return {
    heavy: {
      type: 'number',
      min: 0,
      max: 1,
      default: 0.1,
      summary: `heavy hitters kept, as a share of ${of}`,
    },
    recent: {
      type: 'number',
      min: 0,
      max: 1,
      default: 0.1,
      summary: `recent tokens kept, as a share of ${of}`,
    },
    heavyTokens: {
      type: 'number',
      integer: true,
      min: 0,
      max: MAX_OPTION_TOKENS,
      defaultNote: 'from heavy',
      summary: 'heavy hitters kept, in tokens (overrides heavy)',
    },
    recentTokens: {
      type: 'number',
      integer: true,
      min: 0,
      max: MAX_OPTION_TOKENS,
      defaultNote: 'from recent',
      summary: 'recent tokens kept, in tokens (overrides recent)',
    },
  }
}

/**
 * H2O in the spec language.
 *
 * @example
 * new MethodRegistry(evictMethods).build('h2o:budget=512,sinks=4', context).policy
 */
export const h2oMethod = {
  name: 'h2o',
  summary: 'H2O: heavy hitters by accumulated attention + recent tokens',
  provides: ['policy'],
  package: PACKAGE,
  params: {
    ...heavyRecentParams('the prompt (the sequence so far with ratioOf=sequence)'),
    budget: {
      type: 'number',
      integer: true,
      min: 1,
      max: MAX_OPTION_TOKENS,
      summary:
        'slots kept besides sinks, in tokens, split heavy : recent (not with heavyTokens, recentTokens)',
    },
    ratioOf: {
      type: 'choice',
      choices: ['prompt', 'sequence'],
      default: 'prompt',
      summary: 'length the shares are taken of: the prompt (frozen) or the sequence so far',
    },
    sinks: {
      type: 'number',
      integer: true,
      min: 0,
      max: MAX_OPTION_TOKENS,
      default: 0,
      summary: 'first tokens always kept on top of the budget',
    },
  },
  build: (params) => ({ policy: h2o(params) }),
} satisfies MethodSpec<H2OOptions>

/**
 * D2O in the spec language (layers 0, 1 and the last stay uncompressed, as in the reference).
 *
 * @example
 * new MethodRegistry(evictMethods).build('d2o:heavy=0.1,recent=0.1,alpha=0.5', context).policy
 */
export const d2oMethod = {
  name: 'd2o',
  summary: 'D2O: per-layer budgets from attention variance + merge of evicted tokens',
  provides: ['policy'],
  package: PACKAGE,
  params: {
    ...heavyRecentParams('the prompt'),
    alpha: {
      type: 'number',
      min: 0,
      max: 1,
      default: 0.5,
      summary: "weight of the previous merge threshold in the threshold's moving average",
    },
    beta: {
      type: 'number',
      min: 0,
      max: 1,
      default: 0.5,
      summary: "weight of this step's mean best similarity in the threshold's moving average",
    },
    sinks: {
      type: 'number',
      integer: true,
      min: 0,
      max: MAX_OPTION_TOKENS,
      default: 4,
      summary: 'first tokens always kept',
    },
  },
  build: (params) => ({ policy: d2o(params) }),
} satisfies MethodSpec<D2OParams>

/**
 * ALISA's sparse window attention in the spec language.
 *
 * @example
 * new MethodRegistry(evictMethods).build('swa:window=64,topK=0.1,sparseFrom=256', context).policy
 */
export const swaMethod = {
  name: 'swa',
  summary: 'ALISA sparse window attention: recent window + globally important tokens',
  provides: ['policy'],
  package: PACKAGE,
  params: {
    window: {
      type: 'number',
      min: 0,
      default: 0.1,
      summary: 'recent tokens kept: a share of the sequence in (0, 1), else a whole number of tokens',
    },
    topK: {
      type: 'number',
      min: 0,
      default: 0.1,
      summary:
        'globally important tokens kept: a share of the sequence in (0, 1), else a whole number of tokens',
    },
    history: {
      type: 'number',
      integer: true,
      min: 1,
      max: MAX_OPTION_TOKENS,
      default: 16,
      summary: 'steps of attention (exponentially decayed) the importance score sums',
    },
    sinks: {
      type: 'number',
      integer: true,
      min: 0,
      max: MAX_OPTION_TOKENS,
      default: 0,
      summary: 'first tokens always kept on top of the budget',
    },
    sparseFrom: {
      type: 'number',
      integer: true,
      min: 0,
      max: MAX_OPTION_TOKENS,
      default: 0,
      summary: 'sequence length from which tokens are dropped (phase 2); shorter ones keep everything',
    },
    recomputeFrom: {
      type: 'number',
      integer: true,
      min: 0,
      max: MAX_OPTION_TOKENS,
      defaultNote: 'never',
      summary: "sequence length of ALISA's phase 3 (recompute instead of offload), at least sparseFrom",
    },
  },
  build: (params) => ({ policy: sparseWindow(params) }),
} satisfies MethodSpec<SparseWindowOptions>

/** Where razor and duo take their retrieval-head scores from. */
const headsParam = {
  type: 'string',
  defaultNote: "the model's scores",
  summary: 'JSON file of retrieval-head scores (`kv heads`)',
} as const

/**
 * RazorAttention in the spec language: retrieval heads from `heads=<file.json>` or the model's own scores.
 *
 * @example
 * new MethodRegistry(evictMethods).build('razor:fraction=0.15,heads=heads.json', { ...context, readJson })
 */
export const razorMethod = {
  name: 'razor',
  summary: 'RazorAttention: retrieval heads keep all, others sinks + recent + compensation token',
  provides: ['policy'],
  package: PACKAGE,
  params: {
    fraction: {
      type: 'number',
      min: 0,
      max: 1,
      default: 0.15,
      summary: 'share of KV heads chosen as retrieval heads (they keep every token)',
    },
    sinks: {
      type: 'number',
      integer: true,
      min: 0,
      max: MAX_OPTION_TOKENS,
      default: 4,
      summary: 'first tokens kept by the other heads',
    },
    recent: {
      type: 'number',
      integer: true,
      min: 0,
      max: MAX_OPTION_TOKENS,
      default: 4000,
      summary: 'smallest recent buffer of the other heads, in tokens',
    },
    ratio: {
      type: 'number',
      min: 0,
      max: 1,
      default: 0.2,
      summary: 'recent buffer as a share of the sequence (1/C), when larger than recent',
    },
    heads: headsParam,
  },
  build: ({ heads, ...options }, context) => ({
    policy: headwise({ ...options, mode: 'razor', retrievalHeads: retrievalHeads('razor', heads, context) }),
  }),
} satisfies MethodSpec<RazorParams>

/**
 * DuoAttention in the spec language: retrieval heads from `heads=<file.json>` or the model's own scores.
 *
 * @example
 * new MethodRegistry(evictMethods).build('duo:fraction=0.5,sinks=64,recent=256', context).policy
 */
export const duoMethod = {
  name: 'duo',
  summary: 'DuoAttention: retrieval heads keep all, streaming heads sinks + recent',
  provides: ['policy'],
  package: PACKAGE,
  params: {
    fraction: {
      type: 'number',
      min: 0,
      max: 1,
      default: 0.5,
      summary:
        'share of KV heads chosen as retrieval heads (0.5 for GQA models; the paper uses 0.25 for MHA)',
    },
    sinks: {
      type: 'number',
      integer: true,
      min: 0,
      max: MAX_OPTION_TOKENS,
      default: 64,
      summary: 'first tokens kept by the streaming heads',
    },
    recent: {
      type: 'number',
      integer: true,
      min: 1,
      max: MAX_OPTION_TOKENS,
      default: 256,
      summary: 'recent tokens kept by the streaming heads',
    },
    heads: headsParam,
  },
  build: ({ heads, ...options }, context) => ({
    policy: headwise({ ...options, mode: 'duo', retrievalHeads: retrievalHeads('duo', heads, context) }),
  }),
} satisfies MethodSpec<DuoParams>

/** The scores `heads` names, or the model's own; an error says what to do when there are none. */
function retrievalHeads(
  mode: 'razor' | 'duo',
  heads: string | undefined,
  context: BuildContext,
): HeadwiseOptions['retrievalHeads'] {
  if (heads !== undefined && context.readJson === undefined) {
    throw new Error(
      `${mode}: heads=${heads} names a file, and files cannot be read here (no file system, e.g. in a browser); pass the scores as the context's headScores instead`,
    )
  }
  const scores = heads === undefined ? context.headScores : context.readJson?.(heads)
  if (scores === undefined) {
    throw new Error(
      `${mode}: this model ships no retrieval-head scores; run \`kv heads\` and pass heads=<file.json>`,
    )
  }
  // headwise checks what it got: flags, a HeadScores object or the artefact's text
  return scores as HeadwiseOptions['retrievalHeads']
}

/**
 * The methods of @kv/evict, for a `MethodRegistry`.
 *
 * @example
 * const registry = new MethodRegistry([...cacheMethods, ...evictMethods])
 */
export const evictMethods = [
  streamingMethod,
  h2oMethod,
  d2oMethod,
  swaMethod,
  razorMethod,
  duoMethod,
] as const
