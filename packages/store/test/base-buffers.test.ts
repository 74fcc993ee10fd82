import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { chunksOfBytes } from '../src/format/io.js'
import {
  BufferChain,
  concatChunks,
  digestBytes,
  encodeState,
  readState,
  StoreFormatError,
} from '../src/index.js'
import { expectSameState } from './support/same-state.js'

const header = { identity: 'model-a', pipeline: 'kivi:bits=4' }

async function write(state: unknown, chain?: BufferChain): Promise<Uint8Array> {
  return concatChunks(encodeState(state, header, chain === undefined ? {} : { base: chain, inlineBytes: 64 }))
}

/** Blocks of awkward sizes and element types, as a codec holds them (never changed once made). */
const block = fc
  .tuple(fc.integer({ min: 0, max: 300 }), fc.constantFrom('u8', 'f32', 'i8'), fc.integer())
  .map(([length, type, seed]) => {
    const bytes = Uint8Array.from(
      { length: length * (type === 'f32' ? 4 : 1) },
      (_, i) => (i * 31 + seed) & 0xff,
    )
    if (type === 'f32') return new Float32Array(bytes.buffer)
    return type === 'u8' ? bytes : new Int8Array(bytes.buffer)
  })

describe('base buffers: a file refers to the buffers of the files before it', () => {
  test.prop([fc.array(fc.array(block, { maxLength: 5 }), { minLength: 1, maxLength: 5 })])(
    'a chain of growing states reads back exactly; each file carries only its new blocks',
    async (additions) => {
      const writer = new BufferChain()
      const reader = new BufferChain()
      let blocks: (Uint8Array | Float32Array | Int8Array)[] = []
      for (const added of additions) {
        blocks = [...blocks, ...added]
        const window = new Float32Array([blocks.length, Math.PI]) // fresh every step, as raw rows are
        const state = { blocks, window }
        const before = writer.length
        const bytes = await write(state, writer)
        const read = await readState(chunksOfBytes(bytes, 7), { base: reader.buffers as ArrayBuffer[] })
        expectSameState(read.state, state)
        // Only the new blocks and the window were carried: one buffer each.
        expect(read.buffers.length).toBe(writer.length - before)
        expect(read.buffers.length).toBe(new Set([...added.map((b) => b.buffer), window.buffer]).size)
        reader.addRead(read.buffers)
      }
    },
  )

  test.prop([fc.array(fc.integer({ min: 0, max: 90 }), { minLength: 1, maxLength: 6 }), fc.integer()])(
    'rows appended to a fresh copy (a full-precision cache) are stored as a base buffer and a tail',
    async (growth, seed) => {
      const writer = new BufferChain()
      const reader = new BufferChain()
      let rows = new Float32Array(0)
      for (const added of growth) {
        const next = new Float32Array(rows.length + added * 4)
        next.set(rows) // a copy, as RawRows.saveState makes: identity cannot match, content can
        for (let i = rows.length; i < next.length; i++) next[i] = Math.fround(Math.sin(i + seed))
        const bytesBefore = rows.byteLength
        rows = next
        const file = await write({ rows }, writer)
        const read = await readState<{ rows: Float32Array }>(chunksOfBytes(file, 13), {
          base: reader.buffers as ArrayBuffer[],
        })
        expect(
          Buffer.from(read.state.rows.buffer, read.state.rows.byteOffset, read.state.rows.byteLength),
        ).toEqual(Buffer.from(rows.buffer))
        reader.addRead(read.buffers)
        // A file carries the appended bytes only, once the rows are long enough to be matched.
        if (bytesBefore >= 64) expect(file.length).toBeLessThan(rows.byteLength - bytesBefore + 200)
      }
    },
  )

  it('a buffer changed in place after it was stored is written again, not referred to', async () => {
    const chain = new BufferChain()
    const rows = new Float32Array(64).fill(1)
    await write({ rows }, chain)
    expect(chain.find(rows.buffer, 0, rows.byteLength)?.index).toBe(0)
    rows[63] = 2
    expect(chain.find(rows.buffer, 0, rows.byteLength)).toBeUndefined()
    const again = await write({ rows }, chain)
    const { state } = await readState<{ rows: Float32Array }>(chunksOfBytes(again), {
      base: [new ArrayBuffer(0)],
    })
    expect(state.rows[63]).toBe(2)
  })

  it('a reference past the base the reader was given is a StoreFormatError naming base.index', async () => {
    const chain = new BufferChain()
    const shared = new Uint8Array(100).fill(7)
    await write({ shared }, chain)
    const second = await write({ shared, more: 1 }, chain)
    const error = await readState(chunksOfBytes(second)).catch((e) => e)
    expect(error).toBeInstanceOf(StoreFormatError)
    expect(String(error)).toMatch(/base\.index.*base buffer 0, the reader was given 0/)
  })

  test.prop([fc.uint8Array({ maxLength: 200 }), fc.nat(), fc.nat({ max: 7 })])(
    'digestBytes changes when any bit of a buffer changes',
    (bytes, at, bit) => {
      fc.pre(bytes.length > 0)
      const before = digestBytes(bytes)
      const changed = bytes.slice()
      const i = at % bytes.length
      changed[i] = (changed[i] as number) ^ (1 << bit)
      expect(digestBytes(changed)).not.toBe(before)
    },
  )
})

describe('the end section digest', () => {
  it('a file spliced from two writes of one key fails, even where every section checksum holds', async () => {
    const state = (fill: number) => ({ a: new Uint8Array(300).fill(fill), b: new Uint8Array(300).fill(fill) })
    const options = { sectionBytes: 64, inlineBytes: 0 }
    const one = [...encodeState(state(1), header, options)]
    const two = [...encodeState(state(2), header, options)]
    expect(one.length).toBe(two.length)
    const whole = await concatChunks(two)
    let splices = 0
    for (let cut = 2; cut < one.length - 1; cut++) {
      const spliced = await concatChunks([...one.slice(0, cut), ...two.slice(cut)])
      if (Buffer.from(spliced).equals(Buffer.from(whole))) continue // the same sections as the second write
      splices++
      const error = await readState(chunksOfBytes(spliced)).catch((e) => e)
      expect(error).toBeInstanceOf(StoreFormatError)
      expect(String(error)).toMatch(/digest|spliced/)
    }
    expect(splices).toBeGreaterThan(8)
  })
})

describe('withoutStored: what a chunk of a chain still has to carry', () => {
  it('drops typed arrays the chain holds and containers left empty; keeps the rest as it is', async () => {
    const { withoutStored } = await import('../src/prefix/chunk-entries.js')
    const chain = new BufferChain()
    const old = { codes: new Uint8Array(16).fill(1), scales: new Float32Array(4).fill(2), tokens: 32 }
    await write([[old]], chain)
    const fresh = { codes: new Uint8Array(16).fill(3), scales: new Float32Array(4).fill(4), tokens: 32 }
    const pruned = withoutStored([[old, fresh], [old]], chain) as unknown[][]
    expect(pruned[0]?.[0]).toBeUndefined()
    expect(pruned[0]?.[1]).toEqual(fresh)
    expect(pruned[1]).toBeUndefined()
    // An array changed in place since it was stored is carried again (its unchanged neighbour is not).
    old.codes[0] = 9
    const again = (withoutStored([[old]], chain) as { codes?: Uint8Array; scales?: Float32Array }[][])[0]?.[0]
    expect(again?.codes).toBe(old.codes)
    expect(again?.scales).toBeUndefined()
    expect(withoutStored([[]], new BufferChain())).toBeNull()
  })
})
