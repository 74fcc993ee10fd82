import { CheckpointError } from './checkpoint-error.js'

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

type Raw = Record<string, unknown>

function isRecord(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A value for a message, cut to a readable length. */
function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}

/** Reads config fields, every fault a `CheckpointError` naming the file and the field. */
class ConfigReader {
  constructor(
    readonly where: string,
    readonly prefix = '',
  ) {}

  fail(name: string, detail: string): never {
    const field = `${this.prefix}${name}`
    throw new CheckpointError(this.where, field, `field "${field}" ${detail}`)
  }

  /** A supported-feature refusal: `message` already names the field. */
  refuse(name: string, message: string): never {
    throw new CheckpointError(this.where, `${this.prefix}${name}`, message)
  }

  number(raw: Raw, name: string): number {
    const value = raw[name]
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.fail(name, `must be a number, got ${show(value)}`)
    }
    return value
  }

  positive(raw: Raw, name: string, fallback?: number): number {
    if (raw[name] === undefined && fallback !== undefined) return fallback
    const value = this.number(raw, name)
    if (value <= 0) this.fail(name, `must be positive, got ${value}`)
    return value
  }

  positiveInteger(raw: Raw, name: string, fallback?: number): number {
    if (raw[name] === undefined && fallback !== undefined) return fallback
    const value = this.number(raw, name)
    if (!Number.isSafeInteger(value) || value <= 0)
      this.fail(name, `must be a positive integer, got ${value}`)
    return value
  }

  tokenId(raw: Raw, name: string): number {
    const value = raw[name]
    if (value === undefined || value === null) return 0
    // Some configs list several end-of-sequence ids; the first is the one generation stops at.
    const id = Array.isArray(value) ? value[0] : value
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) {
      this.fail(name, `must be a non-negative integer (or a list of them), got ${show(value)}`)
    }
    return id
  }

  boolean(raw: Raw, name: string, fallback: boolean): boolean {
    const value = raw[name]
    if (value === undefined || value === null) return fallback
    if (typeof value !== 'boolean') this.fail(name, `must be true or false, got ${show(value)}`)
    return value
  }
}

function architectureOf(config: Raw, read: ConfigReader): string {
  const { architectures, model_type: modelType } = config
  if (modelType !== undefined && typeof modelType !== 'string') {
    read.fail('model_type', `must be a string, got ${show(modelType)}`)
  }
  if (architectures !== undefined && architectures !== null) {
    if (!Array.isArray(architectures) || typeof architectures[0] !== 'string') {
      read.fail('architectures', `must be a list of names, got ${show(architectures)}`)
    }
    return architectures[0]
  }
  if (modelType === undefined) read.fail('architectures', 'is missing (and so is "model_type")')
  return modelType
}

function ropeTheta(config: Raw, read: ConfigReader): number {
  const parameters = config.rope_parameters
  if (parameters !== undefined && parameters !== null) {
    if (!isRecord(parameters)) read.fail('rope_parameters', `must be an object, got ${show(parameters)}`)
    const type = parameters.rope_type ?? 'default'
    if (type !== 'default') {
      read.refuse(
        'rope_parameters.rope_type',
        `rope_parameters.rope_type "${String(type)}" is not supported (only "default")`,
      )
    }
    if (parameters.rope_theta !== undefined) {
      return new ConfigReader(read.where, 'rope_parameters.').positive(parameters, 'rope_theta')
    }
  }
  const scaling = config.rope_scaling
  if (scaling !== undefined && scaling !== null) {
    read.refuse('rope_scaling', `rope_scaling ${show(scaling)} is not supported`)
  }
  return read.positive(config, 'rope_theta', 10_000)
}

/**
 * Reads a parsed `config.json`: both `rope_theta` and the newer `rope_parameters` are accepted. Every
 * field the decoder uses is type-checked; an unsupported architecture, a missing field or one of the
 * wrong type is a `CheckpointError` naming `where` and the field.
 *
 * @example
 * const config = parseLlamaConfig(JSON.parse(text), '/models/kvtiny-7m/config.json')
 * config.numLayers // 8
 */
export function parseLlamaConfig(raw: unknown, where = 'config.json'): LlamaConfig {
  const read = new ConfigReader(where)
  if (!isRecord(raw)) {
    throw new CheckpointError(where, undefined, `expected a JSON object, got ${show(raw)}`)
  }
  const config = raw
  const architecture = architectureOf(config, read)
  if (!SUPPORTED_ARCHITECTURES.includes(architecture) && config.model_type !== 'llama') {
    read.refuse(
      'architectures',
      `architecture "${architecture}" is not supported (supported: ${SUPPORTED_ARCHITECTURES.join(', ')})`,
    )
  }
  if (read.boolean(config, 'attention_bias', false))
    read.refuse('attention_bias', 'attention_bias: true is not supported')
  if (read.boolean(config, 'mlp_bias', false)) read.refuse('mlp_bias', 'mlp_bias: true is not supported')
  const hiddenSize = read.positiveInteger(config, 'hidden_size')
  const numHeads = read.positiveInteger(config, 'num_attention_heads')
  const numKVHeads = read.positiveInteger(config, 'num_key_value_heads', numHeads)
  if (numHeads % numKVHeads !== 0) {
    read.fail('num_key_value_heads', `${numKVHeads} does not divide num_attention_heads ${numHeads}`)
  }
  const headDim =
    config.head_dim === undefined || config.head_dim === null
      ? hiddenSize / numHeads
      : read.positiveInteger(config, 'head_dim')
  if (!Number.isInteger(headDim) || headDim % 2 !== 0) {
    read.fail('head_dim', `must be an even integer, got ${headDim}`)
  }
  const act = config.hidden_act ?? 'silu'
  if (act !== 'silu') read.refuse('hidden_act', `hidden_act ${show(act)} is not supported (only "silu")`)
  return {
    architecture,
    vocabSize: read.positiveInteger(config, 'vocab_size'),
    hiddenSize,
    intermediateSize: read.positiveInteger(config, 'intermediate_size'),
    numLayers: read.positiveInteger(config, 'num_hidden_layers'),
    numHeads,
    numKVHeads,
    headDim,
    ropeTheta: ropeTheta(config, read),
    rmsNormEps: read.positive(config, 'rms_norm_eps', 1e-6),
    maxPositions: read.positiveInteger(config, 'max_position_embeddings', 2048),
    tieWordEmbeddings: read.boolean(config, 'tie_word_embeddings', false),
    bosTokenId: read.tokenId(config, 'bos_token_id'),
    eosTokenId: read.tokenId(config, 'eos_token_id'),
  }
}
