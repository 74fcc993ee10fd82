import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { ByteWriter } from '../src/format/byte-writer.js'
import { FORMAT_VERSION, MAGIC, RECORD, SECTION, VALUE } from '../src/format/constants.js'
import { frameSection } from '../src/format/encode.js'
import { writeHeader } from '../src/format/header.js'
import { concatChunks, encodeState, readState, StoreFormatError } from '../src/index.js'
import { awkwardState } from './support/states.js'

const header = { identity: 'model-a', pipeline: 'full' }

function preamble(): Uint8Array {
  const out = new Uint8Array(12)
  out.set(MAGIC)
  new DataView(out.buffer).setUint32(8, FORMAT_VERSION, true)
  return out
}

function headerSection(): Uint8Array {
  const out = new ByteWriter()
  writeHeader(out, header)
  return frameSection(SECTION.header, out.take())
}

function graph(write: (out: ByteWriter) => void): Uint8Array {
  const out = new ByteWriter()
  write(out)
  return frameSection(SECTION.graph, out.take())
}

async function readError(chunks: Uint8Array[], options = {}): Promise<StoreFormatError> {
  const error = await readState(chunks, options).then(
    () => expect.fail('read without an error'),
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(StoreFormatError)
  return error as StoreFormatError
}

/** Recomputes every section's CRC after a mutation, so the fuzzer reaches the parsers behind the checksums. */
function reseal(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice()
  const view = new DataView(out.buffer)
  let at = 12
  while (at + 5 <= out.length) {
    const length = view.getUint32(at + 1, true)
    const end = at + 5 + length
    if (end + 4 > out.length) break
    out.set(frameSection(out[at] as number, out.subarray(at + 5, end)).subarray(5 + length), end)
    at = end + 4
  }
  return out
}

describe('absurd lengths: an error, no huge allocation, no hang', () => {
  it('a section frame claiming 4 GiB', async () => {
    const frame = new Uint8Array([SECTION.graph, 0xff, 0xff, 0xff, 0xff])
    const error = await readError([preamble(), headerSection(), frame])
    expect([error.section, error.field]).toEqual(['graph', 'length'])
    expect(error.message).toMatch(/past the limit of 16777216/)
  })

  it('a section bigger than the caller allows', async () => {
    const file = await concatChunks(encodeState({ a: new Float32Array(1000) }, header, { inlineBytes: 0 }))
    const error = await readError([file], { maxSectionBytes: 1000 })
    expect([error.section, error.field]).toEqual(['data', 'length'])
  })

  it('an array of 2^52 items in a 10-byte section', async () => {
    const section = graph((out) => {
      out.u8(RECORD.array)
      out.varint(2 ** 52)
    })
    const error = await readError([preamble(), headerSection(), section])
    expect(error.field).toBe('array.length')
    expect(error.message).toMatch(/cannot fit/)
  })

  it('a buffer of 1 TiB, and one of 1 GiB with no data behind it', async () => {
    const huge = graph((out) => {
      out.u8(RECORD.buffer)
      out.varint(2 ** 40)
    })
    expect((await readError([preamble(), headerSection(), huge])).field).toBe('buffer.length')
    const big = graph((out) => {
      out.u8(RECORD.buffer)
      out.varint(2 ** 30)
    })
    const before = process.memoryUsage().arrayBuffers
    const error = await readError([preamble(), headerSection(), big])
    expect(error.message).toMatch(/truncated|ends before/)
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(2 ** 20)
  })

  it('a view past its buffer, a reference to a node not yet defined, an unknown tag', async () => {
    const buffer = graph((out) => {
      out.u8(RECORD.buffer)
      out.varint(8)
    })
    const data = frameSection(SECTION.data, new Uint8Array(8))
    const view = graph((out) => {
      out.u8(RECORD.view)
      out.u8(7) // Float32Array
      out.varint(0)
      out.varint(4)
      out.varint(2)
    })
    expect((await readError([preamble(), headerSection(), buffer, data, view])).field).toBe('view.length')
    const forward = graph((out) => {
      out.u8(RECORD.array)
      out.varint(1)
      out.u8(VALUE.ref)
      out.varint(5)
    })
    expect((await readError([preamble(), headerSection(), forward])).field).toBe('array.item')
    const tag = graph((out) => {
      out.u8(RECORD.object)
      out.varint(1)
      out.varint(2) // a new string of 1 byte (string table: 2·length)
      out.u8(0x6b)
      out.u8(99)
    })
    expect((await readError([preamble(), headerSection(), tag])).message).toMatch(/unknown value tag 99/)
  })
})

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 9 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 9 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
)
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never

function mutate(bytes: Uint8Array, mutations: Mutation[]): Uint8Array {
  let out = Array.from(bytes)
  for (const m of mutations) {
    const at = m.at % (out.length + 1)
    if (m.kind === 'set' && at < out.length) out[at] = m.value
    else if (m.kind === 'insert') out.splice(at, 0, ...m.bytes)
    else if (m.kind === 'delete') out.splice(at, m.count)
    else if (m.kind === 'truncate') out = out.slice(0, at)
  }
  return Uint8Array.from(out)
}

describe('fuzz', async () => {
  const file = await concatChunks(encodeState(awkwardState(), header, { sectionBytes: 64, inlineBytes: 16 }))

  test.prop([fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.boolean()], { numRuns: 400 })(
    'any mutation of a valid file: a state or a StoreFormatError, nothing else',
    async (mutations, resealed) => {
      const bytes = mutate(file, mutations)
      const input = resealed ? reseal(bytes) : bytes
      await readState([input]).catch((error: unknown) => {
        if (!(error instanceof StoreFormatError)) throw error
      })
    },
  )
})
