import { execFileSync } from 'node:child_process'
import { mkdir, rm, symlink, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CheckpointError } from '../src/index.js'
import { loadModel } from '../src/node/index.js'
import {
  checkpointFolder,
  layerShapes,
  rawSafetensors,
  safetensors,
  type TestTensor,
  tinyConfig,
  tinyTensors,
} from './loader-support.js'

/**
 * Bad checkpoints, each tried through `loadModel`: every one must fail with a `CheckpointError` that names
 * the file at fault and says what is wrong, fast (no hang on a FIFO, no unbounded read of /dev/zero).
 * With KV_LOADER_TABLE=<path> the table of inputs and messages is written there as Markdown.
 */

type Files = Record<string, Uint8Array | unknown>

interface BadInput {
  /** What is wrong, for the table. */
  readonly input: string
  /** The checkpoint folder's files; a function may add FIFOs, symlinks, folders after they are written. */
  readonly files: Files
  readonly after?: (folder: string) => Promise<void>
  /** The file the error must name (relative to the folder), or `null` when the folder must load. */
  readonly file: string | null
  /** A part of the message. */
  readonly says?: string
}

const good = safetensors(tinyTensors())
const base: Files = { 'config.json': tinyConfig, 'model.safetensors': good }

function withFile(name: string, content: Uint8Array | unknown): Files {
  return { ...base, [name]: content }
}

/** The tiny tensors with `change` applied to a copy. */
function tensorsWith(change: (tensors: Record<string, TestTensor>) => void, layers = 1): Uint8Array {
  const tensors = tinyTensors(layers)
  change(tensors)
  return safetensors(tensors)
}

function headerLengthFile(length: bigint, total: number): Uint8Array {
  const bytes = new Uint8Array(total)
  new DataView(bytes.buffer).setBigUint64(0, length, true)
  return bytes
}

function headerBytes(text: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + text.byteLength)
  new DataView(out.buffer).setBigUint64(0, BigInt(text.byteLength), true)
  out.set(text, 8)
  return out
}

const f32 = (n: number) => new Uint8Array(n * 4)
const entry = (dtype: unknown, shape: unknown, offsets: unknown) => ({ dtype, shape, data_offsets: offsets })
const tokenizerFile = { model: { type: 'BPE', vocab: {}, merges: [] } }

async function replaceWith(folder: string, name: string, make: (path: string) => Promise<void>) {
  await rm(join(folder, name), { force: true, recursive: true })
  await make(join(folder, name))
}
const fifo = (name: string) => (folder: string) =>
  replaceWith(folder, name, async (path) => {
    execFileSync('mkfifo', [path])
  })
const directory = (name: string) => (folder: string) => replaceWith(folder, name, (path) => mkdir(path))
const devZero = (name: string) => (folder: string) =>
  replaceWith(folder, name, (path) => symlink('/dev/zero', path))
const shard = (name: string) => ({
  weight_map: Object.fromEntries(Object.keys(tinyTensors()).map((t) => [t, name])),
})

