import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import {
  chunksOf,
  chunksOfBytes,
  crc32Update,
  encodeState,
  Fnv1a64,
  identityHex,
  modelIdentity,
  readState,
  readStateHeader,
  StoreFormatError,
  StoreSaveError,
} from '../src/index.js'
import { expectSameState } from './support/same-state.js'
import { awkwardState, plainState } from './support/states.js'

const header = { identity: 'model-a', pipeline: 'kivi:bits=4', params: { bits: 4, residual: 128 } }

function bytesOf(state: unknown, sectionBytes?: number, inlineBytes?: number): Uint8Array {
  const chunks = [
    ...encodeState(state, header, {
      ...(sectionBytes === undefined ? {} : { sectionBytes }),
      ...(inlineBytes === undefined ? {} : { inlineBytes }),
    }),
  ]
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
  let at = 0
  for (const chunk of chunks) {
    out.set(chunk, at)
    at += chunk.length
  }
  return out
}

/** Splits bytes at the given cut points (chunk boundaries anywhere, as a network stream would). */
function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
  const out: Uint8Array[] = []
  let from = 0
  for (const point of [...points, bytes.length]) {
    out.push(bytes.subarray(from, point))
    from = point
  }
  return out
}

describe('checksums and hashes', () => {
  it('CRC-32 gives the IEEE check value and continues across pieces', () => {
    const text = new TextEncoder().encode('123456789')
    expect(crc32Update(0, text)).toBe(0xcbf43926)
    expect(crc32Update(crc32Update(0, text.subarray(0, 5)), text.subarray(5))).toBe(0xcbf43926)
    expect(crc32Update(0, new Uint8Array(0))).toBe(0)
  })

  it('FNV-1a 64 gives the published test vectors', () => {
    const hex = (text: string) => identityHex(new Fnv1a64().update(new TextEncoder().encode(text)).digest())
    expect(hex('')).toBe('cbf29ce484222325')
    expect(hex('a')).toBe('af63dc4c8601ec8c')
    expect(hex('foobar')).toBe('85944171f73967e8')
  })

  it('modelIdentity ignores key order in the config and sees every weight byte', () => {
    const weights = new Float32Array([1, 2, 3])
    const a = modelIdentity({ hidden: 64, layers: 8 }, [weights])
    expect(modelIdentity({ layers: 8, hidden: 64 }, [weights])).toEqual(a)
    expect(modelIdentity({ hidden: 64, layers: 8 }, [new Float32Array([1, 2, 3.0000002])])).not.toEqual(a)
    expect(modelIdentity({ hidden: 64, layers: 9 }, [weights])).not.toEqual(a)
    expect(
      modelIdentity({ hidden: 64, layers: 8 }, [weights.subarray(0, 1), weights.subarray(1)]),
    ).not.toEqual(a)
  })
})

describe('round trip', () => {
  it('keeps every awkward value, sharing and views bit for bit', async () => {
    const state = awkwardState()
    const { header: read, state: back } = await readState(chunksOfBytes(bytesOf(state), 7))
    expectSameState(back, state)
    // And with every buffer in data sections instead of inline.
    expectSameState((await readState(chunksOfBytes(bytesOf(state, 64, 0), 5))).state, state)
    expect(read.pipeline).toBe('kivi:bits=4')
    expect(new TextDecoder().decode(read.identity)).toBe('model-a')
    expect(read.params).toEqual({ bits: 4, residual: 128 })
    const layers = (back as { layers: { rows: Float32Array }[] }).layers
    // Views of one buffer are still views of one buffer: a write through one shows in the other.
    const pool = (back as { pool: Float32Array }).pool
    expect(layers[0]?.rows.buffer).toBe(pool.buffer)
    pool[3] = 42
    expect(layers[0]?.rows[0]).toBe(42)
  })

  it('reads from a web ReadableStream and a Blob', async () => {
    const bytes = bytesOf(awkwardState())
    const blob = new Blob([bytes])
    expectSameState((await readState(chunksOf(blob.stream()))).state, awkwardState())
    const head = await readStateHeader(chunksOf(blob.stream()))
    expect(head.pipeline).toBe('kivi:bits=4')
  })

  it('reads Node Buffers (pooled memory, whose slice() is a view)', async () => {
    const state = awkwardState()
    const bytes = bytesOf(state, 64, 8)
    // Small Buffer.from copies share Node's 8 KiB pool: each chunk sits at an offset in a shared ArrayBuffer.
    const chunks = splitAt(bytes, [100, 200, 300, 333, 500]).map((chunk) => Buffer.from(chunk))
    expectSameState((await readState(chunks)).state, state)
  })

  it('splits large typed arrays into sections of the configured size', async () => {
    const big = new Float32Array(10_000).map((_, i) => i * 0.5)
    const state = { a: big.subarray(1), b: big.subarray(0, 3) }
    const chunks = [...encodeState(state, header, { sectionBytes: 4096, inlineBytes: 1024 })]
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(4096 + 9)
    expectSameState((await readState(chunks)).state, state)
  })

  test.prop([
    plainState,
    fc.array(fc.nat(), { maxLength: 6 }),
    fc.integer({ min: 64, max: 300 }),
    fc.integer({ min: 0, max: 100 }),
  ])(
    'any plain-data tree, any chunking, any section and inline size',
    async (state, cuts, sectionBytes, inlineBytes) => {
      const bytes = bytesOf(state, sectionBytes, inlineBytes)
      expectSameState((await readState(splitAt(bytes, cuts))).state, state)
    },
  )

  it('refuses what is not plain data, naming where it is', () => {
    const cyclic: Record<string, unknown> = { a: [] }
    ;(cyclic.a as unknown[]).push(cyclic)
    expect(() => bytesOf(cyclic)).toThrow(/state\.a\[0\].*cycle/)
    expect(() => bytesOf({ m: new Map() })).toThrow(StoreSaveError)
    expect(() => bytesOf({ x: [1, () => 2] })).toThrow(/state\.x\[1\]: a function/)
    expect(() => bytesOf({ d: new DataView(new ArrayBuffer(4)) })).toThrow(/DataView/)
    expect(() => bytesOf({ n: 1n })).toThrow(/bigint/)
  })
})

