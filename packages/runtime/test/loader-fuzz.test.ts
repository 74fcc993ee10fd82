import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  CheckpointError,
  type LoadedTensor,
  modelFromBytes,
  parseLlamaConfig,
  parseSafetensors,
} from '../src/index.js'
import { readSafetensorsFile } from '../src/node/index.js'
import {
  checkpointFolder,
  rawSafetensors,
  safetensors,
  type TestTensor,
  tinyConfig,
  tinyTensors,
} from './loader-support.js'

/**
 * Fuzzing the parsers of untrusted checkpoint files: whatever the bytes or JSON, the outcome is a checked
 * result or a `CheckpointError`, never another error type, a hang or an allocation the input did not pay
 * for (a header claiming 2^50 bytes is refused before anything is read).
 */

/** Runs `parse`; a thrown value other than a `CheckpointError` fails the property with its message. */
function resultOrCheckpointError<T>(parse: () => T): T | CheckpointError {
  try {
    return parse()
  } catch (error) {
    if (error instanceof CheckpointError) return error
    throw new Error(`expected a CheckpointError, got ${(error as Error)?.name}: ${(error as Error)?.message}`)
  }
}

/** A parsed checkpoint is consistent: every tensor's values match its shape and are finite. */
function expectConsistent(tensors: Map<string, LoadedTensor>): void {
  for (const { shape, data } of tensors.values()) {
    expect(data.length).toBe(shape.reduce((a, b) => a * b, 1))
    expect(data.every(Number.isFinite)).toBe(true)
  }
}

const smallTensor: fc.Arbitrary<TestTensor> = fc
  .array(fc.integer({ min: 0, max: 5 }), { minLength: 0, maxLength: 3 })
  .chain((shape) =>
    fc
      .float32Array({
        minLength: shape.reduce((a, b) => a * b, 1),
        maxLength: shape.reduce((a, b) => a * b, 1),
        noNaN: true,
        noDefaultInfinity: true,
        min: -60000,
        max: 60000,
      })
      .map((data) => ({ shape, data })),
  )
const checkpoint = fc.record({
  tensors: fc.dictionary(fc.string({ maxLength: 12 }), smallTensor, { maxKeys: 5 }),
  dtype: fc.constantFrom('F32' as const, 'F16' as const, 'BF16' as const),
})

const valid = safetensors(tinyTensors())
const validHeader = JSON.parse(
  new TextDecoder().decode(valid.subarray(8, 8 + Number(new DataView(valid.buffer).getBigUint64(0, true)))),
) as Record<string, Record<string, unknown>>
const validData = valid.subarray(8 + Number(new DataView(valid.buffer).getBigUint64(0, true)))
const tensorNames = Object.keys(validHeader)

