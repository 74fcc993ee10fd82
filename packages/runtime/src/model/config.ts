/** The fields of a Hugging Face Llama `config.json` the decoder uses. */
export interface LlamaConfig {
  readonly architecture: string
  readonly vocabSize: number
  readonly hiddenSize: number
  readonly intermediateSize: number
  readonly numLayers: number
  readonly numHeads: number
  readonly numKVHeads: number
  readonly headDim: number
  readonly ropeTheta: number
  readonly rmsNormEps: number
  readonly maxPositions: number
  readonly tieWordEmbeddings: boolean
  readonly bosTokenId: number
  readonly eosTokenId: number
}

const SUPPORTED_ARCHITECTURES = ['LlamaForCausalLM', 'MistralForCausalLM', 'Qwen2ForCausalLM']

function field(raw: Record<string, unknown>, name: string, where: string): number {
  const value = raw[name]
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError(`${where}: field "${name}" must be a number, got ${JSON.stringify(value)}`)
  }
  return value
}

function positiveInteger(raw: Record<string, unknown>, name: string, where: string): number {
  const value = field(raw, name, where)
  if (!Number.isInteger(value) || value <= 0) {
    throw new RangeError(`${where}: field "${name}" must be a positive integer, got ${value}`)
  }
  return value
}

function ropeTheta(raw: Record<string, unknown>, where: string): number {
  const parameters = raw.rope_parameters as Record<string, unknown> | undefined
  if (parameters !== undefined) {
    const type = parameters.rope_type ?? 'default'
    if (type !== 'default') {
      throw new RangeError(
        `${where}: rope_parameters.rope_type "${String(type)}" is not supported (only "default")`,
      )
    }
    if (parameters.rope_theta !== undefined)
      return field(parameters, 'rope_theta', `${where} rope_parameters`)
  }
  const scaling = raw.rope_scaling as Record<string, unknown> | null | undefined
  if (scaling) {
    throw new RangeError(`${where}: rope_scaling ${JSON.stringify(scaling)} is not supported`)
  }
  return raw.rope_theta === undefined ? 10_000 : field(raw, 'rope_theta', where)
}

/**
 * Reads a parsed `config.json`: both `rope_theta` and the newer `rope_parameters` are accepted; an
 * unsupported architecture or a missing field is an error that names it.
 */
export function parseLlamaConfig(raw: unknown, where = 'config.json'): LlamaConfig {
  if (typeof raw !== 'object' || raw === null) throw new TypeError(`${where}: expected a JSON object`)
  const config = raw as Record<string, unknown>
  const architectures = config.architectures
  const architecture = Array.isArray(architectures) ? String(architectures[0]) : String(config.model_type)
  if (!SUPPORTED_ARCHITECTURES.includes(architecture) && config.model_type !== 'llama') {
    throw new RangeError(
      `${where}: architecture "${architecture}" is not supported (supported: ${SUPPORTED_ARCHITECTURES.join(', ')})`,
    )
  }
  if (config.attention_bias === true || config.mlp_bias === true) {
    throw new RangeError(`${where}: attention_bias / mlp_bias are not supported`)
  }
  const hiddenSize = positiveInteger(config, 'hidden_size', where)
  const numHeads = positiveInteger(config, 'num_attention_heads', where)
  const numKVHeads =
    config.num_key_value_heads === undefined
      ? numHeads
      : positiveInteger(config, 'num_key_value_heads', where)
  if (numHeads % numKVHeads !== 0) {
    throw new RangeError(
      `${where}: num_attention_heads ${numHeads} is not a multiple of num_key_value_heads ${numKVHeads}`,
    )
  }
  const headDim =
    config.head_dim === undefined ? hiddenSize / numHeads : positiveInteger(config, 'head_dim', where)
  if (!Number.isInteger(headDim) || headDim % 2 !== 0) {
    throw new RangeError(`${where}: head_dim must be an even integer, got ${headDim}`)
  }
  const act = config.hidden_act ?? 'silu'
  if (act !== 'silu')
    throw new RangeError(`${where}: hidden_act "${String(act)}" is not supported (only "silu")`)
  return {
    architecture,
    vocabSize: positiveInteger(config, 'vocab_size', where),
    hiddenSize,
    intermediateSize: positiveInteger(config, 'intermediate_size', where),
    numLayers: positiveInteger(config, 'num_hidden_layers', where),
    numHeads,
    numKVHeads,
    headDim,
    ropeTheta: ropeTheta(config, where),
    rmsNormEps: config.rms_norm_eps === undefined ? 1e-6 : field(config, 'rms_norm_eps', where),
    maxPositions:
      config.max_position_embeddings === undefined
        ? 2048
        : positiveInteger(config, 'max_position_embeddings', where),
    tieWordEmbeddings: config.tie_word_embeddings === true,
    bosTokenId: typeof config.bos_token_id === 'number' ? config.bos_token_id : 0,
    eosTokenId: typeof config.eos_token_id === 'number' ? config.eos_token_id : 0,
  }
}