/** Runs a read and returns its StoreFormatError, failing the test on success or any other error. */
async function formatError(source: Iterable<Uint8Array>, options = {}): Promise<StoreFormatError> {
  try {
    await readState(source, options)
  } catch (error) {
    if (error instanceof StoreFormatError) return error
    throw error
  }
  return expect.fail('read a corrupt state without an error')
}

describe('bad input', () => {
  const small = {
    layers: [{ k: new Float32Array([1, -0, Number.NaN]), n: 3 }],
    codes: new Uint8Array([9, 8]),
  }
  // Inline bytes 2: the 12-byte buffer goes in a data section, the 2-byte one inline; every kind of section.
  const file = bytesOf(small, undefined, 2)

  it('truncated at every byte boundary: a StoreFormatError', async () => {
    for (let length = 0; length < file.length; length++) {
      const error = await formatError([file.subarray(0, length)])
      expect(error.message).toMatch(/truncated|end section|needs/)
    }
  })

  it('any flipped bit anywhere: a StoreFormatError naming the section', async () => {
    const seen = new Set<string>()
    for (let bit = 0; bit < file.length * 8; bit++) {
      const copy = file.slice()
      copy[bit >> 3] = (copy[bit >> 3] as number) ^ (1 << (bit & 7))
      const error = await formatError([copy])
      seen.add(error.section)
    }
    expect([...seen].sort()).toEqual(
      expect.arrayContaining(['data', 'end', 'graph', 'header', 'magic', 'version']),
    )
  })

  it('another model or pipeline: refused before the body is read', async () => {
    const identity = await formatError([file], { expect: { identity: 'model-b' } })
    expect([identity.section, identity.field]).toEqual(['header', 'identity'])
    expect(identity.message).toMatch(/another model/)
    const pipeline = await formatError([file], { expect: { pipeline: 'kivi:bits=2' } })
    expect(pipeline.field).toBe('pipeline')
    expect(pipeline.message).toMatch(/"kivi:bits=4", expected "kivi:bits=2"/)
    await expect(
      readState([file], { expect: { identity: 'model-a', pipeline: 'kivi:bits=4' } }),
    ).resolves.toBeDefined()
  })

  it('a newer format version: says to upgrade', async () => {
    const copy = file.slice()
    new DataView(copy.buffer).setUint32(8, 2, true)
    const error = await formatError([copy])
    expect(error.message).toMatch(/format version 2 is newer.*upgrade/)
  })

  it('streams: the reader pulls chunks only as it needs them and stops the source on an error', async () => {
    const big = { rows: new Float32Array(100_000) }
    const chunks = [...encodeState(big, header, { sectionBytes: 4096, inlineBytes: 0 })]
    expect(chunks.length).toBeGreaterThan(90)
    let pulled = 0
    let closed = false
    function* counted() {
      try {
        for (const chunk of chunks) {
          pulled++
          yield chunk
        }
      } finally {
        closed = true
      }
    }
    await expect(readState(counted(), { expect: { pipeline: 'other' } })).rejects.toThrow(/pipeline/)
    expect([pulled, closed]).toEqual([2, true]) // the preamble and the header section, nothing more
  })

  it('trailing bytes after the end section', async () => {
    const error = await formatError([file, new Uint8Array([0])])
    expect(error.field).toBe('trailing')
  })
})