describe('safetensors parser under fuzzing', () => {
  it('round-trips random checkpoints of every dtype', () => {
    fc.assert(
      fc.property(checkpoint, ({ tensors, dtype }) => {
        const parsed = parseSafetensors(safetensors(tensors, dtype))
        expect([...parsed.keys()].sort()).toEqual(Object.keys(tensors).sort())
        for (const [name, { shape, data }] of Object.entries(tensors)) {
          expect(parsed.get(name)!.shape).toEqual(shape)
          if (dtype === 'F32') expect(parsed.get(name)!.data).toEqual(data)
        }
      }),
    )
  })

  it('arbitrary bytes: a checked result or a CheckpointError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const outcome = resultOrCheckpointError(() => parseSafetensors(bytes))
        if (!(outcome instanceof CheckpointError)) expectConsistent(outcome)
      }),
    )
  })

  it('a claimed header length of up to 2^64 − 1 over a small file: a CheckpointError, nothing allocated', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.uint8Array({ maxLength: 64 }),
        (length, rest) => {
          const bytes = new Uint8Array(8 + rest.byteLength)
          new DataView(bytes.buffer).setBigUint64(0, length, true)
          bytes.set(rest, 8)
          const outcome = resultOrCheckpointError(() => parseSafetensors(bytes))
          if (length > BigInt(rest.byteLength)) expect(outcome).toBeInstanceOf(CheckpointError)
        },
      ),
    )
  })

  it('a valid file with bytes overwritten: a checked result or a CheckpointError', () => {
    const flips = fc.array(
      fc.record({ at: fc.nat({ max: valid.byteLength - 1 }), value: fc.nat({ max: 255 }) }),
      {
        minLength: 1,
        maxLength: 8,
      },
    )
    fc.assert(
      fc.property(flips, (changes) => {
        const bytes = valid.slice()
        for (const { at, value } of changes) bytes[at] = value
        const outcome = resultOrCheckpointError(() => parseSafetensors(bytes))
        if (!(outcome instanceof CheckpointError)) expectConsistent(outcome)
      }),
    )
  })

  it('a valid header with one field replaced by arbitrary JSON: a checked result or a CheckpointError', () => {
    const mutation = fc.record({
      tensor: fc.constantFrom(...tensorNames, '__metadata__', 'extra'),
      field: fc.constantFrom('dtype', 'shape', 'data_offsets', 'whole'),
      value: fc.oneof(
        fc.jsonValue({ maxDepth: 2 }),
        fc.array(fc.oneof(fc.integer(), fc.double(), fc.constant(2 ** 53), fc.constant(-1)), {
          maxLength: 3,
        }),
      ),
    })
    fc.assert(
      fc.property(mutation, ({ tensor, field, value }) => {
        const header = structuredClone(validHeader) as Record<string, unknown>
        if (field === 'whole' || !(tensor in header)) header[tensor] = value
        else (header[tensor] as Record<string, unknown>)[field] = value
        const outcome = resultOrCheckpointError(() => parseSafetensors(rawSafetensors(header, validData)))
        if (outcome instanceof CheckpointError) return
        expectConsistent(outcome)
        // The data section is packed: no other byte range, dtype or element count fits a tensor.
        const original = validHeader[tensor]
        if (original === undefined || field === 'whole') return
        if (field === 'data_offsets') expect(value).toEqual(original.data_offsets)
        if (field === 'dtype') expect(value).toBe('F32')
        const elements = (shape: unknown) => (shape as number[]).reduce((a, b) => a * b, 1)
        if (field === 'shape') expect(elements(value)).toBe(elements(original.shape))
      }),
    )
  })

  it('data_offsets shifted by a little (fractions included): accepted only where they were', () => {
    const shift = fc.constantFrom(-4, -1, -0.5, -0.25, 0, 0.25, 0.5, 1, 4)
    // Half the time both ends move together, keeping the length right (only range checks can refuse it).
    const shifts = fc.oneof(
      shift.map((d) => [d, d] as const),
      fc.tuple(shift, shift),
    )
    fc.assert(
      fc.property(fc.constantFrom(...tensorNames), fc.boolean(), shifts, (tensor, alone, [first, second]) => {
        // Alone in its file, a tensor has no neighbour whose overlap would refuse a shift for it.
        const [begin, end] = validHeader[tensor]!.data_offsets as [number, number]
        const header = alone
          ? { [tensor]: { ...validHeader[tensor]!, data_offsets: [0, end - begin] } }
          : structuredClone(validHeader)
        const [from, to] = header[tensor]!.data_offsets as [number, number]
        header[tensor]!.data_offsets = [from + first, to + second]
        const data = alone ? validData.subarray(begin, end) : validData
        const outcome = resultOrCheckpointError(() => parseSafetensors(rawSafetensors(header, data)))
        expect(outcome instanceof CheckpointError).toBe(first !== 0 || second !== 0)
      }),
    )
  })

  it('any JSON as the whole header: a checked result or a CheckpointError', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (header) => {
        const outcome = resultOrCheckpointError(() => parseSafetensors(rawSafetensors(header, validData)))
        if (!(outcome instanceof CheckpointError)) expectConsistent(outcome)
      }),
    )
  })
})

