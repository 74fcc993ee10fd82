import { describe, expect, it } from 'vitest'
import { CheckpointError, type ModelBytes, modelFromBytes } from '../src/index.js'
import { rawSafetensors, safetensors, type TestTensor, tinyConfig, tinyTensors } from './loader-support.js'

/** The browser path (bytes already in memory) makes the same checks as loading from disk. */

function tensorsWith(change: (tensors: Record<string, TestTensor>) => void, layers = 1): Uint8Array {
  const tensors = tinyTensors(layers)
  change(tensors)
  return safetensors(tensors)
}

const good = safetensors(tinyTensors())
const entry = (dtype: string, shape: number[], offsets: number[]) => ({ dtype, shape, data_offsets: offsets })

const cases: {
  input: string
  bytes: Omit<ModelBytes, 'name'>
  file: string
  field?: string
  says: string
}[] = [
  {
    input: 'header length 2^50',
    bytes: { config: tinyConfig, safetensors: Uint8Array.of(0, 0, 0, 0, 0, 0, 4, 0, 1, 2) },
    file: 'mine: model.safetensors',
    field: 'header length',
    says: 'header length 1125899906842624 exceeds the safetensors limit',
  },
  {
    input: 'overlapping data_offsets',
    bytes: {
      config: tinyConfig,
      safetensors: rawSafetensors(
        { a: entry('F32', [2], [0, 8]), b: entry('F32', [2], [4, 12]) },
        new Uint8Array(12),
      ),
    },
    file: 'mine: model.safetensors',
    field: 'b',
    says: 'tensor "b" [4, 12) overlaps tensor "a" [0, 8)',
  },
  {
    input: 'NaN weight',
    bytes: {
      config: tinyConfig,
      safetensors: tensorsWith((t) => {
        t['model.layers.0.mlp.up_proj.weight']!.data[127] = Number.NaN
      }),
    },
    file: 'mine: model.safetensors',
    field: 'model.layers.0.mlp.up_proj.weight',
    says: 'has NaN at element 127 (index [15,7] of shape [16,8])',
  },
  {
    input: 'Inf weight in the second shard',
    bytes: {
      config: tinyConfig,
      safetensors: [
        safetensors({ 'model.norm.weight': tinyTensors()['model.norm.weight']! }),
        safetensors({ x: { shape: [1], data: Float32Array.of(Number.NEGATIVE_INFINITY) } }),
      ],
    },
    file: 'mine: shard 1',
    field: 'x',
    says: 'tensor "x" has -Infinity at element 0',
  },
  {
    input: 'tensor in two shards',
    bytes: { config: tinyConfig, safetensors: [good, good] },
    file: 'mine: shard 1',
    field: 'model.embed_tokens.weight',
    says: 'is also stored in mine: shard 0',
  },
  {
    input: 'config num_hidden_layers smaller than the checkpoint',
    bytes: { config: tinyConfig, safetensors: safetensors(tinyTensors(3)) },
    file: 'mine: model.safetensors',
    field: 'model.layers.1.input_layernorm.weight',
    says: 'belongs to layer 1, but config.json num_hidden_layers is 1 (the checkpoint has layers 0–2)',
  },
  {
    input: 'config num_hidden_layers larger than the checkpoint',
    bytes: { config: { ...tinyConfig, num_hidden_layers: 2 }, safetensors: good },
    file: 'mine: model.safetensors',
    field: 'model.layers.1.input_layernorm.weight',
    says: 'missing tensor "model.layers.1.input_layernorm.weight"',
  },
  {
    input: 'config field of wrong type',
    bytes: { config: { ...tinyConfig, vocab_size: [10] }, safetensors: good },
    file: 'mine: config.json',
    field: 'vocab_size',
    says: 'field "vocab_size" must be a number, got [10]',
  },
  {
    input: 'an ArrayBuffer for the safetensors bytes',
    bytes: { config: tinyConfig, safetensors: good.buffer as unknown as Uint8Array },
    file: 'mine: model.safetensors',
    field: 'safetensors',
    says: 'safetensors must be a Uint8Array or an array of them',
  },
  {
    input: 'config not an object',
    bytes: { config: 'config.json', safetensors: good },
    file: 'mine: config.json',
    says: 'expected a JSON object, got "config.json"',
  },
  {
    input: 'tokenizer JSON that is not a tokenizer',
    bytes: { config: tinyConfig, safetensors: good, tokenizer: { json: null } },
    file: 'mine: tokenizer.json',
    field: 'model.type',
    says: 'model.type "undefined" is not supported',
  },
]

describe('modelFromBytes checks what loadModel checks', () => {
  it.each(cases)('$input', ({ bytes, file, field, says }) => {
    let thrown: unknown
    try {
      modelFromBytes({ ...bytes, name: 'mine' })
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(CheckpointError)
    const error = thrown as CheckpointError
    expect(error.file).toBe(file)
    expect(error.field).toBe(field)
    expect(error.message).toContain(`${file}: `)
    expect(error.message).toContain(says)
  })

  it('a good checkpoint in memory loads', () => {
    expect(modelFromBytes({ config: tinyConfig, safetensors: good }).config.numLayers).toBe(1)
  })
})