const cases: BadInput[] = [
  {
    input: '`/dev/zero` as model.safetensors',
    files: base,
    after: devZero('model.safetensors'),
    file: 'model.safetensors',
    says: 'safetensors file is a character device, not a regular file',
  },
  {
    input: 'FIFO as model.safetensors',
    files: base,
    after: fifo('model.safetensors'),
    file: 'model.safetensors',
    says: 'is a FIFO (named pipe), not a regular file',
  },
  {
    input: 'directory as model.safetensors',
    files: base,
    after: directory('model.safetensors'),
    file: 'model.safetensors',
    says: 'is a directory, not a regular file',
  },
  {
    input: '`/dev/zero` as config.json',
    files: base,
    after: devZero('config.json'),
    file: 'config.json',
    says: 'model config is a character device',
  },
  {
    input: 'FIFO as config.json',
    files: base,
    after: fifo('config.json'),
    file: 'config.json',
    says: 'model config is a FIFO',
  },
  {
    input: 'directory as config.json',
    files: base,
    after: directory('config.json'),
    file: 'config.json',
    says: 'model config is a directory',
  },
  {
    input: 'FIFO as tokenizer.json',
    files: base,
    after: fifo('tokenizer.json'),
    file: 'tokenizer.json',
    says: 'tokenizer is a FIFO',
  },
  {
    input: 'config.json over 16 MiB (sparse)',
    files: base,
    after: (f) => truncate(join(f, 'config.json'), 17 << 20),
    file: 'config.json',
    says: 'more than the limit of 16777216',
  },
  {
    input: 'missing config.json',
    files: { 'model.safetensors': good },
    file: 'config.json',
    says: 'cannot read model config: ENOENT',
  },
  {
    input: 'missing model.safetensors',
    files: { 'config.json': tinyConfig },
    file: 'model.safetensors',
    says: 'cannot read safetensors file: ENOENT',
  },
  {
    input: 'empty model.safetensors',
    files: withFile('model.safetensors', new Uint8Array(0)),
    file: 'model.safetensors',
    says: '0 bytes is too short for a header',
  },
  {
    input: 'truncated header (file cut inside the JSON)',
    files: withFile('model.safetensors', good.subarray(0, 40)),
    file: 'model.safetensors',
    says: 'overruns the file of 40 bytes',
  },
  {
    input: 'header length 2^50',
    files: withFile('model.safetensors', headerLengthFile(2n ** 50n, 64)),
    file: 'model.safetensors',
    says: 'header length 1125899906842624 exceeds the safetensors limit',
  },
  {
    input: 'header length 2^64 − 1',
    files: withFile('model.safetensors', headerLengthFile(2n ** 64n - 1n, 64)),
    file: 'model.safetensors',
    says: 'exceeds the safetensors limit',
  },
  {
    input: 'header length > file',
    files: withFile('model.safetensors', headerLengthFile(1000n, 64)),
    file: 'model.safetensors',
    says: 'header length 1000 overruns the file of 64 bytes',
  },
  {
    input: 'non-JSON header',
    files: withFile('model.safetensors', headerBytes(new TextEncoder().encode('{"w": {dtype'))),
    file: 'model.safetensors',
    says: 'header is not valid JSON',
  },
  {
    input: 'header not UTF-8',
    files: withFile('model.safetensors', headerBytes(Uint8Array.of(0x7b, 0xff, 0xfe, 0x7d))),
    file: 'model.safetensors',
    says: 'header is not valid JSON',
  },
  {
    input: 'JSON array header',
    files: withFile('model.safetensors', rawSafetensors([1, 2])),
    file: 'model.safetensors',
    says: 'header must be a JSON object, got an array',
  },
  {
    input: 'JSON null header',
    files: withFile('model.safetensors', rawSafetensors(null)),
    file: 'model.safetensors',
    says: 'header must be a JSON object, got null',
  },
  {
    input: '`__metadata__` not an object',
    files: withFile('model.safetensors', rawSafetensors({ __metadata__: 3 })),
    file: 'model.safetensors',
    says: '__metadata__ must be an object',
  },
  {
    input: 'tensor entry not an object',
    files: withFile('model.safetensors', rawSafetensors({ w: 'x' })),
    file: 'model.safetensors',
    says: 'tensor "w": expected an object',
  },
  {
    input: 'unknown dtype',
    files: withFile('model.safetensors', rawSafetensors({ w: entry('Q4', [1], [0, 4]) }, f32(1))),
    file: 'model.safetensors',
    says: 'tensor "w" has unknown dtype "Q4"',
  },
  {
    input: 'unsupported dtype (I64)',
    files: withFile('model.safetensors', rawSafetensors({ w: entry('I64', [1], [0, 8]) }, f32(2))),
    file: 'model.safetensors',
    says: 'tensor "w" has dtype I64, which is not supported',
  },
  {
    input: 'shape with a negative extent',
    files: withFile('model.safetensors', rawSafetensors({ w: entry('F32', [-1], [0, 4]) }, f32(1))),
    file: 'model.safetensors',
    says: 'shape must be an array of non-negative integers',
  },
  {
    input: 'shape of 2^60 elements',
    files: withFile(
      'model.safetensors',
      rawSafetensors({ w: entry('F32', [2 ** 30, 2 ** 30], [0, 4]) }, f32(1)),
    ),
    file: 'model.safetensors',
    says: 'shape [1073741824,1073741824] has too many elements',
  },
  {
    input: 'negative data_offsets',
    files: withFile('model.safetensors', rawSafetensors({ w: entry('F32', [1], [-4, 0]) }, f32(1))),
    file: 'model.safetensors',
    says: 'data_offsets must be two non-negative integers, got [-4,0]',
  },
  {
    input: 'data_offsets begin > end',
    files: withFile('model.safetensors', rawSafetensors({ w: entry('F32', [1], [8, 4]) }, f32(2))),
    file: 'model.safetensors',
    says: 'data_offsets [8, 4] begins after it ends',
  },
  {
    input: 'data_offsets past the data section',
    files: withFile('model.safetensors', rawSafetensors({ w: entry('F32', [2], [0, 8]) }, f32(1))),
    file: 'model.safetensors',
    says: 'data_offsets [0, 8) is outside the data section of 4 bytes',
  },
  {
    input: 'data_offsets of one number',
    files: withFile('model.safetensors', rawSafetensors({ w: entry('F32', [1], [0]) }, f32(1))),
    file: 'model.safetensors',
    says: 'data_offsets must be two non-negative integers',
  },
  {
    input: 'overlapping data_offsets',
    files: withFile(
      'model.safetensors',
      rawSafetensors({ a: entry('F32', [2], [0, 8]), b: entry('F32', [2], [4, 12]) }, f32(3)),
    ),
    file: 'model.safetensors',
    says: 'tensor "b" [4, 12) overlaps tensor "a" [0, 8)',
  },
  {
    input: 'size mismatch (shape × dtype ≠ byte range)',
    files: withFile('model.safetensors', rawSafetensors({ w: entry('F32', [3, 3], [0, 24]) }, f32(6))),
    file: 'model.safetensors',
    says: 'tensor "w" of shape [3,3] F32 does not match its byte range [0, 24) (36 bytes expected, 24 given)',
  },
  {
    input: 'data section cut short',
    files: withFile('model.safetensors', good.subarray(0, good.byteLength - 4)),
    file: 'model.safetensors',
    says: 'is outside the data section',
  },
  {
    input: 'NaN weight',
    files: withFile(
      'model.safetensors',
      tensorsWith((t) => {
        t['model.layers.0.self_attn.k_proj.weight']!.data[13] = Number.NaN
      }),
    ),
    file: 'model.safetensors',
    says: 'tensor "model.layers.0.self_attn.k_proj.weight" has NaN at element 13 (index [1,5] of shape [4,8])',
  },
  {
    input: 'Inf weight',
    files: withFile(
      'model.safetensors',
      tensorsWith((t) => {
        t['model.norm.weight']!.data[7] = Number.POSITIVE_INFINITY
      }),
    ),
    file: 'model.safetensors',
    says: 'tensor "model.norm.weight" has Infinity at element 7 (index [7] of shape [8])',
  },
  {
    input: '−Inf weight (F16 storage)',
    files: withFile(
      'model.safetensors',
      safetensors(
        (() => {
          const t = tinyTensors()
          t['model.embed_tokens.weight']!.data[79] = -1e6
          return t
        })(),
        'F16',
      ),
    ),
    file: 'model.safetensors',
    says: 'tensor "model.embed_tokens.weight" has -Infinity at element 79 (index [9,7] of shape [10,8])',
  },
  {
    input: 'shard path `../../etc/passwd`',
    files: { 'config.json': tinyConfig, 'model.safetensors.index.json': shard('../../etc/passwd') },
    file: 'model.safetensors.index.json',
    says: 'shard "../../etc/passwd" has a ".." segment',
  },
  {
    input: 'shard path absolute (`/etc/passwd`)',
    files: { 'config.json': tinyConfig, 'model.safetensors.index.json': shard('/etc/passwd') },
    file: 'model.safetensors.index.json',
    says: 'shard "/etc/passwd" is an absolute path',
  },
  {
    input: 'shard symlink out of the folder',
    files: { 'config.json': tinyConfig, 'model.safetensors.index.json': shard('out.safetensors') },
    after: async (folder) => {
      const elsewhere = await checkpointFolder({ 'x.safetensors': good })
      await symlink(join(elsewhere, 'x.safetensors'), join(folder, 'out.safetensors'))
    },
    file: 'model.safetensors.index.json',
    says: 'outside the model folder',
  },
  {
    input: 'shard a FIFO inside the folder',
    files: { 'config.json': tinyConfig, 'model.safetensors.index.json': shard('a.safetensors') },
    after: fifo('a.safetensors'),
    file: 'a.safetensors',
    says: 'safetensors file is a FIFO (named pipe), not a regular file',
  },
  {
    input: 'missing shard',
    files: {
      'config.json': tinyConfig,
      'model.safetensors.index.json': shard('model-00001-of-00002.safetensors'),
    },
    file: 'model.safetensors.index.json',
    says: 'shard "model-00001-of-00002.safetensors" is missing from',
  },
  {
    input: 'index `weight_map` not an object',
    files: { 'config.json': tinyConfig, 'model.safetensors.index.json': { weight_map: ['a'] } },
    file: 'model.safetensors.index.json',
    says: '"weight_map" must be an object',
  },
  {
    input: 'index shard name not a string',
    files: { 'config.json': tinyConfig, 'model.safetensors.index.json': { weight_map: { w: 3 } } },
    file: 'model.safetensors.index.json',
    says: 'weight_map["w"] must be a shard file name, got 3',
  },
  {
    input: 'index lists a tensor its shard lacks',
    files: {
      'config.json': tinyConfig,
      'a.safetensors': good,
      'model.safetensors.index.json': {
        weight_map: { ...shard('a.safetensors').weight_map, ghost: 'a.safetensors' },
      },
    },
    file: 'model.safetensors.index.json',
    says: 'tensor "ghost" is listed in shard "a.safetensors", which does not hold it',
  },
  {
    input: 'tensor stored in two shards',
    files: {
      'config.json': tinyConfig,
      'a.safetensors': good,
      'b.safetensors': good,
      'model.safetensors.index.json': {
        weight_map: { 'model.norm.weight': 'a.safetensors', 'lm_head.weight': 'b.safetensors' },
      },
    },
    file: 'b.safetensors',
    says: 'is also stored in',
  },
  {
    input: 'bad index JSON',
    files: {
      'config.json': tinyConfig,
      'model.safetensors.index.json': new TextEncoder().encode('{"weight_map": '),
    },
    file: 'model.safetensors.index.json',
    says: 'safetensors index is not valid JSON',
  },
  {
    input: 'config num_hidden_layers smaller than the checkpoint',
    files: withFile('model.safetensors', safetensors(tinyTensors(2))),
    file: 'model.safetensors',
    says: 'belongs to layer 1, but config.json num_hidden_layers is 1 (the checkpoint has layers 0–1)',
  },
  {
    input: 'config num_hidden_layers larger than the checkpoint',
    files: withFile('config.json', { ...tinyConfig, num_hidden_layers: 3 }),
    file: 'model.safetensors',
    says: 'missing tensor "model.layers.1.input_layernorm.weight" (expected shape [8] from config.json hidden_size; config.json num_hidden_layers is 3, the checkpoint has layer 0)',
  },
  {
    input: 'missing tensor',
    files: withFile(
      'model.safetensors',
      tensorsWith((t) => {
        delete t['model.layers.0.self_attn.v_proj.weight']
      }),
    ),
    file: 'model.safetensors',
    says: 'missing tensor "model.layers.0.self_attn.v_proj.weight" (expected shape [4,8]',
  },
  {
    input: 'wrong shape',
    files: withFile(
      'model.safetensors',
      tensorsWith((t) => {
        t['model.layers.0.mlp.down_proj.weight'] = {
          shape: [16, 8],
          data: t['model.layers.0.mlp.down_proj.weight']!.data,
        }
      }),
    ),
    file: 'model.safetensors',
    says: 'tensor "model.layers.0.mlp.down_proj.weight" has shape [16,8], expected [8,16] from config.json hidden_size, intermediate_size',
  },
  {
    input: 'config vocab_size ≠ embedding rows',
    files: withFile('config.json', { ...tinyConfig, vocab_size: 12 }),
    file: 'model.safetensors',
    says: 'tensor "model.embed_tokens.weight" has shape [10,8], expected [12,8] from config.json vocab_size, hidden_size',
  },
  {
    input: 'config hidden_size ≠ tensors',
    files: withFile('config.json', { ...tinyConfig, hidden_size: 16 }),
    file: 'model.safetensors',
    says: 'expected [16] from config.json hidden_size',
  },
  {
    input: 'config intermediate_size ≠ tensors',
    files: withFile('config.json', { ...tinyConfig, intermediate_size: 24 }),
    file: 'model.safetensors',
    says: 'expected [24,8] from config.json intermediate_size, hidden_size',
  },
  {
    input: 'config num_key_value_heads ≠ tensors',
    files: withFile('config.json', { ...tinyConfig, num_key_value_heads: 2 }),
    file: 'model.safetensors',
    says: 'has shape [4,8], expected [8,8] from config.json num_key_value_heads × head_dim, hidden_size',
  },
  {
    input: 'config num_attention_heads ≠ tensors',
    files: withFile('config.json', { ...tinyConfig, num_attention_heads: 4 }),
    file: 'model.safetensors',
    says: 'expected [2,8] from config.json num_key_value_heads × head_dim',
  },
  {
    input: 'extra tensor (a bias)',
    files: withFile(
      'model.safetensors',
      tensorsWith((t) => {
        t['model.layers.0.self_attn.q_proj.bias'] = { shape: [8], data: new Float32Array(8) }
      }),
    ),
    file: 'model.safetensors',
    says: 'tensor "model.layers.0.self_attn.q_proj.bias" is not part of a LlamaForCausalLM model',
  },
  {
    input: 'bad config JSON',
    files: withFile('config.json', new TextEncoder().encode('{"hidden_size": 8,')),
    file: 'config.json',
    says: 'model config is not valid JSON',
  },
  {
    input: 'config a JSON array',
    files: withFile('config.json', [tinyConfig]),
    file: 'config.json',
    says: 'expected a JSON object, got [',
  },
  {
    input: 'config field of wrong type (`hidden_size: "8"`)',
    files: withFile('config.json', { ...tinyConfig, hidden_size: '8' }),
    file: 'config.json',
    says: 'field "hidden_size" must be a number, got "8"',
  },
  {
    input: 'config `num_hidden_layers: 0`',
    files: withFile('config.json', { ...tinyConfig, num_hidden_layers: 0 }),
    file: 'config.json',
    says: 'field "num_hidden_layers" must be a positive integer, got 0',
  },
  {
    input: 'config `num_hidden_layers: 1.5`',
    files: withFile('config.json', { ...tinyConfig, num_hidden_layers: 1.5 }),
    file: 'config.json',
    says: 'field "num_hidden_layers" must be a positive integer, got 1.5',
  },
  {
    input: 'config `rms_norm_eps: -1`',
    files: withFile('config.json', { ...tinyConfig, rms_norm_eps: -1 }),
    file: 'config.json',
    says: 'field "rms_norm_eps" must be positive, got -1',
  },
  {
    input: 'config `tie_word_embeddings: "yes"`',
    files: withFile('config.json', { ...tinyConfig, tie_word_embeddings: 'yes' }),
    file: 'config.json',
    says: 'field "tie_word_embeddings" must be true or false, got "yes"',
  },
  {
    input: 'config `rope_parameters: 5`',
    files: withFile('config.json', { ...tinyConfig, rope_parameters: 5 }),
    file: 'config.json',
    says: 'field "rope_parameters" must be an object, got 5',
  },
  {
    input: 'config `architectures: "Llama"`',
    files: withFile('config.json', { ...tinyConfig, architectures: 'Llama' }),
    file: 'config.json',
    says: 'field "architectures" must be a list of names',
  },
  {
    input: 'config kv heads not dividing heads',
    files: withFile('config.json', { ...tinyConfig, num_key_value_heads: 3 }),
    file: 'config.json',
    says: 'field "num_key_value_heads" 3 does not divide num_attention_heads 2',
  },
  {
    input: 'bad tokenizer.json JSON',
    files: withFile('tokenizer.json', new TextEncoder().encode('{"model":')),
    file: 'tokenizer.json',
    says: 'tokenizer is not valid JSON',
  },
  {
    input: 'tokenizer.json not BPE',
    files: withFile('tokenizer.json', { model: { type: 'Unigram' } }),
    file: 'tokenizer.json',
    says: 'model.type "Unigram" is not supported',
  },
  {
    input: 'tokenizer.json the library refuses (no decoder)',
    files: withFile('tokenizer.json', tokenizerFile),
    file: 'tokenizer.json',
    says: 'not a usable tokenizer: Tokenizer must contain a "decoder" property',
  },
  { input: 'missing tokenizer.json (weights only)', files: base, file: null },
  {
    input: 'sharded checkpoint, every tensor in its shard',
    files: {
      'config.json': tinyConfig,
      'a.safetensors': good,
      'model.safetensors.index.json': shard('a.safetensors'),
    },
    file: null,
  },
]

