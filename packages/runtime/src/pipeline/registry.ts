import type { CacheOptions } from '@kv/cache'
import { float16Codec } from '@kv/cache'

/** What a method entry may need of the model it is built for. */
export interface BuildContext {
  readonly numLayers: number
  readonly numKVHeads: number
  readonly maxPositions: number
  /** Reads a JSON file (head-score artefacts). */
  readonly readJson: (path: string) => unknown
  /** The retrieval-head artefact of the model, when it ships one. */
  readonly headScores: unknown
}

/** `numberOrName`: a number, or a name such as `fp16`. */
export type ParamType = 'number' | 'boolean' | 'string' | 'numberOrName'

/** One method of the spec language: its parameters and how it becomes cache plug-ins. */
export interface MethodEntry {
  readonly summary: string
  readonly params: Readonly<Record<string, ParamType>>
  readonly build: (
    params: Record<string, number | boolean | string>,
    context: BuildContext,
  ) => Promise<CacheOptions>
}

type Module = Record<string, unknown>
type Factory = (options: Record<string, unknown>) => unknown

async function load(name: string): Promise<Module> {
  try {
    return (await import(name)) as Module
  } catch (error) {
    throw new Error(
      `this pipeline needs the package ${name}; install it next to @kv/runtime (${(error as Error).message})`,
    )
  }
}

async function factory(name: string, exported: string): Promise<Factory> {
  const module = await load(name)
  const made = module[exported]
  if (typeof made !== 'function') throw new Error(`${name} does not export ${exported}()`)
  return made as Factory
}

function method(
  summary: string,
  params: Record<string, ParamType>,
  pkg: string,
  exported: string,
  slot: keyof CacheOptions,
  extra?: (params: Record<string, unknown>, context: BuildContext) => Record<string, unknown>,
): MethodEntry {
  return {
    summary,
    params,
    build: async (given, context) => {
      const make = await factory(pkg, exported)
      const options = extra ? extra(given, context) : given
      const plugin = make(options)
      return (slot === 'extensions' ? { extensions: [plugin] } : { [slot]: plugin }) as CacheOptions
    },
  }
}

const QUANT = '@kv/quant-gear'
const EVICT = '@kv/evict'

