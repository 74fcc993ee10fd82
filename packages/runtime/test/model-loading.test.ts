import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { f32ArrayToBf16, f32ArrayToF16 } from '@kv/tensor'
import { describe, expect, it } from 'vitest'
import { modelFromBytes, parseLlamaConfig, parseSafetensors } from '../src/index.js'
import { llamaWeights } from '../src/model/weights.js'
import { embeddedModelPath } from '../src/node/embedded-model.js'
import { readCheckpointTensors } from '../src/node/index.js'
import { tinyConfig } from './loader-support.js'

/** The one-layer test config (shared with the loader tests). */
const baseConfig = tinyConfig

/** A safetensors file of the given float32 tensors stored in `dtype`. */
function safetensors(
  tensors: Record<string, { shape: number[]; data: Float32Array }>,
  dtype: 'F32' | 'F16' | 'BF16',
): Uint8Array {
  const header: Record<string, unknown> = {}
  const chunks: Uint8Array[] = []
  let offset = 0
  for (const [name, { shape, data }] of Object.entries(tensors)) {
    const bytes =
      dtype === 'F32'
        ? new Uint8Array(data.buffer.slice(0))
        : new Uint8Array((dtype === 'F16' ? f32ArrayToF16(data) : f32ArrayToBf16(data)).buffer)
    header[name] = { dtype, shape, data_offsets: [offset, offset + bytes.byteLength] }
    chunks.push(bytes)
    offset += bytes.byteLength
  }
  const json = new TextEncoder().encode(JSON.stringify(header))
  const out = new Uint8Array(8 + json.length + offset)
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true)
  out.set(json, 8)
  let at = 8 + json.length
  for (const chunk of chunks) {
    out.set(chunk, at)
    at += chunk.byteLength
  }
  return out
}

describe('config.json', () => {
  it('reads rope_theta and the newer rope_parameters', () => {
    expect(parseLlamaConfig({ ...baseConfig, rope_theta: 500000 }).ropeTheta).toBe(500000)
    expect(
      parseLlamaConfig({ ...baseConfig, rope_parameters: { rope_theta: 1234, rope_type: 'default' } })
        .ropeTheta,
    ).toBe(1234)
    expect(parseLlamaConfig(baseConfig).headDim).toBe(4)
  })

  it('names an unsupported architecture and a missing field', () => {
    expect(() =>
      parseLlamaConfig({ ...baseConfig, architectures: ['GPT2LMHeadModel'], model_type: 'gpt2' }),
    ).toThrow('architecture "GPT2LMHeadModel" is not supported')
    const { hidden_size: _, ...missing } = baseConfig
    expect(() => parseLlamaConfig(missing)).toThrow('field "hidden_size" must be a number')
    expect(() => parseLlamaConfig({ ...baseConfig, rope_parameters: { rope_type: 'yarn' } })).toThrow(
      'rope_type "yarn"',
    )
  })
})

