import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { f32ArrayToBf16, f32ArrayToF16 } from '@kv/tensor'
import { onTestFinished } from 'vitest'

/** The config of a one-layer Llama small enough to build in a test. */
export const tinyConfig = {
  architectures: ['LlamaForCausalLM'],
  hidden_size: 8,
  intermediate_size: 16,
  num_attention_heads: 2,
  num_key_value_heads: 1,
  num_hidden_layers: 1,
  vocab_size: 10,
  rms_norm_eps: 1e-5,
  tie_word_embeddings: true,
}

/** The tensor shapes of one decoder layer of `tinyConfig`. */
export function layerShapes(layer: number): Record<string, number[]> {
  const p = `model.layers.${layer}`
  return {
    [`${p}.input_layernorm.weight`]: [8],
    [`${p}.post_attention_layernorm.weight`]: [8],
    [`${p}.self_attn.q_proj.weight`]: [8, 8],
    [`${p}.self_attn.k_proj.weight`]: [4, 8],
    [`${p}.self_attn.v_proj.weight`]: [4, 8],
    [`${p}.self_attn.o_proj.weight`]: [8, 8],
    [`${p}.mlp.gate_proj.weight`]: [16, 8],
    [`${p}.mlp.up_proj.weight`]: [16, 8],
    [`${p}.mlp.down_proj.weight`]: [8, 16],
  }
}

export interface TestTensor {
  readonly shape: readonly number[]
  readonly data: Float32Array
}

/** The tensors of a `layers`-layer tiny Llama, with deterministic finite values. */
export function tinyTensors(layers = 1): Record<string, TestTensor> {
  const shapes: Record<string, number[]> = { 'model.embed_tokens.weight': [10, 8], 'model.norm.weight': [8] }
  for (let layer = 0; layer < layers; layer++) Object.assign(shapes, layerShapes(layer))
  return Object.fromEntries(
    Object.entries(shapes).map(([name, shape], t) => {
      const size = shape.reduce((a, b) => a * b, 1)
      return [name, { shape, data: Float32Array.from({ length: size }, (_, i) => Math.sin(t * 7 + i) / 2) }]
    }),
  )
}

/** A safetensors file from a header (written as given) and the data section. */
export function rawSafetensors(header: unknown, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header))
  const out = new Uint8Array(8 + json.length + data.byteLength)
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true)
  out.set(json, 8)
  out.set(data, 8 + json.length)
  return out
}

/** A safetensors file of the given float32 tensors stored in `dtype`, packed in order. */
export function safetensors(
  tensors: Record<string, TestTensor>,
  dtype: 'F32' | 'F16' | 'BF16' = 'F32',
): Uint8Array {
  // No prototype, so that a tensor named "__proto__" is a key like any other.
  const header: Record<string, unknown> = Object.create(null)
  const chunks: Uint8Array[] = []
  let offset = 0
  for (const [name, { shape, data }] of Object.entries(tensors)) {
    const bytes =
      dtype === 'F32'
        ? new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength))
        : new Uint8Array((dtype === 'F16' ? f32ArrayToF16(data) : f32ArrayToBf16(data)).buffer)
    header[name] = { dtype, shape, data_offsets: [offset, offset + bytes.byteLength] }
    chunks.push(bytes)
    offset += bytes.byteLength
  }
  const data = new Uint8Array(offset)
  let at = 0
  for (const chunk of chunks) {
    data.set(chunk, at)
    at += chunk.byteLength
  }
  return rawSafetensors(header, data)
}

/** A fresh temporary folder holding `files` (name → bytes or JSON value), removed when the test ends. */
export async function checkpointFolder(files: Record<string, Uint8Array | unknown>): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'kv-loader-'))
  onTestFinished(() => rm(folder, { recursive: true, force: true }))
  for (const [name, content] of Object.entries(files)) {
    await writeFile(join(folder, name), content instanceof Uint8Array ? content : JSON.stringify(content))
  }
  return folder
}