const table: string[] = []

describe('loadModel refuses bad checkpoints with a CheckpointError naming the file and what is wrong', () => {
  it.each(cases)('$input', async ({ input, files, after, file, says }) => {
    const folder = await checkpointFolder(files)
    await after?.(folder)
    const outcome = await loadModel(folder).then(
      (model) => ({ model }),
      (error: unknown) => ({ error }),
    )
    if (file === null) {
      expect('error' in outcome ? outcome.error : undefined).toBeUndefined()
      table.push(`| ${input} | loads |`)
      return
    }
    expect('error' in outcome, `${input} loaded`).toBe(true)
    const error = (outcome as { error: unknown }).error
    expect(error).toBeInstanceOf(CheckpointError)
    const { message, file: named } = error as CheckpointError
    expect(named).toBe(join(folder, file))
    expect(message.startsWith(`${join(folder, file)}: `)).toBe(true)
    expect(message).toContain(says)
    table.push(`| ${input} | \`${message.replaceAll(folder, '<dir>').replaceAll('|', '\\|')}\` |`)
  })
})

afterAll(async () => {
  const path = process.env.KV_LOADER_TABLE
  if (path) await writeFile(path, ['| bad input | error |', '|---|---|', ...table, ''].join('\n'))
})

// A layer's shapes are what the decoder expects, so that the cases above fail for their stated reason.
it('the tiny checkpoint loads as is', async () => {
  const model = await loadModel(await checkpointFolder(base))
  expect(model.config.numLayers).toBe(1)
  expect(Object.keys(layerShapes(0))).toHaveLength(9)
})