describe('safetensors', () => {
  const data = Float32Array.of(1, -2, 0.5, 65504, 1e-3, 3)
  it.each(['F32', 'F16', 'BF16'] as const)('reads %s tensors as float32', (dtype) => {
    const parsed = parseSafetensors(safetensors({ w: { shape: [2, 3], data } }, dtype))
    const tensor = parsed.get('w')!
    expect(tensor.shape).toEqual([2, 3])
    const tolerance = dtype === 'F32' ? 0 : dtype === 'F16' ? 1e-3 : 1e-2
    tensor.data.forEach((x, i) => {
      expect(Math.abs(x - data[i]!)).toBeLessThanOrEqual(Math.abs(data[i]!) * tolerance)
    })
  })

  it('names an unknown dtype and a tensor whose bytes do not match its shape', () => {
    const file = safetensors({ w: { shape: [2, 3], data } }, 'F32')
    const json = new TextDecoder().decode(
      file.subarray(8, 8 + Number(new DataView(file.buffer).getBigUint64(0, true))),
    )
    const retyped = new TextEncoder().encode(json.replace('"F32"', '"I64"'))
    const bad = file.slice()
    bad.set(retyped, 8)
    expect(() => parseSafetensors(bad)).toThrow('tensor "w" has dtype I64')
    const reshaped = new TextEncoder().encode(json.replace('[2,3]', '[3,3]'))
    const bad2 = file.slice()
    bad2.set(reshaped, 8)
    expect(() => parseSafetensors(bad2)).toThrow(
      'tensor "w" of shape [3,3] F32 does not match its byte range',
    )
  })

  it('reads sharded checkpoints through model.safetensors.index.json', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'kv-shards-'))
    await writeFile(
      join(folder, 'a.safetensors'),
      safetensors({ x: { shape: [2], data: Float32Array.of(1, 2) } }, 'F32'),
    )
    await writeFile(
      join(folder, 'b.safetensors'),
      safetensors({ y: { shape: [1], data: Float32Array.of(3) } }, 'F16'),
    )
    await writeFile(
      join(folder, 'model.safetensors.index.json'),
      JSON.stringify({ weight_map: { x: 'a.safetensors', y: 'b.safetensors' } }),
    )
    const tensors = await readCheckpointTensors(folder)
    expect([...tensors.keys()].sort()).toEqual(['x', 'y'])
    expect(tensors.get('y')!.data[0]).toBe(3)
  })

  it('modelFromBytes takes a sharded checkpoint as its shards, in any order', () => {
    const shapes: Record<string, number[]> = {
      'model.embed_tokens.weight': [10, 8],
      'model.norm.weight': [8],
      'model.layers.0.input_layernorm.weight': [8],
      'model.layers.0.post_attention_layernorm.weight': [8],
      'model.layers.0.self_attn.q_proj.weight': [8, 8],
      'model.layers.0.self_attn.k_proj.weight': [4, 8],
      'model.layers.0.self_attn.v_proj.weight': [4, 8],
      'model.layers.0.self_attn.o_proj.weight': [8, 8],
      'model.layers.0.mlp.gate_proj.weight': [16, 8],
      'model.layers.0.mlp.up_proj.weight': [16, 8],
      'model.layers.0.mlp.down_proj.weight': [8, 16],
    }
    const tensors = Object.entries(shapes).map(([name, shape], t) => {
      const size = shape.reduce((a, b) => a * b, 1)
      return [
        name,
        { shape, data: Float32Array.from({ length: size }, (_, i) => Math.sin(t * 7 + i)) },
      ] as const
    })
    const whole = safetensors(Object.fromEntries(tensors), 'F32')
    const first = safetensors(Object.fromEntries(tensors.slice(0, 5)), 'F32')
    const second = safetensors(Object.fromEntries(tensors.slice(5)), 'F32')
    const logits = (safetensorsBytes: Uint8Array | Uint8Array[]) => {
      const model = modelFromBytes({ config: baseConfig, safetensors: safetensorsBytes })
      return model.prefill([1, 2, 3], model.createCache())
    }
    expect(logits([second, first])).toEqual(logits(whole))
    expect(() => modelFromBytes({ config: baseConfig, safetensors: [first] })).toThrow(
      'missing tensor "model.layers.0.self_attn.k_proj.weight"',
    )
  })

  it('names a missing or mis-shaped tensor of the model', () => {
    const config = parseLlamaConfig(baseConfig)
    expect(() => llamaWeights(new Map(), config)).toThrow(
      'missing tensor "model.layers.0.input_layernorm.weight"',
    )
    const tensors = new Map([
      ['model.layers.0.input_layernorm.weight', { shape: [7], data: new Float32Array(7) }],
    ])
    expect(() => llamaWeights(tensors, config)).toThrow('has shape [7], expected [8]')
  })
})

describe('the embedded model', () => {
  it('comes from @kv/model-kvtiny', async () => {
    expect(await embeddedModelPath()).toMatch(/model-kvtiny\/kvtiny-7m$/)
  })

  it('without @kv/model-kvtiny installed, says how to install it', async () => {
    const missing = Object.assign(new Error("Cannot find package '@kv/model-kvtiny' imported from x.js"), {
      code: 'ERR_MODULE_NOT_FOUND',
    })
    await expect(embeddedModelPath(() => Promise.reject(missing))).rejects.toThrow(
      'needs the package @kv/model-kvtiny, which is not installed: npm install @kv/model-kvtiny',
    )
    const broken = new SyntaxError('Unexpected token')
    await expect(embeddedModelPath(() => Promise.reject(broken))).rejects.toBe(broken)
  })
})