/** Every method the spec language knows, by name. */
export const METHODS: Readonly<Record<string, MethodEntry>> = {
  fp16: {
    summary: 'plain float16 storage (the baseline of every ratio)',
    params: { blockTokens: 'number', residual: 'number' },
    build: async (given) => ({ codec: float16Codec(given as { blockTokens?: number; residual?: number }) }),
  },
  kivi: method(
    'KIVI uniform quantization (keys per channel, values per token)',
    { bits: 'number', groupSize: 'number', residual: 'number', blockTokens: 'number' },
    QUANT,
    'uniform',
    'codec',
  ),
  gear: method(
    'GEAR: quantization + low-rank residual + sparse outliers',
    {
      bits: 'number',
      groupSize: 'number',
      rankPrefill: 'number',
      rankDecode: 'number',
      outliers: 'number',
      iterations: 'number',
      blockTokens: 'number',
      residual: 'number',
    },
    QUANT,
    'gear',
    'codec',
  ),
  'gear-l': method(
    'GEAR-L: quantization + low-rank residual, no outliers',
    {
      bits: 'number',
      groupSize: 'number',
      rankPrefill: 'number',
      rankDecode: 'number',
      iterations: 'number',
      blockTokens: 'number',
      residual: 'number',
    },
    QUANT,
    'gearL',
    'codec',
  ),
  mikv: {
    summary: 'MiKV: important tokens in high precision, the rest demoted to low bits (codec + tier policy)',
    params: {
      high: 'number',
      low: 'number',
      groupSize: 'number',
      residual: 'number',
      balance: 'boolean',
      keepHigh: 'number',
      recent: 'number',
    },
    build: async (given) => {
      const { keepHigh, recent, ...codecOptions } = given
      const codec = (await factory(QUANT, 'mixedPrecision'))(codecOptions)
      const tierOptions: Record<string, unknown> = {}
      if (keepHigh !== undefined) tierOptions.keepHigh = keepHigh
      if (recent !== undefined) tierOptions.recent = recent
      const policy = (await factory(QUANT, 'importanceTiers'))(tierOptions)
      return { codec, policy } as CacheOptions
    },
  },
  streaming: method(
    'StreamingLLM: attention sinks + recent window, positions re-assigned',
    { sinks: 'number', window: 'number' },
    EVICT,
    'streamingLLM',
    'policy',
  ),
  h2o: method(
    'H2O: heavy hitters by accumulated attention + recent tokens',
    {
      heavy: 'number',
      recent: 'number',
      heavyTokens: 'number',
      recentTokens: 'number',
      budget: 'number',
      ratioOf: 'string',
      sinks: 'number',
    },
    EVICT,
    'h2o',
    'policy',
  ),
  d2o: method(
    'D2O: per-layer budgets from attention variance + merge of evicted tokens',
    {
      heavy: 'number',
      recent: 'number',
      heavyTokens: 'number',
      recentTokens: 'number',
      alpha: 'number',
      beta: 'number',
      sinks: 'number',
    },
    EVICT,
    'd2o',
    'policy',
  ),
  swa: method(
    'ALISA sparse window attention: recent window + globally important tokens',
    {
      window: 'number',
      topK: 'number',
      history: 'number',
      sinks: 'number',
      sparseFrom: 'number',
      recomputeFrom: 'number',
    },
    EVICT,
    'sparseWindow',
    'policy',
  ),
  razor: method(
    'RazorAttention: retrieval heads keep all, others sinks + recent + compensation token',
    { fraction: 'number', sinks: 'number', recent: 'number', ratio: 'number', heads: 'string' },
    EVICT,
    'headwise',
    'policy',
    (p, c) => headwiseExtra(p, c, 'razor'),
  ),
  duo: method(
    'DuoAttention: retrieval heads keep all, streaming heads sinks + recent',
    { fraction: 'number', sinks: 'number', recent: 'number', ratio: 'number', heads: 'string' },
    EVICT,
    'headwise',
    'policy',
    (p, c) => headwiseExtra(p, c, 'duo'),
  ),
  minicache: method(
    'MiniCache: cross-layer merging by SLERP from mid depth',
    { fromLayer: 'number', t: 'number', retain: 'number' },
    '@kv/merge-minicache',
    'minicache',
    'extensions',
  ),
  retrieval: method(
    'RetrievalAttention: exact static set + query-aware vector search over keys',
    {
      sinks: 'number',
      window: 'number',
      topK: 'number',
      cells: 'number',
      nprobe: 'number',
      perQuery: 'number',
      iterations: 'number',
      seed: 'number',
    },
    '@kv/retrieval-ann',
    'retrievalAttention',
    'extensions',
  ),
  skipdecode: method(
    'SkipDecode: one exit point per position, lowest layers skipped',
    { speedup: 'number', maxLength: 'number', minLayers: 'number', maxLayers: 'number' },
    '@kv/early-exit',
    'skipDecode',
    'exit',
    (p, c) => ({ ...p, numLayers: c.numLayers, maxLength: p.maxLength ?? c.maxPositions }),
  ),
  uls: method(
    'Unified Layer Skipping: evenly spread middle layers skipped for every token',
    { speedup: 'number' },
    '@kv/early-exit',
    'unifiedLayerSkipping',
    'exit',
  ),
}

function headwiseExtra(
  params: Record<string, unknown>,
  context: BuildContext,
  mode: 'razor' | 'duo',
): Record<string, unknown> {
  const { heads, ...rest } = params
  const scores = typeof heads === 'string' ? context.readJson(heads) : context.headScores
  if (scores === undefined) {
    throw new Error(
      `${mode}: this model ships no retrieval-head scores; run \`kv heads\` and pass heads=<file.json>`,
    )
  }
  return { ...rest, mode, retrievalHeads: scores }
}