describe('reading from disk under fuzzing', () => {
  it('readSafetensorsFile (positioned reads) gives what parseSafetensors gives for the same bytes', async () => {
    const folder = await checkpointFolder({})
    const path = join(folder, 'model.safetensors')
    const flips = fc.array(
      fc.record({ at: fc.nat({ max: valid.byteLength - 1 }), value: fc.nat({ max: 255 }) }),
      {
        maxLength: 4,
      },
    )
    const bytes = fc.oneof(
      flips.map((changes) => {
        const bytes = valid.slice()
        for (const { at, value } of changes) bytes[at] = value
        return bytes
      }),
      fc.uint8Array({ maxLength: 64 }),
      fc.nat({ max: valid.byteLength }).map((length) => valid.slice(0, length)),
    )
    await fc.assert(
      fc.asyncProperty(bytes, async (file) => {
        await writeFile(path, file)
        const fromDisk = await readSafetensorsFile(path, 'f').catch((error: unknown) => error)
        const inMemory = resultOrCheckpointError(() => parseSafetensors(file, 'f'))
        if (inMemory instanceof CheckpointError) {
          expect(fromDisk).toBeInstanceOf(CheckpointError)
          expect((fromDisk as CheckpointError).message).toBe(inMemory.message)
        } else {
          expect(fromDisk).toEqual(inMemory)
        }
      }),
    )
  })
})

const configKeys = [
  ...Object.keys(tinyConfig),
  ...['head_dim', 'rope_theta', 'rope_parameters', 'rope_scaling', 'max_position_embeddings'],
  ...['bos_token_id', 'eos_token_id', 'hidden_act', 'model_type', 'attention_bias'],
]

describe('config parser under fuzzing', () => {
  it('any JSON (never a whole Llama config): a CheckpointError', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (raw) => {
        const outcome = resultOrCheckpointError(() => parseLlamaConfig(raw))
        expect(outcome).toBeInstanceOf(CheckpointError)
      }),
    )
  })

  it('a valid config with fields replaced by arbitrary JSON: a checked config or a CheckpointError', () => {
    const changes = fc.dictionary(
      fc.constantFrom(...configKeys, '__proto__', 'constructor'),
      fc.jsonValue({ maxDepth: 2 }),
      {
        minKeys: 1,
        maxKeys: 3,
      },
    )
    fc.assert(
      fc.property(changes, (change) => {
        const raw = JSON.parse(JSON.stringify({ ...tinyConfig })) as Record<string, unknown>
        for (const [key, value] of Object.entries(change))
          Object.defineProperty(raw, key, { value, enumerable: true })
        const outcome = resultOrCheckpointError(() => parseLlamaConfig(raw))
        if (outcome instanceof CheckpointError) return
        for (const n of [
          outcome.hiddenSize,
          outcome.numLayers,
          outcome.numHeads,
          outcome.numKVHeads,
          outcome.vocabSize,
        ]) {
          expect(Number.isSafeInteger(n) && n > 0).toBe(true)
        }
        expect(outcome.numHeads % outcome.numKVHeads).toBe(0)
        expect(outcome.headDim % 2).toBe(0)
        expect(outcome.ropeTheta > 0 && outcome.rmsNormEps > 0).toBe(true)
      }),
    )
  })

  it('modelFromBytes with a mutated config over the tiny tensors: a model or a CheckpointError', () => {
    const sizes = fc.constantFrom(
      'hidden_size',
      'intermediate_size',
      'num_attention_heads',
      'num_key_value_heads',
      'num_hidden_layers',
      'vocab_size',
      'head_dim',
    )
    fc.assert(
      fc.property(sizes, fc.integer({ min: -2, max: 40 }), (key, value) => {
        const outcome = resultOrCheckpointError(() =>
          modelFromBytes({ config: { ...tinyConfig, [key]: value }, safetensors: valid }),
        )
        if (outcome instanceof CheckpointError) return
        // A model only when the config describes the tensors it was given.
        expect(outcome.config.hiddenSize * outcome.config.vocabSize).toBe(80)
        expect(outcome.config.numLayers).toBe(1)
      }),
    )
  })
})
